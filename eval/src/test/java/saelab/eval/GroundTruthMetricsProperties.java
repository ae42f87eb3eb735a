package saelab.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The signed-cosine recovery scores and the earlier absorption count. The Hungarian laws are in {@link HungarianProperties}. */
class GroundTruthMetricsProperties {
    static final long RELABEL_SEED = 8802;

    static float[] randomDirs(long seed, int rows, int d) {
        Random r = new Random(seed);
        float[] w = new float[rows * d];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        return w;
    }

    static double cosine(float[] a, int i, float[] b, int j, int d) {
        double ab = 0, aa = 0, bb = 0;
        for (int e = 0; e < d; e++) { ab += a[i * d + e] * b[j * d + e]; aa += a[i * d + e] * a[i * d + e]; bb += b[j * d + e] * b[j * d + e]; }
        return ab / Math.sqrt(aa * bb);
    }

    @Test
    void aRelabelledRescaledCopyOfTheTruthIsFullyRecovered() {
        qt().withFixedSeed(RELABEL_SEED).withExamples(30)
                .forAll(integers().between(1, 40), integers().between(2, 16), longs().all())
                .checkAssert((n, d, seed) -> {
                    float[] t = randomDirs(seed, n, d);
                    int[] perm = new Random(seed + 1).ints(0, n).distinct().limit(n).toArray();
                    float[] learned = new float[n * d];
                    for (int i = 0; i < n; i++) for (int e = 0; e < d; e++) learned[perm[i] * d + e] = 3f * t[i * d + e];
                    var g = GroundTruthMetrics.of(t, n, learned, n, d, 0.99);
                    // Cosines come from one float32 product of unit rows: within a few ε32·d (d ≤ 16: ~2e-6) of 1.
                    assertEquals(1.0, g.meanMaxCosTrue(), 1e-5);
                    assertEquals(1.0, g.meanMaxCosLearned(), 1e-5);
                    assertEquals(1.0, g.hungarianMeanCos(), 1e-5);
                    assertEquals(1.0, g.recoveredFraction());
                    for (int i = 0; i < n; i++) {
                        double c = cosine(t, i, learned, g.bestLatent()[i], d);
                        assertEquals(1.0, c, 1e-5, "feature " + i + " is matched to a copy of itself (seed " + seed + ")");
                    }
                });
    }

    @Test
    void splittingAndPartialRecoveryByHand() {
        // Truth: e0, e1 in d = 3. Learned: two latents near e0 (a split), one orthogonal to both.
        float[] t = {1, 0, 0, 0, 1, 0};
        float[] l = {1, 0.05f, 0, 1, -0.05f, 0, 0, 0, 1};
        var g = GroundTruthMetrics.of(t, 2, l, 3, 3, 0.9);
        assertEquals(0.5, g.recoveredFraction(), "e0 recovered, e1 not");
        assertEquals(2.0, g.latentsPerFeature(), 1e-12, "both near-e0 latents claim e0");
        assertEquals(1.0, g.splitFraction(), 1e-12);
        assertTrue(g.bestLatent()[0] == 0 || g.bestLatent()[0] == 1, "e0's best latent is one of its two copies");
        // Hungarian must give e1 a different latent than e0's: at best one of the e0 copies (cos 0.05).
        double c0 = 1 / Math.sqrt(1 + 0.05 * 0.05);
        assertEquals((c0 + 0.05 * c0) / 2, g.hungarianMeanCos(), 1e-6);
    }

    @Test
    void absorptionOfExactlyOneChildByHand() {
        // Features: 0 = parent, 1 = child of 0, 2 = child of 0. Latents: 10 ↔ parent, 11 ↔ child 1, 12 ↔ child 2.
        int[] best = {10, 11, 12};
        java.util.function.IntUnaryOperator parent = f -> f == 0 ? -1 : 0;
        // Truth for 6 rows: (0,1), (0,1), (0,1), (0,1), (0,2), (0,2)
        int[] rowStart = {0, 2, 4, 6, 8, 10, 12};
        int[] feature = {0, 1, 0, 1, 0, 1, 0, 1, 0, 2, 0, 2};
        // Codes, k = 2: child 1's latent fires without the parent's in 1 of its 4 rows (absorbed);
        // child 2 never absorbs.
        int[] idx = {10, 11, 10, 11, 11, 5, 10, 11, 10, 12, 10, 12};
        float[] val = {1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1};
        var a = SyntheticAbsorption.of(6, rowStart, feature, 3, 2, idx, val, parent, best, 1);
        assertEquals(2, a.pairs());
        assertEquals(1, a.absorbed());
        assertEquals(6, a.together());
        assertEquals((0.25 + 0.0) / 2, a.meanRate(), 1e-15);
    }
}
