package saelab.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Known answers on the hand-written tiny-tokenizer.json (ids as listed in its vocab). */
class GemmaTokenizerTest {
    static final GemmaTokenizer T = TinyTokenizer.load();
    static final int BOS = 2, UNK = 3, SOT = 4, EOT = 5, NL = 6, NL2 = 7;
    static final int SPACE = 18, A = 19, B = 20, W = 26, O = 25, HE = 30, LLO = 33, HELLO = 34, WORLD = 39, OR = 36, LD = 38, BC = 41;

    @TempDir Path dir;

    @Test
    void bosIsPrependedUnlessAskedNot() {
        assertArrayEquals(new int[] {BOS, HELLO, WORLD}, T.encode(" hello world"));
        assertArrayEquals(new int[] {HELLO, WORLD}, T.encode(" hello world", false));
        assertArrayEquals(new int[] {BOS}, T.encode(""));
        assertArrayEquals(new int[] {BOS}, T.prefixIds());
    }

    @Test
    void mergesApplyInRankOrderNotLeftToRight() {
        // h e l l o: "l l" (rank 2) before "h e" (13); then "ll o" (3); "l o" (14) never gets its turn.
        assertArrayEquals(new int[] {HE, LLO}, T.encode("hello", false));
        // a b c: "b c" (rank 10) beats "a b" (11), leaving a + bc.
        assertArrayEquals(new int[] {A, BC}, T.encode("abc", false));
    }

    @Test
    void mergesAsPairsEncodeTheSameAsMergesAsStrings() {
        GemmaTokenizer pairs = TinyTokenizer.edited(dir, json -> json.replaceAll("\"([^\" ]+) ([^\" ]+)\"(,?\\s)", "[\"$1\", \"$2\"]$3"));
        assertTrue(TinyTokenizer.json().contains("\"▁he llo\"") && pairs.file().toFile().length() > 0);
        try {
            String edited = java.nio.file.Files.readString(pairs.file());
            assertTrue(edited.contains("[\"▁he\", \"llo\"]") && !edited.contains("\"▁he llo\""), edited);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        for (String s : new String[] {" hello world", "abc", "  hello", "hello\n\nworld"}) {
            assertArrayEquals(T.encode(s), pairs.encode(s), s);
        }
    }

    @Test
    void spacesBecomeMetaspaceBeforeBpe() {
        assertArrayEquals(new int[] {A, SPACE, B}, T.encode("a b", false));
        // ▁▁hello: "▁ h" (rank 0) wins over "▁ ▁" (12), so the first ▁ stays alone.
        assertArrayEquals(new int[] {SPACE, HELLO}, T.encode("  hello", false));
    }

    @Test
    void unknownCharactersFallBackToTheirUtf8Bytes() {
        assertArrayEquals(new int[] {9, 10}, T.encode("é", false));
        assertArrayEquals(new int[] {11, 12, 13}, T.encode("€", false));
        assertArrayEquals(new int[] {14, 15, 16, 17}, T.encode("😀", false));
        // 'z' is neither a token nor made of byte tokens the vocab has: <unk>, consecutive ones fused.
        assertArrayEquals(new int[] {A, UNK, B}, T.encode("azzzb", false));
    }

    @Test
    void addedTokensAreCutOutWholeBeforeNormalization() {
        assertArrayEquals(new int[] {BOS, SOT, HE, LLO, EOT}, T.encode("<start_of_turn>hello<end_of_turn>"));
        assertArrayEquals(new int[] {BOS, BOS, HELLO}, T.encode("<bos> hello"));
        // Leftmost-longest: three newlines are "\n\n" then "\n".
        assertArrayEquals(new int[] {HE, LLO, NL2, NL, W, OR, LD}, T.encode("hello\n\n\nworld", false));
        // Not quite a special token: plain text ('<' has neither a token nor byte tokens: <unk>).
        assertArrayEquals(new int[] {UNK, B, O}, T.encode("<bo", false));
    }

    @Test
    void decodeReassemblesBytesAndCanSkipSpecialTokens() {
        assertEquals("<bos> hello world", T.decode(new int[] {BOS, HELLO, WORLD}));
        assertEquals(" hello world", T.decode(new int[] {BOS, HELLO, WORLD}, true));
        assertEquals("a€b😀", T.decode(T.encode("a€b😀", false)));
        assertEquals("hello\n\nworld", T.decode(T.encode("hello\n\nworld", false)));
        // An incomplete UTF-8 sequence decodes to one U+FFFD per byte, as Hugging Face's does.
        assertEquals("\uFFFD\uFFFDa", T.decode(new int[] {11, 12, A}));
        assertEquals("<start_of_turn>", T.decode(new int[] {SOT}));
        assertEquals("", T.decode(new int[] {SOT, EOT}, true));
        // "\n" is an added token but not special: never skipped.
        assertEquals("\n", T.decode(new int[] {NL}, true));
    }

    @Test
    void lookupsBothWays() {
        assertEquals(44, T.vocabSize());
        assertEquals("▁hello", T.token(HELLO));
        assertEquals(HELLO, T.id("▁hello"));
        assertEquals(-1, T.id("nope"));
        assertTrue(T.isSpecial(BOS) && !T.isSpecial(NL) && !T.isSpecial(HELLO));
        assertThrows(IllegalArgumentException.class, () -> T.token(44));
    }

    @Test
    void prependNormalizerInASequenceIsReadFromTheFile() {
        GemmaTokenizer llamaStyle = TinyTokenizer.edited(dir, json -> json.replace(
                "\"normalizer\": {\"type\": \"Replace\", \"pattern\": {\"String\": \" \"}, \"content\": \"▁\"}",
                "\"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"Prepend\", \"prepend\": \"▁\"},"
                        + " {\"type\": \"Replace\", \"pattern\": {\"String\": \" \"}, \"content\": \"▁\"}]}"));
        assertArrayEquals(new int[] {BOS, HELLO, WORLD}, llamaStyle.encode("hello world"));
        // Each stretch between added tokens is normalized on its own, so each gets the prefix.
        assertArrayEquals(new int[] {HELLO, NL, HELLO}, llamaStyle.encode("hello\nhello", false));
        assertArrayEquals(new int[] {}, llamaStyle.encode("", false));
    }

    @Test
    void splitPreTokenizerOnSpaceIsANoOpAfterTheNormalizer() {
        GemmaTokenizer split = TinyTokenizer.edited(dir, json -> json.replace("\"pre_tokenizer\": null",
                "\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"String\": \" \"}, \"behavior\": \"MergedWithPrevious\", \"invert\": false}"));
        assertArrayEquals(T.encode(" hello world  abc"), split.encode(" hello world  abc"));
    }

    @Test
    void longDocumentsEncodeInNearLinearTime() {
        // One 1M-character "word" (no pre-tokenizer splits it): quadratic merging would take hours.
        String doc = " hello world abc".repeat(62_500);
        int[] ids = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> T.encode(doc, false));
        assertEquals(62_500 * 5, ids.length); // ▁hello ▁world ▁ a bc
        String same = "a".repeat(1_000_000); // no merge applies: a million symbols, a million ids
        assertEquals(1_000_000, assertTimeoutPreemptively(Duration.ofSeconds(20), () -> T.encode(same, false)).length);
        String merging = "l".repeat(1_000_000); // every neighbour pair merges: heap full of stale entries
        assertEquals(500_000, assertTimeoutPreemptively(Duration.ofSeconds(20), () -> T.encode(merging, false)).length);
    }
}
