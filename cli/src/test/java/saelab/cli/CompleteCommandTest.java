package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.gemma2.Hooks;
import saelab.model.tokenizer.GemmaTokenizer;

class CompleteCommandTest {
    @TempDir static Path shared;
    static Path model;

    @BeforeAll
    static void fixtures() throws Exception {
        model = CliFixtures.tinyModel(shared.resolve("tiny"), 21);
    }

    /**
     * Greedy decoding computed here without the KV cache: the whole sequence through the model
     * for every new token, the argmax (first index of the largest) of the last position's logits.
     * Each step's margin between the best and second-best logit is checked to be far above the
     * few-ulp difference between a cached and an uncached pass (~1e-6 of the logits' scale), so
     * the command cannot pick another token for a reason of rounding.
     */
    static int[] greedy(String prompt, int maxTokens) {
        GemmaTokenizer tok = GemmaTokenizer.load(model);
        try (Gemma2Model m = Gemma2Model.load(model)) {
            int vocab = m.config().vocabSize();
            int[] ids = tok.encode(prompt);
            int[] out = new int[maxTokens];
            int n = 0;
            while (n < maxTokens) {
                float[] logits = m.forward(new int[][] {ids}, Hooks.none()).logits();
                int base = (ids.length - 1) * vocab, best = 0;
                for (int v = 1; v < vocab; v++) if (logits[base + v] > logits[base + best]) best = v;
                float second = Float.NEGATIVE_INFINITY, scale = 0;
                for (int v = 0; v < vocab; v++) {
                    if (v != best) second = Math.max(second, logits[base + v]);
                    scale = Math.max(scale, Math.abs(logits[base + v]));
                }
                assertTrue(logits[base + best] - second > 1e-4 * scale, "step " + n + ": no near tie in the reference");
                out[n++] = best;
                if (m.config().eosTokenIds().contains(best)) break;
                ids = Arrays.copyOf(ids, ids.length + 1);
                ids[ids.length - 1] = best;
            }
            return Arrays.copyOf(out, n);
        }
    }

    @Test
    void theContinuationIsTheModelsArgmaxDecoding() {
        String prompt = "the sparse autoencoder finds";
        int[] expected = greedy(prompt, 12);
        String continuation = GemmaTokenizer.load(model).decode(expected, true);
        CliFixtures.Run run = CliFixtures.saelab("complete", "--model", model.toString(), "--max-tokens", "12", prompt);
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals(prompt + continuation + System.lineSeparator(), run.out(), "stdout: the prompt and its greedy continuation");
        assertTrue(run.err().contains("generated " + expected.length + " tokens"), run.err());
        assertTrue(continuation.length() > 0, "something was generated");
    }

    @Test
    void oneTokenIsTheFirstStepOfTheLongerContinuation() {
        String prompt = "gemma reads";
        int[] expected = greedy(prompt, 1);
        CliFixtures.Run run = CliFixtures.saelab("complete", "--model", model.toString(), "--max-tokens", "1", prompt);
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals(prompt + GemmaTokenizer.load(model).decode(expected, true) + System.lineSeparator(), run.out());
    }

    @Test
    void badArgumentsSayWhatIsWrong(@TempDir Path dir) {
        String[][] bad = {
                {"complete", "--model", dir.resolve("nowhere").toString(), "hello"},
                {"complete", "--model", dir.toString(), "hello"},
                {"complete", "--model", model.toString(), "--max-tokens", "0", "hello"},
                {"complete", "--model", model.toString()},
        };
        String[] expect = {"nowhere", dir.resolve("tokenizer.json").toString(), "--max-tokens must be >= 1, got 0", "Missing required parameter"};
        for (int i = 0; i < bad.length; i++) {
            CliFixtures.Run run = CliFixtures.saelab(bad[i]);
            assertNotEquals(0, run.exitCode(), String.join(" ", bad[i]));
            assertTrue(run.err().contains(expect[i]), String.join(" ", bad[i]) + " → " + run);
            assertTrue(!run.err().contains("\tat saelab."), "a message, not a stack trace: " + run.err());
        }
    }
}
