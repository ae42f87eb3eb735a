package saelab.model.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.tokenizer.GemmaTokenizer;

class SyntheticTokenizerTest {
    @Test
    void tinyTokenizerLoadsWithGemmasSpecialsAndRoundTripsText(@TempDir Path dir) {
        GemmaTokenizer tok = GemmaTokenizer.load(SyntheticTokenizer.write(dir, 512, 1));
        assertEquals(512, tok.vocabSize());
        assertEquals(0, tok.id("<pad>"));
        assertEquals(1, tok.id("<eos>"));
        assertEquals(2, tok.id("<bos>"));
        assertEquals(3, tok.id("<unk>"));
        assertTrue(tok.isSpecial(2));
        for (String text : new String[] {"The quick brown fox jumps over the lazy dog.", "naïve café — 数学 🙂\ttab\nnew line", "  two  spaces"}) {
            int[] ids = tok.encode(text);
            assertEquals(2, ids[0], "<bos> first");
            assertEquals(text, tok.decode(ids, true), "round trip of " + text);
        }
        // Non-ASCII goes through byte fallback: é is UTF-8 C3 A9.
        assertArrayEquals(new int[] {tok.id("<0xC3>"), tok.id("<0xA9>")}, tok.encode("é", false));
        // Merges learnt from the sample make common words single tokens.
        assertEquals(1, tok.encode("▁the".replace('▁', ' '), false).length, "' the' should be one token");
        String s = "The quick brown fox";
        int n = tok.encode(s, false).length;
        assertTrue(n < s.length() * 3 / 4, n + " tokens for " + s.length() + " characters: merges should apply");
    }

    @Test
    void sameSeedSameFileAndAnySizeFromTheMinimumUp(@TempDir Path dir) throws Exception {
        Path a = Files.createDirectory(dir.resolve("a")), b = Files.createDirectory(dir.resolve("b"));
        SyntheticTokenizer.write(a, 5000, 9);
        SyntheticTokenizer.write(b, 5000, 9);
        assertArrayEquals(Files.readAllBytes(a.resolve("tokenizer.json")), Files.readAllBytes(b.resolve("tokenizer.json")));
        GemmaTokenizer big = GemmaTokenizer.load(a);
        assertEquals(5000, big.vocabSize());
        String text = "Sparse autoencoders find features, 42 times!";
        assertEquals(text, big.decode(big.encode(text), true));
        int min = SyntheticTokenizer.minimumVocabSize();
        assertEquals(min, GemmaTokenizer.load(SyntheticTokenizer.write(b, min, 1)).vocabSize());
    }
}
