package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import saelab.tensor.kernels.CoFiring.Normalization;

/**
 * The sparse O(B·k²) co-firing penalty equals a plainly written dense float64 reference (m×m
 * count matrix, explicit c_ij), and its gradients equal central finite differences of that
 * reference with c held fixed (c is a weight, not a path for gradients).
 */
class CoFiringProperties {
    static final double EPS = 0x1p-24;

    /** Random sparse codes: k distinct latents per row, about 3 in 4 slots firing with values in [0.1, 2]. */
    record Codes(int rows, int k, int m, int[] idx, float[] val) {
        static Codes random(long seed, int rows, int k, int m) {
            Random r = new Random(seed);
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

    /** Dense reference of c_ij, including the t → 0 limit c = [n > 0]. */
    static double[][] competition(double[][] f, int m, double t, Normalization norm) {
        int rows = f.length;
        int[] count = new int[m];
        for (double[] row : f) for (int i = 0; i < m; i++) if (row[i] > 0) count[i]++;
        double[][] c = new double[m][m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                if (i == j) continue;
                int both = 0;
                for (double[] row : f) if (row[i] > 0 && row[j] > 0) both++;
                if (both == 0) continue;
                double n = norm == Normalization.BATCH ? (double) both / rows : (double) both / Math.min(count[i], count[j]);
                c[i][j] = t == 0 ? (n > 0 ? 1 : 0) : Math.min(1, Math.max(0, (n - t) / t));
            }
        }
        return c;
    }

    static double activationPenalty(double[][] f, double[][] c) {
        int rows = f.length, m = c.length;
        double p = 0;
        for (int i = 0; i < m; i++) for (int j = 0; j < m; j++) {
            if (i == j || c[i][j] == 0) continue;
            double g = 0;
            for (double[] row : f) g += row[i] * row[j];
            p += c[i][j] * Math.abs(g / rows);
        }
        return p;
    }

    static double decoderPenalty(double[][] w, double[][] c) {
        double p = 0;
        for (int i = 0; i < c.length; i++) for (int j = 0; j < c.length; j++) {
            if (i == j || c[i][j] == 0) continue;
            double dot = 0;
            for (int e = 0; e < w[i].length; e++) dot += w[i][e] * w[j][e];
            p += c[i][j] * Math.abs(dot);
        }
        return p;
    }

    @Property(tries = 200, seed = "7301")
    void activationPenaltyAndGradientMatchDenseReference(
            @ForAll @IntRange(min = 1, max = 12) int rows, @ForAll @IntRange(min = 2, max = 30) int m,
            @ForAll @IntRange(min = 1, max = 8) int kRaw, @ForAll @DoubleRange(min = 0, max = 0.8) double tRaw,
            @ForAll boolean exactZero, @ForAll boolean byMin, @ForAll long seed) {
        int k = Math.min(kRaw, m);
        double t = exactZero ? 0 : tRaw;
        Normalization norm = byMin ? Normalization.MIN_COUNT : Normalization.BATCH;
        Codes codes = Codes.random(seed, rows, k, m);
        double[][] f = codes.dense();
        double[][] c = competition(f, m, t, norm);
        float[] grad = new float[rows * k];
        var summary = CoFiring.activationOverlap(rows, k, m, codes.idx(), codes.val(), t, norm, grad, null);
        double expected = activationPenalty(f, c);
        // Both sides add the same double products of float inputs; only the order differs.
        assertEquals(expected, summary.penalty(), 1e-12 * (1 + expected), "penalty");
        assertTrue(Double.isFinite(summary.penalty()));
        assertTrue(summary.meanC() >= 0 && summary.meanC() <= 1, "mean c in [0, 1]");
        assertTrue(summary.penalizedPairs() <= summary.coFiringPairs());
        // Gradient vs central differences of the reference with c fixed. P is quadratic in f,
        // so the difference quotient is exact up to rounding of P (≈1e-16·P/h); the kernel's
        // gradient is rounded to float once (ε relative).
        double h = 1e-4;
        for (int p = 0; p < rows * k; p++) {
            int b = p / k, i = codes.idx()[p];
            double fd = 0;
            if (f[b][i] > 0) {
                double keep = f[b][i];
                f[b][i] = keep + h; double up = activationPenalty(f, c);
                f[b][i] = keep - h; double down = activationPenalty(f, c);
                f[b][i] = keep;
                fd = (up - down) / (2 * h);
            }
            assertEquals(fd, grad[p], 1e-7 * (1 + expected / h) + 4 * EPS * Math.abs(fd), "dP/df at slot " + p);
        }
    }

    @Property(tries = 150, seed = "7302")
    void decoderPenaltyAndGradientMatchDenseReference(
            @ForAll @IntRange(min = 1, max = 10) int rows, @ForAll @IntRange(min = 2, max = 20) int m,
            @ForAll @IntRange(min = 1, max = 6) int kRaw, @ForAll @IntRange(min = 1, max = 40) int d,
            @ForAll @DoubleRange(min = 0, max = 0.8) double tRaw, @ForAll boolean exactZero,
            @ForAll boolean byMin, @ForAll long seed) {
        int k = Math.min(kRaw, m);
        double t = exactZero ? 0 : tRaw;
        Normalization norm = byMin ? Normalization.MIN_COUNT : Normalization.BATCH;
        Codes codes = Codes.random(seed, rows, k, m);
        Random r = new Random(seed + 1);
        float[] w = new float[m * d];
        double[][] w64 = new double[m][d];
        for (int i = 0; i < m * d; i++) { w[i] = (float) r.nextGaussian(); w64[i / d][i % d] = w[i]; }
        double[][] c = competition(codes.dense(), m, t, norm);
        float[] grad = new float[m * d];
        var summary = CoFiring.decoderOverlap(rows, k, m, codes.idx(), codes.val(), t, norm, w, d, grad, null);
        double expected = decoderPenalty(w64, c);
        // The kernel's dot products run in float: each within γ_d·Σ_e|w_ie·w_je| ≤ 2dε·Σ_e|w_ie·w_je| of exact.
        double tol = 0;
        for (int i = 0; i < m; i++) for (int j = 0; j < m; j++) {
            if (i == j || c[i][j] == 0) continue;
            double abs = 0;
            for (int e = 0; e < d; e++) abs += Math.abs(w64[i][e] * w64[j][e]);
            tol += c[i][j] * 2 * d * EPS * abs;
        }
        assertEquals(expected, summary.penalty(), tol + 1e-12, "penalty");
        // dP/dW_i = 2 Σ_j c_ij sign(W_i·W_j) W_j: linear in W_i away from the kink at dot = 0,
        // so central differences are exact there; entries whose dots sit near 0 are skipped.
        double h = 1e-3;
        for (int i = 0; i < m; i++) {
            boolean nearKink = false;
            for (int j = 0; j < m; j++) {
                if (i == j || c[i][j] == 0) continue;
                double dot = 0;
                for (int e = 0; e < d; e++) dot += w64[i][e] * w64[j][e];
                if (Math.abs(dot) < 10 * h * d) nearKink = true;
            }
            if (nearKink) continue;
            for (int e = 0; e < d; e++) {
                double keep = w64[i][e];
                w64[i][e] = keep + h; double up = decoderPenalty(w64, c);
                w64[i][e] = keep - h; double down = decoderPenalty(w64, c);
                w64[i][e] = keep;
                double fd = (up - down) / (2 * h);
                assertEquals(fd, grad[i * d + e], 1e-6 * (1 + Math.abs(fd)) + 1e-9 * expected / h, "dP/dW[" + i + "][" + e + "]");
            }
        }
    }

    @Property(tries = 100, seed = "7303")
    void nothingIsPenalizedWhenNoPairCoFiresAboveTheThreshold(
            @ForAll @IntRange(min = 1, max = 12) int rows, @ForAll @IntRange(min = 2, max = 30) int m,
            @ForAll @IntRange(min = 1, max = 8) int kRaw, @ForAll boolean byMin, @ForAll long seed) {
        int k = Math.min(kRaw, m);
        Codes codes = Codes.random(seed, rows, k, m);
        float[] grad = new float[rows * k];
        // n_ij ≤ 1 under both normalisations, so t = 1 leaves every c_ij at 0.
        var s = CoFiring.activationOverlap(rows, k, m, codes.idx(), codes.val(), 1.0,
                byMin ? Normalization.MIN_COUNT : Normalization.BATCH, grad, null);
        assertEquals(0.0, s.penalty());
        assertEquals(0, s.penalizedPairs());
        for (float g : grad) assertEquals(0f, g);
    }

    @Property(tries = 100, seed = "7304")
    void relabellingLatentsLeavesThePenaltyUnchanged(
            @ForAll @IntRange(min = 1, max = 12) int rows, @ForAll @IntRange(min = 2, max = 30) int m,
            @ForAll @IntRange(min = 1, max = 8) int kRaw, @ForAll @DoubleRange(min = 0, max = 0.5) double t,
            @ForAll long seed) {
        int k = Math.min(kRaw, m);
        Codes codes = Codes.random(seed, rows, k, m);
        int[] perm = new Random(seed + 7).ints(0, m).distinct().limit(m).toArray();
        int[] relabelled = new int[codes.idx().length];
        for (int p = 0; p < relabelled.length; p++) relabelled[p] = perm[codes.idx()[p]];
        float[] g1 = new float[rows * k], g2 = new float[rows * k];
        long[] h1 = new long[10], h2 = new long[10];
        var a = CoFiring.activationOverlap(rows, k, m, codes.idx(), codes.val(), t, Normalization.BATCH, g1, h1);
        var b = CoFiring.activationOverlap(rows, k, m, relabelled, codes.val(), t, Normalization.BATCH, g2, h2);
        assertEquals(a.penalty(), b.penalty(), 1e-12 * (1 + a.penalty()));
        assertEquals(a.coFiringPairs(), b.coFiringPairs());
        assertEquals(java.util.Arrays.stream(h1).sum(), a.coFiringPairs(), "histogram counts every co-firing pair once");
        org.junit.jupiter.api.Assertions.assertArrayEquals(h1, h2);
        for (int p = 0; p < g1.length; p++) assertEquals(g1[p], g2[p], 1e-6 * (1 + Math.abs(g1[p])), "slot " + p);
    }

    @Property(tries = 150, seed = "7305")
    void skippingPairsThatCannotBePenalizedChangesNothingButTheStatistics(
            @ForAll @IntRange(min = 1, max = 40) int rows, @ForAll @IntRange(min = 2, max = 30) int m,
            @ForAll @IntRange(min = 1, max = 8) int kRaw, @ForAll @DoubleRange(min = 0, max = 0.6) double tRaw,
            @ForAll boolean exactZero, @ForAll boolean byMin, @ForAll boolean decoder, @ForAll long seed) {
        int k = Math.min(kRaw, m), d = 5;
        double t = exactZero ? 0 : tRaw;
        Normalization norm = byMin ? Normalization.MIN_COUNT : Normalization.BATCH;
        Codes codes = Codes.random(seed, rows, k, m);
        float[] w = new float[m * d];
        Random r = new Random(seed + 3);
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        float[] gAll = new float[decoder ? m * d : rows * k], gSome = new float[gAll.length];
        var all = decoder
                ? CoFiring.decoderOverlap(rows, k, m, codes.idx(), codes.val(), t, norm, w, d, gAll, null, true)
                : CoFiring.activationOverlap(rows, k, m, codes.idx(), codes.val(), t, norm, gAll, null, true);
        var some = decoder
                ? CoFiring.decoderOverlap(rows, k, m, codes.idx(), codes.val(), t, norm, w, d, gSome, null, false)
                : CoFiring.activationOverlap(rows, k, m, codes.idx(), codes.val(), t, norm, gSome, null, false);
        // Exact: a skipped pair has c = 0 and would only have added exact zeros.
        assertEquals(all.penalty(), some.penalty(), 0.0, "penalty");
        org.junit.jupiter.api.Assertions.assertArrayEquals(gAll, gSome, "gradient");
        assertEquals(all.penalizedPairs(), some.penalizedPairs(), "every penalized pair is still examined");
        assertTrue(all.allPairs());
        assertEquals(byMin || t == 0, some.allPairs(), "pairs are skipped only under batch normalisation with t > 0");
        assertTrue(some.coFiringPairs() <= all.coFiringPairs());
    }
}
