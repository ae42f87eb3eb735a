package saelab.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Hugging Face's five Split behaviours, on a literal pattern. */
class PreTokenizerTest {
    private static List<String> split(String behavior, String s) {
        return new PreTokenizer.Split("-", behavior).split(s);
    }

    @Test
    void splitBehaviours() {
        assertEquals(List.of("a", "b", "c"), split("Removed", "a-b--c"));
        assertEquals(List.of("a", "-", "b", "-", "-", "c"), split("Isolated", "a-b--c"));
        assertEquals(List.of("a-", "b-", "-", "c"), split("MergedWithPrevious", "a-b--c"));
        assertEquals(List.of("a", "-b", "-", "-c"), split("MergedWithNext", "a-b--c"));
        assertEquals(List.of("a", "-", "b", "--", "c"), split("Contiguous", "a-b--c"));
        assertEquals(List.of("-", "a", "-"), split("Isolated", "-a-"));
        assertEquals(List.of("abc"), split("MergedWithPrevious", "abc"));
        assertEquals(List.of(), split("Removed", ""));
    }

    @Test
    void noPreTokenizerKeepsTheWholeText() {
        assertEquals(List.of("a b"), new PreTokenizer.None().split("a b"));
    }
}
