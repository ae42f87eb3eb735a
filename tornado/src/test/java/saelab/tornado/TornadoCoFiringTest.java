package saelab.tornado;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import saelab.train.penalty.kernels.CoFiring;

/**
 * The device co-firing pass against the CPU kernel, for both overlap targets, both
 * normalisations, thresholds 0 (the t → 0 limit), small and large, with and without pair
 * skipping, on codes with duplicate-free rows, some non-firing (0) slots and a concentrated
 * latent distribution so that many pairs co-fire.
 *
 * <p>Tolerances. Counts, pair statistics and the histogram are integers: equal. The activation
 * overlap is computed in the CPU kernel's arithmetic (double accumulators, the same order within a
 * latent); only the order of summing the per-latent penalties differs, so the penalty agrees to
 * 1e-12 relative, and dP/dval, formed per slot exactly as on the CPU, to one float rounding.
 * The decoder overlap's dot products are float sums in the CPU's vector order and double sums on
 * the device: each differs from the exact dot by at most d·u·Σ|w_i||w_j| (u = 2⁻²⁴), so the
 * penalty by at most that relative, 1e-5 for d ≤ 64 here; dP/dW likewise (a sign can only flip
 * on a dot within that bound of 0, which these random weights never produce).
 */
class TornadoCoFiringTest {
    @Test
    void activationOverlapMatchesTheCpu() {
        TornadoBackend t = TornadoUnderTest.backend();
        SplittableRandom rnd = new SplittableRandom(31);
        for (CoFiring.Normalization norm : CoFiring.Normalization.values()) {
            for (double threshold : new double[] {0, 0.02, 0.3}) {
                for (boolean allPairs : new boolean[] {true, false}) {
                    int rows = 129, k = 7, m = 61;
                    Codes c = Codes.random(rows, k, m, rnd);
                    float[] g0 = randomGrad(rows * k, rnd), gDev = g0.clone(), gCpu = g0.clone();
                    long[] hDev = new long[10], hCpu = new long[10];
                    CoFiring.Summary dev = t.activationOverlap(rows, k, m, c.idx, c.val, threshold, norm, gDev, hDev, allPairs);
                    CoFiring.Summary cpu = CoFiring.activationOverlapOnCpu(rows, k, m, c.idx, c.val, threshold, norm, gCpu, hCpu, allPairs);
                    String what = norm + " t=" + threshold + " allPairs=" + allPairs;
                    assertSummary(cpu, dev, 1e-12, what);
                    assertArrayEquals(hCpu, hDev, "histogram " + what);
                    for (int p = 0; p < gCpu.length; p++) {
                        assertEquals(gCpu[p], gDev[p], Math.ulp(gCpu[p]), "dP/dval slot " + p + " " + what);
                    }
                }
            }
        }
    }

    @Test
    void decoderOverlapMatchesTheCpu() {
        TornadoBackend t = TornadoUnderTest.backend();
        SplittableRandom rnd = new SplittableRandom(32);
        for (CoFiring.Normalization norm : CoFiring.Normalization.values()) {
            for (double threshold : new double[] {0, 0.05}) {
                int rows = 97, k = 6, m = 53, d = 33;
                Codes c = Codes.random(rows, k, m, rnd);
                float[] w = new float[m * d];
                for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
                float[] g0 = randomGrad(m * d, rnd), gDev = g0.clone(), gCpu = g0.clone();
                String what = "decoder " + norm + " t=" + threshold;
                CoFiring.Summary dev = t.decoderOverlap(rows, k, m, c.idx, c.val, threshold, norm, w, d, gDev, null, true);
                CoFiring.Summary cpu = CoFiring.decoderOverlapOnCpu(rows, k, m, c.idx, c.val, threshold, norm, w, d, gCpu, null, true);
                assertSummary(cpu, dev, 1e-5, what);
                for (int p = 0; p < gCpu.length; p++) {
                    assertEquals(gCpu[p], gDev[p], 1e-5 * (1 + Math.abs(gCpu[p])) * 2 * m, "dP/dW " + p + " " + what);
                }
                // Without a gradient the same penalty (the plan without dP/dW output).
                CoFiring.Summary noGrad = t.decoderOverlap(rows, k, m, c.idx, c.val, threshold, norm, w, d, null, null, true);
                assertEquals(cpu.penalty(), noGrad.penalty(), 1e-5 * Math.abs(cpu.penalty()), "no-gradient penalty " + what);
            }
        }
    }

    private static void assertSummary(CoFiring.Summary want, CoFiring.Summary got, double rel, String what) {
        assertEquals(want.penalty(), got.penalty(), rel * Math.abs(want.penalty()), "penalty " + what);
        assertEquals(want.coFiringPairs(), got.coFiringPairs(), "co-firing pairs " + what);
        assertEquals(want.penalizedPairs(), got.penalizedPairs(), "penalized pairs " + what);
        assertEquals(want.meanC(), got.meanC(), 1e-12, "mean c " + what);
        assertEquals(want.allPairs(), got.allPairs(), "allPairs " + what);
    }

    private static float[] randomGrad(int n, SplittableRandom rnd) {
        float[] g = new float[n];
        for (int i = 0; i < n; i++) g[i] = (float) rnd.nextGaussian();
        return g;
    }

    /** TopK-like codes: k distinct latents per row, drawn with a skew (low indices common), ~1 in 8 slots 0. */
    record Codes(int[] idx, float[] val) {
        static Codes random(int rows, int k, int m, SplittableRandom rnd) {
            int[] idx = new int[rows * k];
            float[] val = new float[rows * k];
            for (int r = 0; r < rows; r++) {
                java.util.Set<Integer> used = new java.util.HashSet<>();
                for (int s = 0; s < k; s++) {
                    int j;
                    do j = (int) (m * Math.pow(rnd.nextDouble(), 2.5)); while (!used.add(j));
                    idx[r * k + s] = j;
                    val[r * k + s] = rnd.nextInt(8) == 0 ? 0f : (float) rnd.nextDouble(0.01, 3);
                }
            }
            return new Codes(idx, val);
        }
    }
}
