package saelab.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ReconstructionMetricsTest {
    // Two tokens in d = 2: x = [[1, 3], [3, 5]], batch mean μ = [2, 4], Σ‖x − μ‖² = 4.
    static final float[] X = {1, 3, 3, 5};

    @Test
    void perfectReconstructionScoresOne() {
        var m = ReconstructionMetrics.of(X, X.clone(), 2, 2, null);
        assertEquals(0.0, m.mse());
        assertEquals(1.0, m.explainedVariance());
        assertEquals(1.0, m.explainedVarianceLegacy());
        assertEquals(1.0, m.cosineSimilarity(), 1e-15);
        assertEquals(1.0, m.l2Ratio(), 1e-15);
        assertEquals(1.0, m.relativeBias(), 1e-15);
    }

    @Test
    void zeroReconstructionByHand() {
        var m = ReconstructionMetrics.of(X, new float[4], 2, 2, null);
        // Σ‖x‖² = 1 + 9 + 9 + 25 = 44 over 4 entries; EV = 1 − 44/4 = −10.
        assertEquals(11.0, m.mse(), 1e-15);
        assertEquals(-10.0, m.explainedVariance(), 1e-12);
        // per token: 1 − 10/2 = −4 and 1 − 34/2 = −16 → mean −10 (equal here; they differ below)
        assertEquals(-10.0, m.explainedVarianceLegacy(), 1e-12);
        assertEquals(0.0, m.l2Ratio());
    }

    @Test
    void theTwoExplainedVarianceDefinitionsDifferAsDefined() {
        // x̂ = [[1, 3], [2, 4]]: token 0 exact, token 1 off by (1, 1) → SS_res = [0, 2], SS_tot = [2, 2].
        var m = ReconstructionMetrics.of(X, new float[] {1, 3, 2, 4}, 2, 2, null);
        assertEquals(1 - 2.0 / 4.0, m.explainedVariance(), 1e-15);          // pooled: 0.5
        assertEquals(((1 - 0.0) + (1 - 2.0 / 2.0)) / 2, m.explainedVarianceLegacy(), 1e-15); // per token: 0.5
        // A half-size reconstruction: ‖x̂‖/‖x‖ = 0.5 and Σ‖x̂‖²/Σx̂·x = 0.25/0.5 = 0.5.
        float[] half = {0.5f, 1.5f, 1.5f, 2.5f};
        var h = ReconstructionMetrics.of(X, half, 2, 2, null);
        assertEquals(0.5, h.l2Ratio(), 1e-15);
        assertEquals(0.5, h.relativeBias(), 1e-15);
        assertEquals(1.0, h.cosineSimilarity(), 1e-15);
    }

    @Test
    void skippedRowsAreLeftOut() {
        float[] x = {100, -100, 1, 3, 3, 5};
        float[] xh = {0, 0, 1, 3, 3, 5};
        var m = ReconstructionMetrics.of(x, xh, 3, 2, new boolean[] {true, false, false});
        assertEquals(2, m.tokens());
        assertEquals(1.0, m.explainedVariance());
        assertThrows(IllegalArgumentException.class, () -> ReconstructionMetrics.of(x, xh, 3, 2, new boolean[] {true, true, true}));
    }

    @Test
    void sparsityByHand() {
        // 2 rows, k = 2, m = 4: row 0 fires latents 0 (2.0) and 1 (0 → not firing); row 1 fires 0 (1.0) and 3 (3.0).
        var s = SparsityMetrics.of(2, 2, 4, new int[] {0, 1, 0, 3}, new float[] {2, 0, 1, 3}, 0.6);
        assertEquals(1.5, s.l0());
        assertEquals(3.0, s.l1());
        assertEquals(2, s.dead(), "latents 1 and 2 never fire");
        assertEquals(1, s.dense(), "latent 0 fires on 100% > 60%");
        long[] h = s.log10DensityHistogram(4, 2);
        assertEquals(2, h[4], "dead latents in the last bin");
        assertEquals(2, java.util.Arrays.stream(h, 0, 4).sum());
    }
}
