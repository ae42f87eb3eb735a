package saelab.model.gemma2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.Dtype;

/** KV-cache generation against the full forward pass, and the residual hooks, on one tiny bf16 model. */
class GenerationAndHooksTest {
    @TempDir static Path dir;
    static Gemma2Model model;
    static GemmaConfig config;

    @BeforeAll
    static void load() {
        // Window 5 < the 16 positions used: sliding layers must drop cached keys as generation moves on.
        config = TestCheckpoints.config(120, 32, 48, 3, 4, 2, 8, 8, 5, 20.0, 15.0, 10000, true);
        TestCheckpoints.write(dir, config, Dtype.BF16, 5, Long.MAX_VALUE);
        model = Gemma2Model.load(dir);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void cachedGenerationGivesTheFullForwardLogitsAtEveryStep() {
        int batch = 2, prompt = 6, total = 16, vocab = config.vocabSize();
        int[][] ids = TestCheckpoints.randomIds(batch, total, vocab, 21);
        float[] full = model.forward(ids, Hooks.none()).logits();

        KvCache cache = model.newCache(batch, total);
        int[] prefill = new int[batch * prompt];
        for (int b = 0; b < batch; b++) System.arraycopy(ids[b], 0, prefill, b * prompt, prompt);
        float[] logits = model.extend(cache, prefill);
        for (int t = prompt - 1; ; t++) {
            for (int b = 0; b < batch; b++) {
                float[] expected = Arrays.copyOfRange(full, (b * total + t) * vocab, (b * total + t + 1) * vocab);
                float[] got = Arrays.copyOfRange(logits, b * vocab, (b + 1) * vocab);
                // The one-row GEMMs of a step take the dot-product path, the full pass the packed one:
                // the same sums in another order, so float32 rounding differs (≈ 1e-7 relative), not more.
                double e = TestCheckpoints.relativeError(got, expected);
                assertTrue(e < 1e-5, "sequence " + b + " position " + t + ": relative error " + e);
            }
            if (t + 1 == total) break;
            int[] next = {ids[0][t + 1], ids[1][t + 1]};
            logits = model.extend(cache, next);
        }
        assertEquals(total, cache.length());
        assertThrows(IllegalArgumentException.class, () -> model.extend(cache, new int[] {1, 1}), "the cache is full");
    }

    @Test
    void workBuffersLeftFromALargerPassChangeNothing() {
        int[][] small = TestCheckpoints.randomIds(1, 5, config.vocabSize(), 31);
        int[][] large = TestCheckpoints.randomIds(3, 16, config.vocabSize(), 32);
        try (Gemma2Model fresh = Gemma2Model.load(dir)) {
            float[] expected = fresh.forward(small, Hooks.none()).logits();
            float[] expectedStep = fresh.extend(fresh.newCache(1, 1), new int[] {small[0][0]});
            // The shared model has run larger passes (this one at least): the small pass and a decode step
            // now use a prefix of bigger buffers holding another pass's values. Same kernels on the same
            // shapes, so the results must be identical to the bit, not merely close.
            model.forward(large, Hooks.none());
            assertArrayEquals(expected, model.forward(small, Hooks.none()).logits());
            model.forward(large, Hooks.none().stopAfter(1));
            assertArrayEquals(expectedStep, model.extend(model.newCache(1, 1), new int[] {small[0][0]}));
        }
    }

    @Test
    void identityReplacementIsTheCleanRunAndItsKlIsZero() {
        int[][] ids = TestCheckpoints.randomIds(2, 9, config.vocabSize(), 3);
        float[] clean = model.forward(ids, Hooks.none()).logits();
        float[] identity = model.forward(ids, Hooks.none().replace(1, r -> r)).logits();
        TestCheckpoints.assertSameComputation(identity, clean, "identity replacement");
        float[] copied = model.forward(ids, Hooks.none().replace(1, float[]::clone)).logits();
        TestCheckpoints.assertSameComputation(copied, clean, "copying replacement");
        // Exactly 0 for equal logits; for logits a few ulps apart KL is second order in the difference (≪ 1e-10).
        for (double kl : TokenLosses.klDivergence(clean, clean.clone(), config.vocabSize())) assertEquals(0.0, kl, 0.0);
        for (double kl : TokenLosses.klDivergence(clean, identity, config.vocabSize())) assertEquals(0.0, kl, 1e-10);
    }

    @Test
    void ablationChangesTheLogitsAndHasPositiveKl() {
        int[][] ids = TestCheckpoints.randomIds(1, 9, config.vocabSize(), 4);
        float[] clean = model.forward(ids, Hooks.none()).logits();
        float[] ablated = model.forward(ids, Hooks.none().ablate(1)).logits();
        double[] kl = TokenLosses.klDivergence(clean, ablated, config.vocabSize());
        // The last layer then sees a zero stream: its next-token distributions move far (KL ≫ rounding).
        for (int r = 0; r < kl.length; r++) assertTrue(kl[r] > 1e-3, "row " + r + ": KL " + kl[r]);
    }

    @Test
    void replacementFeedsTheLaterLayersAndCaptureSeesTheValueBeforeIt() {
        int[][] ids = TestCheckpoints.randomIds(1, 7, config.vocabSize(), 5);
        float[] halved = model.forward(ids, Hooks.none().capture(0).replace(0, r -> {
            float[] h = r.clone();
            for (int i = 0; i < h.length; i++) h[i] *= 0.5f;
            return h;
        }).capture(1)).residual(1);
        ForwardResult clean = model.forward(ids, Hooks.none().capture(0).capture(1));
        assertTrue(TestCheckpoints.relativeError(halved, clean.residual(1)) > 1e-3, "layer 1 must see the halved stream");
        ForwardResult withCapture = model.forward(ids, Hooks.none().capture(0).replace(0, r -> new float[r.length]));
        TestCheckpoints.assertSameComputation(withCapture.residual(0), clean.residual(0), "capture before a zero replacement");
    }

    @Test
    void stoppingAtALayerGivesItsResidualAndNoLogits() {
        int[][] ids = TestCheckpoints.randomIds(3, 8, config.vocabSize(), 6);
        ForwardResult full = model.forward(ids, Hooks.none().capture(1));
        ForwardResult stopped = model.forward(ids, Hooks.none().capture(1).stopAfter(1));
        TestCheckpoints.assertSameComputation(stopped.residual(1), full.residual(1), "stopped at layer 1");
        assertFalse(stopped.hasLogits());
        assertEquals(2, stopped.layersRun(), "layers 0 and 1 ran, layer 2 did not");
        assertEquals(3, full.layersRun());
        assertTrue(full.hasLogits());
        assertThrows(IllegalStateException.class, stopped::logits);
        assertThrows(IllegalArgumentException.class, () -> model.forward(ids, Hooks.none().capture(2).stopAfter(1)));
        assertThrows(IllegalArgumentException.class, () -> model.forward(ids, Hooks.none().stopAfter(3)));
    }

    @Test
    void crossEntropyIsTheNegativeLogProbabilityOfTheNextToken() {
        int vocab = config.vocabSize(), length = 5;
        int[][] ids = TestCheckpoints.randomIds(2, length, vocab, 8);
        float[] logits = model.forward(ids, Hooks.none()).logits();
        double[] ce = TokenLosses.crossEntropy(logits, TestCheckpoints.flat(ids), 2, length, vocab);
        assertEquals(2 * (length - 1), ce.length);
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t + 1 < length; t++) {
                int row = b * length + t;
                double sum = 0;
                for (int v = 0; v < vocab; v++) sum += Math.exp(logits[row * vocab + v]);
                double p = Math.exp(logits[row * vocab + ids[b][t + 1]]) / sum;
                assertEquals(-Math.log(p), ce[b * (length - 1) + t], 1e-9);
            }
        }
    }

    @Test
    void tokenIdsOutsideTheVocabularyAreRejectedNamingThePosition() {
        var e = assertThrows(IllegalArgumentException.class, () -> model.forward(new int[][] {{1, 2, config.vocabSize()}}, Hooks.none()));
        assertTrue(e.getMessage().contains("position 2"), e.getMessage());
    }

    @Test
    void replacementReturningTheWrongSizeIsRejected() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> model.forward(new int[][] {{1, 2}}, Hooks.none().replace(0, r -> new float[3])));
        assertTrue(e.getMessage().contains("layer 0"), e.getMessage());
    }
}
