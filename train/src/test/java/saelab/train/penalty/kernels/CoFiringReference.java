package saelab.train.penalty.kernels;

import java.util.Random;
import saelab.train.penalty.kernels.CoFiring.Normalization;

/**
 * The co-firing penalty written plainly in float64 over dense matrices (m×m counts, explicit
 * c_ij): the oracle of {@link CoFiringProperties}, sharing no code with {@link CoFiring}. Also
 * the random codes the properties feed both, and the rounding constants their bounds use.
 */
final class CoFiringReference {
    private CoFiringReference() {}

    /** Unit roundoff of float32 and of float64. */
    static final double U32 = 0x1p-24, U64 = 0x1p-53;

    /** γ_n = nu/(1 − nu): a sum or product chain of n roundings errs by at most γ_n of its absolute terms (Higham §3.1). */
    static double gamma32(long n) { return n * U32 / (1 - n * U32); }
    static double gamma64(long n) { return n * U64 / (1 - n * U64); }

    /**
     * Sparse codes: k distinct latents per row, about 3 in 4 slots firing with values in [0.1, 2].
     * Uniform codes draw latents uniformly; skewed ones draw latent ⌊m·u²⌋, so low latents fire
     * in many rows (large n_ij) and high ones rarely (the ones a pruned pass may skip). With
     * {@code coFire} and k ≥ 2, row 0's first two slots fire, so at least one pair co-fires.
     */
    record Codes(int rows, int k, int m, int[] idx, float[] val) {
        static Codes random(long seed, int rows, int k, int m, boolean skewed, boolean coFire) {
            Random r = new Random(seed);
            int[] idx = new int[rows * k];
            float[] val = new float[rows * k];
            for (int b = 0; b < rows; b++) {
                int[] perm = skewed ? r.doubles().mapToInt(u -> (int) (m * u * u)).distinct().limit(k).toArray()
                        : r.ints(0, m).distinct().limit(k).toArray();
                for (int s = 0; s < k; s++) {
                    idx[b * k + s] = perm[s];
                    val[b * k + s] = r.nextInt(4) == 0 ? 0f : (float) (0.1 + 1.9 * r.nextDouble());
                    if (coFire && b == 0 && s < 2 && val[s] == 0f) val[s] = (float) (0.1 + 1.9 * r.nextDouble());
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

    /** Rows in which each latent fires. */
    static int[] counts(double[][] f, int m) {
        int[] count = new int[m];
        for (double[] row : f) for (int i = 0; i < m; i++) if (row[i] > 0) count[i]++;
        return count;
    }

    /** n_ij (0 on the diagonal and for pairs that never co-fire). */
    /** n_ij by the definition of each normalisation (CoFiring's class comment). */
    static double normalised(Normalization norm, int both, int rows, int countI, int countJ) {
        return switch (norm) {
            case BATCH -> (double) both / rows;
            case MIN_COUNT -> (double) both / Math.min(countI, countJ);
            case JACCARD -> (double) both / (countI + countJ - both);
        };
    }

    static double[][] coFiring(double[][] f, int m, Normalization norm) {
        int rows = f.length;
        int[] count = counts(f, m);
        double[][] n = new double[m][m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                if (i == j) continue;
                int both = 0;
                for (double[] row : f) if (row[i] > 0 && row[j] > 0) both++;
                if (both > 0) n[i][j] = normalised(norm, both, rows, count[i], count[j]);
            }
        }
        return n;
    }

    /** The largest n_ij: thresholds below it penalize at least that pair. */
    static double largestN(double[][] f, int m, Normalization norm) {
        double max = 0;
        for (double[] row : coFiring(f, m, norm)) for (double v : row) max = Math.max(max, v);
        return max;
    }

    /** Dense reference of c_ij, including the t → 0 limit c = [n > 0]. */
    static double[][] competition(double[][] f, int m, double t, Normalization norm) {
        int rows = f.length;
        int[] count = counts(f, m);
        double[][] c = new double[m][m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                if (i == j) continue;
                int both = 0;
                for (double[] row : f) if (row[i] > 0 && row[j] > 0) both++;
                if (both == 0) continue;
                double n = normalised(norm, both, rows, count[i], count[j]);
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

    /**
     * The terms of {@link #activationPenalty} that contain latent i (pairs (i, j) and (j, i)): the
     * rest of P does not depend on f_·i, so its differences w.r.t. f_bi are those of this sum,
     * which costs O(m·B) instead of O(m²·B).
     */
    static double activationPenaltyOf(double[][] f, double[][] c, int i) {
        int rows = f.length, m = c.length;
        double p = 0;
        for (int j = 0; j < m; j++) {
            if (j == i) continue;
            if (c[i][j] != 0) {
                double g = 0;
                for (double[] row : f) g += row[i] * row[j];
                p += c[i][j] * Math.abs(g / rows);
            }
            if (c[j][i] != 0) {
                double g = 0;
                for (double[] row : f) g += row[j] * row[i];
                p += c[j][i] * Math.abs(g / rows);
            }
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

    /** The terms of {@link #decoderPenalty} that contain latent i, as {@link #activationPenaltyOf}. */
    static double decoderPenaltyOf(double[][] w, double[][] c, int i) {
        double p = 0;
        for (int j = 0; j < c.length; j++) {
            if (j == i) continue;
            if (c[i][j] != 0) {
                double dot = 0;
                for (int e = 0; e < w[i].length; e++) dot += w[i][e] * w[j][e];
                p += c[i][j] * Math.abs(dot);
            }
            if (c[j][i] != 0) {
                double dot = 0;
                for (int e = 0; e < w[j].length; e++) dot += w[j][e] * w[i][e];
                p += c[j][i] * Math.abs(dot);
            }
        }
        return p;
    }

    /** Unordered pairs {i, j} with a positive entry in the (symmetric) matrix x. */
    static long positivePairs(double[][] x) {
        long n = 0;
        for (int i = 0; i < x.length; i++) for (int j = i + 1; j < x.length; j++) if (x[i][j] > 0) n++;
        return n;
    }

    /** Σ_e |a_e·b_e|. */
    static double absDot(double[] a, double[] b) {
        double s = 0;
        for (int e = 0; e < a.length; e++) s += Math.abs(a[e] * b[e]);
        return s;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int e = 0; e < a.length; e++) s += a[e] * b[e];
        return s;
    }
}
