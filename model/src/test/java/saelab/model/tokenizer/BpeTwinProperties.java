package saelab.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.lists;
import static saelab.model.Props.qt;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The heap-based merge loop against the plainest BPE there is (scan all pairs, merge the lowest
 * rank, leftmost; repeat), and decode as the inverse of encode, on random text over the tiny
 * vocabulary's characters plus byte-fallback ones.
 */
class BpeTwinProperties {
    static final GemmaTokenizer T = TinyTokenizer.load();
    static final String[] MERGES = {"▁ h", "▁h e", "l l", "ll o", "▁he llo", "▁ w", "o r", "▁w or", "l d", "▁wor ld",
            "b c", "a b", "▁ ▁", "h e", "l o"};

    /** 0 to 80 characters: the vocabulary's, space twice as often, and three that only byte fallback encodes. */
    static Gen<String> texts() {
        return lists().of(arbitrary().pick("a", "b", "c", "h", "e", "l", "o", "w", "r", "d", " ", " ", "é", "€", "😀"))
                .ofSizeBetween(0, 80).map(l -> String.join("", l));
    }

    @Test
    void heapMergeLoopEqualsNaiveBpe() {
        qt(7201, 300).forAll(texts()).checkAssert(text -> assertArrayEquals(naive(text.replace(" ", "▁")), T.encode(text, false), text));
    }

    @Test
    void decodeInvertsEncode() {
        qt(7202, 300).forAll(texts()).checkAssert(text -> assertEquals(text, T.decode(T.encode(text), true)));
    }

    /** O(n²) reference: always merge the lowest-ranked adjacent pair, leftmost among equals. */
    static int[] naive(String normalized) {
        List<String> symbols = new ArrayList<>();
        for (int i = 0; i < normalized.length(); ) {
            int cp = normalized.codePointAt(i);
            String c = normalized.substring(i, i + Character.charCount(cp));
            if (T.id(c) >= 0) symbols.add(c);
            else for (byte b : c.getBytes(java.nio.charset.StandardCharsets.UTF_8)) symbols.add(String.format("<0x%02X>", b));
            i += c.length();
        }
        while (true) {
            int bestRank = Integer.MAX_VALUE, bestAt = -1;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                String pair = symbols.get(i) + " " + symbols.get(i + 1);
                for (int r = 0; r < MERGES.length && r < bestRank; r++) {
                    if (MERGES[r].equals(pair)) {
                        bestRank = r;
                        bestAt = i;
                    }
                }
            }
            if (bestAt < 0) break;
            symbols.set(bestAt, symbols.get(bestAt) + symbols.remove(bestAt + 1));
        }
        return symbols.stream().mapToInt(T::id).toArray();
    }
}
