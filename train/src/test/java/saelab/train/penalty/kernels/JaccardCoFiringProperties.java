package saelab.train.penalty.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import saelab.tensor.kernels.Parallel;
import saelab.train.penalty.kernels.CoFiring.Normalization;

/**
 * The co-firing penalty with n_ij normalised as a Jaccard index, count_ij / (count_i + count_j −
 * count_ij), against a dense float64 reference written here: an m×m count matrix and explicit
 * c_ij. Activation and decoder targets, on problems small enough to run on the calling thread
 * and large enough to be split over threads; gradients against central finite differences of
 * the reference with c held fixed (c is a weight, not a path for gradients); the pass that may
 * skip pairs (allPairs false) against the full one.
 */
class JaccardCoFiringProperties {
    /** Unit roundoff of float. */
    static final double U = 0x1p-24;

    /** Sparse codes: k distinct latents per row, about 3 in 4 slots firing, values in [0.1, 2]. */
    record Codes(int rows, int k, int m, int[] idx, float[] val) {
        static Codes random(long seed, int rows, int k, int m) {
            SplittableRandom r = new SplittableRandom(seed);
            int[] idx = new int[rows * k];
            float[] val = new float[rows * k];
            for (int b = 0; b < rows; b++) {
                int[] perm = r.ints(0, m).distinct().limit(k).toArray();
                for (int s = 0; s < k; s++) {
                    idx[b * k + s] = perm[s];
                    val[b * k + s] = r.nextInt(4) == 0 ? 0f : (float) (0.1 + 1.9 * r.nextDouble());
                }
            }
            return new Codes(rows, k, m, idx, val);
        }

        double[][] dense() {
            double[][] f = new double[rows][m];
            for (int p = 0; p < rows * k; p++) f[p / k][idx[p]] = val[p];
            return f;
        }
    }

    /** c_ij under the Jaccard normalisation, with the t → 0 limit c = [n > 0] (the shared dense reference). */
    static double[][] jaccardCompetition(double[][] f, int m, double t) {
        return CoFiringReference.competition(f, m, t, Normalization.JACCARD);
    }

    /** Σ_{i≠j} c_ij · Σ_b f_bi f_bj / B (the shared dense reference). */
    static double activationPenalty(double[][] f, double[][] c) {
        return CoFiringReference.activationPenalty(f, c);
    }

    /** dP/df_bi = (2/B) Σ_j c_ij f_bj, the analytic gradient for the large problems (finite differences are checked on the small ones). */
    static double activationGradient(double[][] f, double[][] c, int b, int i) {
        double g = 0;
        for (int j = 0; j < c.length; j++) if (j != i) g += c[i][j] * f[b][j];
        return 2 * g / f.length;
    }

    /** Σ_{i≠j} c_ij · |w_i·w_j|, and in {@code bound} the dot products' float rounding bound Σ c_ij·γ_d·‖w_i‖‖w_j‖. */
    static double decoderPenalty(double[][] w, double[][] c, double[] bound) {
        double p = 0, err = 0;
        int d = w[0].length;
        for (int i = 0; i < c.length; i++) for (int j = 0; j < c.length; j++) {
            if (i == j || c[i][j] == 0) continue;
            double dot = 0, ni = 0, nj = 0;
            for (int e = 0; e < d; e++) { dot += w[i][e] * w[j][e]; ni += w[i][e] * w[i][e]; nj += w[j][e] * w[j][e]; }
            p += c[i][j] * Math.abs(dot);
            err += c[i][j] * d * U * Math.sqrt(ni * nj);
        }
        if (bound != null) bound[0] = err;
        return p;
    }

    @Test
    void aChildThatFiresOnlyWithItsParentIsReachedByJaccardButNotByTheBatch() {
        // 100 rows: the parent (latent 0) fires in rows 0–9, its child (1) in rows 0–3, an
        // unrelated latent (2) in rows 50–59. n_01 = 4/100 under BATCH, 4/min(10,4) = 1 under
        // MIN_COUNT, 4/(10 + 4 − 4) = 0.4 under JACCARD; t = 0.25 gives c = 0, 1, 0.6.
        int rows = 100, k = 2, m = 3;
        int[] idx = new int[rows * k];
        float[] val = new float[rows * k];
        for (int b = 0; b < rows; b++) {
            idx[b * k] = b < 10 ? 0 : 2;
            val[b * k] = b < 10 || (b >= 50 && b < 60) ? 1f : 0f;
            idx[b * k + 1] = 1;
            val[b * k + 1] = b < 4 ? 2f : 0f;
        }
        // g_01 = Σ_b f_b0 f_b1 / B = 4·2/100; P sums ordered pairs, so 2·c·g.
        double g = 8.0 / rows;
        assertEquals(0, CoFiring.activationOverlap(rows, k, m, idx, val, 0.25, Normalization.BATCH, null, null).penalty());
        assertEquals(2 * 1.0 * g, CoFiring.activationOverlap(rows, k, m, idx, val, 0.25, Normalization.MIN_COUNT, null, null).penalty(), 1e-15);
        long[] hist = new long[10];
        CoFiring.Summary j = CoFiring.activationOverlap(rows, k, m, idx, val, 0.25, Normalization.JACCARD, null, hist);
        assertEquals(2 * 0.6 * g, j.penalty(), 1e-15);
        assertEquals(1, j.coFiringPairs());
        assertEquals(1, j.penalizedPairs());
        assertEquals(0.6, j.meanC(), 1e-15);
        assertEquals(1, hist[4], "n = 0.4 falls in the bin [0.4, 0.5)");
    }

    @Test
    void activationPenaltyAndGradientMatchTheDenseReference() {
        // Seed printed so a failure can be rerun: 1201.
        qt().withFixedSeed(1201).withExamples(150)
                .forAll(integers().between(1, 14), integers().between(2, 24), doubles().between(0, 0.8), longs().all())
                .checkAssert((rows, m, tRaw, seed) -> {
                    int k = 1 + (int) Math.floorMod(seed, (long) Math.min(8, m));
                    double t = Math.floorMod(seed >>> 8, 5L) == 0 ? 0 : tRaw; // every fifth case at the limit t = 0
                    Codes codes = Codes.random(seed, rows, k, m);
                    double[][] f = codes.dense();
                    double[][] c = jaccardCompetition(f, m, t);
                    float[] grad = new float[rows * k];
                    CoFiring.Summary s = CoFiring.activationOverlap(rows, k, m, codes.idx(), codes.val(), t, Normalization.JACCARD, grad, null);
                    double expected = activationPenalty(f, c);
                    // Both sides add the same double products of float values; only the order differs.
                    assertEquals(expected, s.penalty(), 1e-12 * (1 + expected), "penalty");
                    // P is quadratic in f with c fixed, so the central difference is exact up to the
                    // rounding of P (≈1e-16·P/h); the kernel's gradient is rounded to float once (u relative).
                    double h = 1e-4;
                    for (int p = 0; p < rows * k; p++) {
                        int b = p / k, i = codes.idx()[p];
                        double fd = 0;
                        if (f[b][i] > 0) {
                            double keep = f[b][i];
                            f[b][i] = keep + h;
                            double up = activationPenalty(f, c);
                            f[b][i] = keep - h;
                            double down = activationPenalty(f, c);
                            f[b][i] = keep;
                            fd = (up - down) / (2 * h);
                        }
                        assertEquals(fd, grad[p], 1e-11 * (1 + expected) / h + 2 * U * Math.abs(fd), "dP/df at slot " + p);
                    }
                });
    }

    @Test
    void decoderPenaltyAndGradientMatchTheDenseReference() {
        // Seed printed so a failure can be rerun: 1202.
        qt().withFixedSeed(1202).withExamples(100)
                .forAll(integers().between(1, 14), integers().between(2, 20), doubles().between(0, 0.8), longs().all())
                .checkAssert((rows, m, tRaw, seed) -> {
                    int k = 1 + (int) Math.floorMod(seed, (long) Math.min(6, m)), d = 1 + (int) Math.floorMod(seed >>> 16, 12L);
                    double t = Math.floorMod(seed >>> 8, 5L) == 0 ? 0 : tRaw;
                    Codes codes = Codes.random(seed, rows, k, m);
                    double[][] c = jaccardCompetition(codes.dense(), m, t);
                    SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
                    float[] w = new float[m * d];
                    double[][] wd = new double[m][d];
                    for (int q = 0; q < w.length; q++) { w[q] = (float) r.nextGaussian(); wd[q / d][q % d] = w[q]; }
                    float[] grad = new float[m * d];
                    CoFiring.Summary s = CoFiring.decoderOverlap(rows, k, m, codes.idx(), codes.val(), t, Normalization.JACCARD, w, d, grad, null);
                    double[] bound = new double[1];
                    double expected = decoderPenalty(wd, c, bound);
                    // The kernel's dot products are float sums: each within γ_d·‖w_i‖‖w_j‖ of the exact dot.
                    assertEquals(expected, s.penalty(), 2 * bound[0] + 1e-12 * expected, "penalty");
                    // dP/dW_i = 2 Σ_j c_ij sign(dot) W_j, accumulated in float: at most m terms of size
                    // 2‖W_j‖, each rounded (u). P is piecewise linear in W_i with c fixed, so the central
                    // difference is exact unless a dot changes sign within h, which these Gaussian rows
                    // (|dot| ≫ h·‖W‖ except with probability ≈ h) do not do.
                    double h = 1e-6;
                    for (int i = 0; i < m; i++) {
                        double scale = 0;
                        for (int j = 0; j < m; j++) {
                            double nj = 0;
                            for (int e = 0; e < d; e++) nj += wd[j][e] * wd[j][e];
                            scale += 2 * (c[i][j] + c[j][i]) * Math.sqrt(nj);
                        }
                        for (int e = 0; e < d; e++) {
                            double keep = wd[i][e];
                            wd[i][e] = keep + h;
                            double up = decoderPenalty(wd, c, null);
                            wd[i][e] = keep - h;
                            double down = decoderPenalty(wd, c, null);
                            wd[i][e] = keep;
                            double fd = (up - down) / (2 * h);
                            assertEquals(fd, grad[i * d + e], 4 * m * U * scale + 1e-8 * (1 + expected), "dP/dW[" + i + "][" + e + "]");
                        }
                    }
                });
    }

    @Test
    void passesSplitOverThreadsMatchTheReferenceAndTheOneThreadPass() {
        // rows·k² above 2¹⁶ sends the pass to the thread pool; m > 64 gives it more than one latent chunk.
        // Latents fire in ≈ 40 rows and a co-firing pair shares 1–4 of them, so n ≈ 0.01–0.05: t up
        // to 0.025 leaves pairs above the threshold.
        qt().withFixedSeed(1203).withExamples(6)
                .forAll(integers().between(1100, 1400), integers().between(130, 200), doubles().between(0.005, 0.025), longs().all())
                .checkAssert((rows, m, t, seed) -> {
                    int k = 8, d = 16;
                    Codes codes = Codes.random(seed, rows, k, m);
                    double[][] f = codes.dense();
                    double[][] c = jaccardCompetition(f, m, t);
                    float[] grad = new float[rows * k];
                    CoFiring.Summary s = CoFiring.activationOverlap(rows, k, m, codes.idx(), codes.val(), t, Normalization.JACCARD, grad, null);
                    double expected = activationPenalty(f, c);
                    assertTrue(expected > 0, "the case penalises something");
                    assertEquals(expected, s.penalty(), 1e-12 * expected, "activation penalty");
                    for (int p = 0; p < rows * k; p++) {
                        int b = p / k, i = codes.idx()[p];
                        double want = f[b][i] > 0 ? activationGradient(f, c, b, i) : 0;
                        assertEquals(want, grad[p], 1e-12 + 2 * U * Math.abs(want), "dP/df at slot " + p);
                    }
                    SplittableRandom r = new SplittableRandom(seed);
                    float[] w = new float[m * d];
                    double[][] wd = new double[m][d];
                    for (int q = 0; q < w.length; q++) { w[q] = (float) r.nextGaussian(); wd[q / d][q % d] = w[q]; }
                    float[] gradW = new float[m * d];
                    CoFiring.Summary sd = CoFiring.decoderOverlap(rows, k, m, codes.idx(), codes.val(), t, Normalization.JACCARD, w, d, gradW, null);
                    double[] bound = new double[1];
                    double expectedD = decoderPenalty(wd, c, bound);
                    assertEquals(expectedD, sd.penalty(), 2 * bound[0] + 1e-12 * expectedD, "decoder penalty");

                    // The same passes on the calling thread alone give the same bits: each thread owns its latents.
                    int threads = Parallel.parallelism();
                    float[] grad1 = new float[rows * k], gradW1 = new float[m * d];
                    double p1, pd1;
                    Parallel.setParallelism(1);
                    try {
                        p1 = CoFiring.activationOverlap(rows, k, m, codes.idx(), codes.val(), t, Normalization.JACCARD, grad1, null).penalty();
                        pd1 = CoFiring.decoderOverlap(rows, k, m, codes.idx(), codes.val(), t, Normalization.JACCARD, w, d, gradW1, null).penalty();
                    } finally {
                        Parallel.setParallelism(threads);
                    }
                    assertEquals(s.penalty(), p1, 0.0, "activation penalty, 1 vs " + threads + " threads");
                    assertEquals(sd.penalty(), pd1, 0.0, "decoder penalty, 1 vs " + threads + " threads");
                    assertArrayEquals(grad, grad1, "dP/dval, 1 vs " + threads + " threads");
                    assertArrayEquals(gradW, gradW1, "dP/dW, 1 vs " + threads + " threads");
                });
    }

    @Test
    void thePassThatMaySkipPairsEqualsTheFullPassUnderJaccard() {
        // No latent can be skipped under Jaccard (two latents firing once, together, have n = 1):
        // the pass with allPairs false must examine every pair and give the same bits.
        qt().withFixedSeed(1204).withExamples(150)
                .forAll(integers().between(1, 60), integers().between(2, 40), doubles().between(0, 0.9), longs().all())
                .checkAssert((rows, m, t, seed) -> {
                    int k = 1 + (int) Math.floorMod(seed, (long) Math.min(8, m)), d = 5;
                    Codes codes = Codes.random(seed, rows, k, m);
                    float[] gFull = new float[rows * k], gSkip = new float[rows * k];
                    long[] hFull = new long[8], hSkip = new long[8];
                    CoFiring.Summary full = CoFiring.activationOverlap(rows, k, m, codes.idx(), codes.val(), t, Normalization.JACCARD, gFull, hFull, true);
                    CoFiring.Summary skip = CoFiring.activationOverlap(rows, k, m, codes.idx(), codes.val(), t, Normalization.JACCARD, gSkip, hSkip, false);
                    assertEquals(full, skip, "summary (penalty, pairs, mean c, coverage)");
                    assertTrue(skip.allPairs(), "a Jaccard pass never skips, so its statistics cover every pair");
                    assertArrayEquals(gFull, gSkip);
                    assertArrayEquals(hFull, hSkip);
                    float[] w = new float[m * d];
                    SplittableRandom r = new SplittableRandom(seed);
                    for (int q = 0; q < w.length; q++) w[q] = (float) r.nextGaussian();
                    float[] wFull = new float[m * d], wSkip = new float[m * d];
                    assertEquals(CoFiring.decoderOverlap(rows, k, m, codes.idx(), codes.val(), t, Normalization.JACCARD, w, d, wFull, null, true),
                            CoFiring.decoderOverlap(rows, k, m, codes.idx(), codes.val(), t, Normalization.JACCARD, w, d, wSkip, null, false));
                    assertArrayEquals(wFull, wSkip);
                });
    }

    @Test
    void batchPassesStillSkipAndJaccardPassesReachPairsBatchCannot() {
        // The skipping stays where its bound holds (BATCH, t > 0): there, some latents fire in at most
        // t·B rows and the statistics cover fewer pairs; under Jaccard the same codes penalise pairs
        // whose batch fraction is below t.
        Codes codes = Codes.random(77, 200, 6, 60);
        double t = 0.05;
        CoFiring.Summary batchSkip = CoFiring.activationOverlap(200, 6, 60, codes.idx(), codes.val(), t, Normalization.BATCH, null, null, false);
        CoFiring.Summary batchFull = CoFiring.activationOverlap(200, 6, 60, codes.idx(), codes.val(), t, Normalization.BATCH, null, null, true);
        CoFiring.Summary jaccard = CoFiring.activationOverlap(200, 6, 60, codes.idx(), codes.val(), t, Normalization.JACCARD, null, null, false);
        assertTrue(!batchSkip.allPairs() && batchSkip.coFiringPairs() < batchFull.coFiringPairs(), batchSkip + " vs " + batchFull);
        assertEquals(batchFull.penalty(), batchSkip.penalty(), 0.0);
        assertTrue(jaccard.penalizedPairs() > batchFull.penalizedPairs(), jaccard + " vs " + batchFull);
    }
}
