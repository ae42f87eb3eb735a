package saelab.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class GroundTruthMetricsProperties {

    /** Brute force over every injective assignment: the oracle for small problems. */
    static double bruteForceMin(double[][] cost, int row, boolean[] used) {
        if (row == cost.length) return 0;
        double best = Double.POSITIVE_INFINITY;
        for (int j = 0; j < cost[0].length; j++) {
            if (used[j]) continue;
            used[j] = true;
            best = Math.min(best, cost[row][j] + bruteForceMin(cost, row + 1, used));
            used[j] = false;
        }
        return best;
    }

    @Property(tries = 200, seed = "8801")
    void hungarianFindsTheBruteForceOptimum(@ForAll @IntRange(min = 1, max = 6) int r, @ForAll @IntRange(max = 2) int extra,
                                            @ForAll long seed) {
        Random rnd = new Random(seed);
        int c = r + extra;
        double[][] cost = new double[r][c];
        for (double[] row : cost) for (int j = 0; j < c; j++) row[j] = rnd.nextInt(5) == 0 ? 1.0 : rnd.nextDouble();
        int[] match = Hungarian.minCost(cost);
        double total = 0;
        boolean[] used = new boolean[c];
        for (int i = 0; i < r; i++) {
            assertTrue(!used[match[i]], "one-to-one");
            used[match[i]] = true;
            total += cost[i][match[i]];
        }
        assertEquals(bruteForceMin(cost, 0, new boolean[c]), total, 1e-12);
    }

    static float[] randomDirs(long seed, int rows, int d) {
        Random r = new Random(seed);
        float[] w = new float[rows * d];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        return w;
    }

    @Property(tries = 30, seed = "8802")
    void aRelabelledRescaledCopyOfTheTruthIsFullyRecovered(@ForAll @IntRange(min = 1, max = 40) int n, @ForAll @IntRange(min = 2, max = 16) int d,
                                                           @ForAll long seed) {
        float[] t = randomDirs(seed, n, d);
        int[] perm = new Random(seed + 1).ints(0, n).distinct().limit(n).toArray();
        float[] learned = new float[n * d];
        for (int i = 0; i < n; i++) for (int e = 0; e < d; e++) learned[perm[i] * d + e] = 3f * t[i * d + e];
        var g = GroundTruthMetrics.of(t, n, learned, n, d, 0.99);
        // cosines are computed in float32 from unit rows: within a few ε·d of 1.
        assertEquals(1.0, g.meanMaxCosTrue(), 1e-5);
        assertEquals(1.0, g.meanMaxCosLearned(), 1e-5);
        assertEquals(1.0, g.hungarianMeanCos(), 1e-5);
        assertEquals(1.0, g.recoveredFraction());
        for (int i = 0; i < n; i++) {
            double c = cosine(t, i, learned, g.bestLatent()[i], d);
            assertEquals(1.0, c, 1e-5, "feature " + i + " is matched to a copy of itself");
        }
    }

    static double cosine(float[] a, int i, float[] b, int j, int d) {
        double ab = 0, aa = 0, bb = 0;
        for (int e = 0; e < d; e++) { ab += a[i * d + e] * b[j * d + e]; aa += a[i * d + e] * a[i * d + e]; bb += b[j * d + e] * b[j * d + e]; }
        return ab / Math.sqrt(aa * bb);
    }

    @Example
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

    @Example
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
