package saelab.eval.probe;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.tokenizer.GemmaTokenizer;

class WordListTest {

    @Test
    void anExplicitFileWinsAndAMissingOneIsNamed(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("w.txt");
        Files.writeString(f, "  apple \n\nBanana\n");
        assertEquals(f, WordList.resolve(f));
        assertEquals(List.of("apple", "Banana"), WordList.read(f));
        var e = assertThrows(IllegalArgumentException.class, () -> WordList.resolve(dir.resolve("none.txt")));
        assertTrue(e.getMessage().contains("none.txt"), e.getMessage());
        Files.writeString(f, "\n \n");
        e = assertThrows(IllegalArgumentException.class, () -> WordList.read(f));
        assertTrue(e.getMessage().endsWith("the word list is empty"), e.getMessage());
    }

    /** Needs scripts/fetch-word-list.sh to have run (CI runs it); with the real Gemma tokenizer fetched too, checks the selection on it. */
    @Test
    void theFetchedListIsUsable() {
        Path fetched = WordList.fetchedFile();
        assumeTrue(Files.isRegularFile(fetched), fetched + " is absent: run scripts/fetch-word-list.sh");
        Path resolved = WordList.resolve(null);
        assertTrue(resolved.equals(WordList.SYSTEM_DICT) || resolved.equals(fetched), resolved.toString());
        List<String> words = WordList.read(fetched);
        assertTrue(words.size() > 200_000, words.size() + " words");
        assertTrue(words.contains("absorption") && words.contains("zebra"));
        String env = System.getenv("SAELAB_GEMMA_TOKENIZER_DIR");
        Path gemma = (env != null ? Path.of(env) : Path.of("..", "model", "target", "gemma-tokenizer")).resolve("tokenizer.json");
        if (!Files.isRegularFile(gemma)) return;
        GemmaTokenizer tok = GemmaTokenizer.load(gemma);
        // Every 20th word keeps the test to ~1 s (the whole list takes ~10 s to tokenize).
        List<String> sample = new java.util.ArrayList<>();
        for (int i = 0; i < words.size(); i += 20) sample.add(words.get(i));
        WordList.Selection s = WordList.singleTokenWords(sample, tok);
        System.out.printf("word list: %d words, %d single gemma tokens%n", s.read(), s.words().size());
        // Gemma's 256k vocabulary holds ~30k of the list's words as "▁word" tokens (11% of it).
        assertTrue(s.words().size() > 800, s.words().size() + " single-token words");
        for (int i = 0; i < s.words().size(); i += 29) assertEquals("▁" + s.words().get(i), tok.token(s.tokenIds()[i]));
    }
}
