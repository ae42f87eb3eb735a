package saelab.train.sae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The BatchTopK SAE on a fixed 2-row batch worked by hand (d 2, m 3): x_c = x − b_dec gives
 * pre = [2, 0.9, 1.5] and [0, 0.2, 0.15]. With k = 1 the batch keeps its 2 largest values, both
 * in row 0; TopK would have kept one per row. Tolerances: every quantity is a handful of float32
 * products of O(1) values, so 1e-6 is ~10 ulps of the largest.
 */
class BatchTopKSaeTest {

    static final float[] X = {2.5f, 1.0f, 0.5f, 0.3f};

    /** W_enc [2, 3], b_enc, W_dec [3, 2] (unit rows), b_dec. */
    static SaeParams handParams() {
        return SaeParams.of(2, 3, new float[] {1, 0, 0.5f, 0, 1, 0.5f}, new float[] {0, -0.1f, 0},
                new float[] {1, 0, 0, 1, 0.6f, 0.8f}, new float[] {0.5f, 0});
    }

    @Test
    void theBatchKeepsItsKTimesBLargestValuesWhicheverRowsHoldThem() {
        BatchTopKSae sae = new BatchTopKSae(new BatchTopKSae.Config(2, 3, 1), handParams());
        BatchTopKSae.Forward fw = sae.forward(X, 2);
        SparseEncoder.Selection sel = fw.selection();
        assertEquals(2, sel.k(), "padded width: row 0 keeps 2 codes");
        assertArrayEquals(new int[] {0, 2, 0, 0}, sel.indices());
        assertArrayEquals(new float[] {2f, 1.5f, 0f, 0f}, sel.values(), 1e-6f);
        // x̂_0 = b_dec + 2·[1, 0] + 1.5·[0.6, 0.8] = [3.4, 1.2]; row 1 keeps nothing: x̂_1 = b_dec.
        assertArrayEquals(new float[] {3.4f, 1.2f, 0.5f, 0f}, fw.reconstruction().toArray(), 1e-6f);
    }

    @Test
    void theLossIsTheMeanSquaredErrorPlusTheWeightedAuxiliaryTerm() {
        BatchTopKSae sae = new BatchTopKSae(new BatchTopKSae.Config(2, 3, 1), handParams());
        // e_0 = [2.5 − 3.4, 1 − 1.2] = [−0.9, −0.2] → 0.85; e_1 = [0, 0.3] → 0.09; mse = 0.47.
        TrainingLoss plain = sae.loss(X, 2, null, 0.5, 1);
        assertEquals(0.47, plain.term("recon"), 1e-6);
        assertFalse(plain.terms().containsKey("auxk"), "no dead latent: no auxiliary term");
        assertEquals(0.47, plain.total().item(), 1e-6);

        // Latent 1 dead, k_aux 1: its ReLU values 0.9 and 0.2 decode to ê = [0, 0.9], [0, 0.2];
        // ‖e − ê‖² = 2.02 and 0.01, mean 1.015; ē = [−0.45, 0.05], mean ‖e − ē‖² = 0.265.
        TrainingLoss withDead = sae.loss(X, 2, new boolean[] {false, true, false}, 0.5, 4);
        double auxk = 1.015 / 0.265;
        assertEquals(auxk, withDead.term("auxk"), 1e-5);
        assertTrue(withDead.term("recon") > 0 && withDead.term("auxk") > 0, "both terms exercised: " + withDead.terms());
        assertEquals(0.47 + 0.5 * auxk, withDead.total().item(), 1e-5);
    }

    @Test
    void inferenceEncodesReluValuesAboveTheEstimatedThreshold() {
        BatchTopKSae sae = new BatchTopKSae(new BatchTopKSae.Config(2, 3, 1), handParams());
        // No estimate yet: plain ReLU, every positive value (row 0 all three, row 1 latents 1 and 2).
        SparseEncoder.Selection relu = sae.encode(X, 2);
        assertEquals(3, relu.k());
        assertArrayEquals(new int[] {0, 1, 2, 1, 2, 0}, relu.indices());
        assertArrayEquals(new float[] {2f, 0.9f, 1.5f, 0.2f, 0.15f, 0f}, relu.values(), 1e-6f);

        sae.threshold().restore(0.18);
        SparseEncoder.Selection cut = sae.encode(X, 2);
        assertArrayEquals(new int[] {0, 1, 2, 1, 0, 0}, cut.indices());
        assertArrayEquals(new float[] {2f, 0.9f, 1.5f, 0.2f, 0f, 0f}, cut.values(), 1e-6f);
        // x̂_1 = b_dec + 0.2·[0, 1] = [0.5, 0.2]; x̂_0 = [0.5 + 2 + 0.9, 0.9 + 1.2] = [3.4, 2.1].
        assertArrayEquals(new float[] {3.4f, 2.1f, 0.5f, 0.2f}, sae.reconstruct(X, 2), 1e-6f);
    }

    @Test
    void theThresholdTakesTheFirstMinimumThenMovesByBeta() {
        BatchTopKThreshold t = new BatchTopKThreshold(0.9, 2);
        SparseEncoder.Selection a = new SparseEncoder.Selection(2, 2, new int[] {0, 2, 0, 0}, new float[] {2f, 1.5f, 0f, 0f});
        SparseEncoder.Selection b = new SparseEncoder.Selection(1, 2, new int[] {1, 0}, new float[] {0.5f, 0f});
        t.observe(a, 1);
        t.observe(a, 2);
        assertEquals(BatchTopKThreshold.NONE, t.value(), "steps ≤ the start step are ignored");
        t.observe(a, 3);
        assertEquals(1.5, t.value(), 0.0, "the first observation is taken as it is");
        float[] store = {7f, 7f, 7f};
        BatchTopKThreshold backed = new BatchTopKThreshold(0.5, -1, store);
        assertEquals(7.0, backed.value(), 0.0, "a stored θ is kept");
        backed.observe(a, 0);
        assertArrayEquals(new float[] {4.25f, 4.25f, 4.25f}, store, 0f, "every entry of the storage holds θ = ½·7 + ½·1.5");
        t.observe(b, 4);
        // θ is stored in float32 (the buffer dtype), the update computed in double.
        double fourth = (float) (0.9 * 1.5 + 0.1 * 0.5);
        assertEquals(fourth, t.value(), 0.0);
        t.observe(new SparseEncoder.Selection(1, 1, new int[] {0}, new float[] {0f}), 5);
        assertEquals((float) (0.9 * fourth), t.value(), 0.0, "a batch with no positive code observes 0");
    }

    @Test
    void theDecoderStaysUnitNormAndItsGradientTangential() {
        BatchTopKSae sae = BatchTopKSae.init(new BatchTopKSae.Config(5, 7, 2), 11);
        float[] w = sae.params().wDec().data();
        for (int j = 0; j < 7; j++) assertEquals(1.0, rowNorm(w, j, 5), 1e-6, "initial row " + j);
        float[] wEnc = sae.params().wEnc().data();
        for (int j = 0; j < 7; j++) for (int e = 0; e < 5; e++) assertEquals(w[j * 5 + e], wEnc[e * 7 + j], 0f, "W_enc = W_decᵀ");

        float[] x = BatchTopKCases.gauss(new java.util.SplittableRandom(3), 6 * 5, 1);
        sae.loss(x, 6, null, 0, 1).total().backward();
        float[] g = sae.params().wDec().gradData();
        double before = 0;
        for (int j = 0; j < 7; j++) before = Math.max(before, Math.abs(dot(w, g, j, 5)));
        assertTrue(before > 1e-3, "the raw gradient must have a radial part to remove, got " + before);
        sae.projectGradient();
        for (int j = 0; j < 7; j++) assertEquals(0.0, dot(w, g, j, 5), 1e-6, "row " + j + " gradient ⟂ row");

        for (int i = 0; i < w.length; i++) w[i] *= 1 + 0.1f * (i % 3);
        sae.projectParameters();
        for (int j = 0; j < 7; j++) assertEquals(1.0, rowNorm(w, j, 5), 1e-6, "row " + j + " after the projection");
    }

    @Test
    void badConfigurationsAreRefusedInOneLine() {
        String k = assertThrows(IllegalArgumentException.class, () -> new BatchTopKSae.Config(4, 8, 9)).getMessage();
        assertEquals("BatchTopK SAE needs 0 < k ≤ d_sae = 8, got k = 9", k);
        String beta = assertThrows(IllegalArgumentException.class, () -> new BatchTopKSae.Config(4, 8, 2, 1.0, 0)).getMessage();
        assertEquals("BatchTopK SAE: threshold beta must be in [0, 1), got 1.0", beta);
        String shape = assertThrows(IllegalArgumentException.class, () -> new BatchTopKSae(new BatchTopKSae.Config(3, 3, 1), handParams())).getMessage();
        assertEquals("parameters are 2×3, config says 3×3", shape);
    }

    static double rowNorm(float[] w, int j, int d) {
        double s = 0;
        for (int e = 0; e < d; e++) s += (double) w[j * d + e] * w[j * d + e];
        return Math.sqrt(s);
    }

    static double dot(float[] a, float[] b, int j, int d) {
        double s = 0;
        for (int e = 0; e < d; e++) s += (double) a[j * d + e] * b[j * d + e];
        return s;
    }
}
