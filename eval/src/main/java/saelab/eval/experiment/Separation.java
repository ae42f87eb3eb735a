package saelab.eval.experiment;

import saelab.train.penalty.kernels.CoFiring;
import saelab.train.sae.SparseCodes;
import saelab.tensor.kernels.Gemm;

/**
 * How well co-firing latents are separated: over the unordered latent pairs that fire together
 * in at least one row of a batch, the mean |cos| between their decoder directions, against the
 * same over all pairs of latents that fired at least once (the baseline a random pair gives),
 * and the histogram of n_ij = count_ij / B over co-firing pairs in log10 bins.
 *
 * @param coFiringPairs       unordered pairs {i, j} with count_ij ≥ 1
 * @param coFirePairAbsCos    mean |cos(W_i, W_j)| over those pairs
 * @param coFirePairAbsCosWeighted the same weighted by count_ij (pairs that co-fire often count more)
 * @param allPairAbsCos       mean |cos| over all pairs of latents alive on the batch
 * @param alive               latents that fired at least once
 * @param histogram           co-firing pairs by log10 n_ij, {@link #BINS} equal bins over [{@link #LOG10_MIN}, 0]
 * @param pairsAboveThreshold pairs whose n_ij, normalised as the variant's penalty normalises it, exceeds the
 *                            penalty's threshold at this point of training (the pairs its c_ij reaches; 0 without a penalty)
 */
public record Separation(long coFiringPairs, double coFirePairAbsCos, double coFirePairAbsCosWeighted, double allPairAbsCos,
                         int alive, long[] histogram, long pairsAboveThreshold) {

    public static final int BINS = 8;
    public static final double LOG10_MIN = -4;

    /**
     * @param threshold the penalty's threshold(p); at 0 every co-firing pair counts (c_ij = [n_ij > 0], the
     *                  kernel's limit); NaN counts none
     * @param norm      how the penalty normalises n_ij
     */
    public static Separation of(SparseCodes c, float[] wDec, int d, double threshold, CoFiring.Normalization norm) {
        int m = c.m(), rows = c.rows(), k = c.k();
        float[] unit = new float[m * d];
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int e = 0; e < d; e++) s += (double) wDec[i * d + e] * wDec[i * d + e];
            double inv = s == 0 ? 0 : 1 / Math.sqrt(s);
            for (int e = 0; e < d; e++) unit[i * d + e] = (float) (wDec[i * d + e] * inv);
        }
        float[] cos = new float[m * m];
        Gemm.sgemm(Gemm.Form.NT, m, m, d, unit, 0, d, unit, 0, d, cos, 0, m, false);
        int[] count = new int[m * m];
        boolean[] alive = new boolean[m];
        int[] fired = new int[k], single = new int[m];
        for (int r = 0; r < rows; r++) {
            int n = 0;
            for (int s = r * k; s < (r + 1) * k; s++) if (c.val()[s] > 0) fired[n++] = c.idx()[s];
            java.util.Arrays.sort(fired, 0, n);
            for (int a = 0; a < n; a++) {
                int i = fired[a];
                alive[i] = true;
                single[i]++;
                int base = i * m;
                for (int b = a + 1; b < n; b++) count[base + fired[b]]++;
            }
        }
        long pairs = 0, weight = 0, above = 0;
        double sum = 0, wsum = 0;
        long[] hist = new long[BINS];
        for (int i = 0; i < m; i++) {
            for (int j = i + 1; j < m; j++) {
                int n = count[i * m + j];
                if (n == 0) continue;
                double a = Math.abs(cos[i * m + j]);
                pairs++;
                if (threshold >= 0 && CoFiring.normalized(norm, n, rows, single[i], single[j]) > threshold) above++;
                sum += a;
                weight += n;
                wsum += n * a;
                double pos = (Math.log10((double) n / rows) - LOG10_MIN) / -LOG10_MIN * BINS;
                hist[Math.max(0, Math.min(BINS - 1, (int) Math.floor(pos)))]++;
            }
        }
        int nAlive = 0;
        double all = 0;
        long allPairs = 0;
        for (int i = 0; i < m; i++) {
            if (!alive[i]) continue;
            nAlive++;
            for (int j = i + 1; j < m; j++) if (alive[j]) { all += Math.abs(cos[i * m + j]); allPairs++; }
        }
        return new Separation(pairs, pairs == 0 ? Double.NaN : sum / pairs, weight == 0 ? Double.NaN : wsum / weight,
                allPairs == 0 ? Double.NaN : all / allPairs, nAlive, hist, above);
    }

    /** Bin labels: each bin's lower edge of n_ij, e.g. "1e-4", "3e-4". */
    public static java.util.List<String> binLabels() {
        java.util.List<String> l = new java.util.ArrayList<>();
        for (int b = 0; b < BINS; b++) {
            double lo = LOG10_MIN + b * (-LOG10_MIN / BINS);
            double v = Math.pow(10, lo);
            int exp = (int) Math.floor(lo + 1e-9);
            long mant = Math.round(v / Math.pow(10, exp));
            l.add("≥" + mant + "e" + exp);
        }
        return l;
    }
}
