package saelab.train.sae;

import saelab.tensor.kernels.TopK;

/**
 * BatchTopK selection (Bussmann et al. 2024): keep the k·B largest entries of ReLU(pre) over the
 * whole batch of B rows instead of k per row, so a row may keep more or fewer than k latents; and
 * the inference rule that replaces it, ReLU(pre) &gt; θ for a threshold θ estimated in training.
 *
 * <p>Both return the codes as a {@link SparseEncoder.Selection} padded to the batch's largest row
 * count: each row's positive entries first (by value descending for the batch selection, by latent
 * for the threshold), then zero-valued slots naming latent 0, the layout of the evaluator's
 * padded ReLU codes. A zero value is no code: {@link SparseEncoder#values} passes no gradient to
 * it and {@link SparseDecoder#decode} skips it, so the TopK kernels serve BatchTopK unchanged.
 */
public final class BatchTopK {
    private BatchTopK() {}

    /**
     * The k·rows largest of ReLU(pre) over the batch, ties to the lower (row, latent) position;
     * kept entries that are not positive are dropped (ReLU made them 0). Equal, entry for entry,
     * to the row-wise TopK kernel run on the batch as one row of B·m, but without its one-thread
     * heap of k·B: the kernel, in parallel over rows, gives each row's {@code min(m, 2k)} largest
     * as candidates ({@link #select(SparseEncoder.PreActivations, int, int)}).
     */
    public static SparseEncoder.Selection select(SparseEncoder.PreActivations pa, int k) {
        return select(pa, k, Math.min(pa.m(), 2 * k));
    }

    /**
     * As above from {@code c0} candidates per row. The batch's k·B-th largest value τ is found
     * among the candidates (bisection on the values' order-preserving integer keys, counting per
     * row by binary search in its sorted candidates); a row whose last candidate is positive and
     * ≥ τ may hold more, so it takes 4× the candidates and τ is found again. When no row is
     * saturated, every entry ≥ τ is a candidate, and the codes are those &gt; τ plus as many equal
     * to τ, in (row, latent) order, as make k·B.
     */
    static SparseEncoder.Selection select(SparseEncoder.PreActivations pa, int k, int c0) {
        int rows = pa.rows(), m = pa.m();
        if (k <= 0 || k > m) throw new IllegalArgumentException("BatchTopK needs 0 < k ≤ d_sae = " + m + ", got k = " + k);
        if (c0 < 1 || c0 > m) throw new IllegalArgumentException("BatchTopK: candidates per row must be in [1, " + m + "], got " + c0);
        float[] pre = pa.pre();
        int[][] idx = new int[rows][];
        float[][] val = new float[rows][];
        int[] flatIdx = new int[rows * c0];
        float[] flatVal = new float[rows * c0];
        TopK.rows(pre, 0, m, rows, m, c0, flatIdx, flatVal);
        for (int r = 0; r < rows; r++) {
            idx[r] = java.util.Arrays.copyOfRange(flatIdx, r * c0, (r + 1) * c0);
            val[r] = java.util.Arrays.copyOfRange(flatVal, r * c0, (r + 1) * c0);
        }
        long keep = (long) k * rows;
        while (true) {
            int tau = kthLargestKey(val, keep);
            boolean saturated = false;
            for (int r = 0; r < rows; r++) {
                int c = val[r].length;
                float last = val[r][c - 1];
                if (c < m && last > 0 && key(last) >= tau) {
                    int c2 = (int) Math.min(m, 4L * c);
                    idx[r] = new int[c2];
                    val[r] = new float[c2];
                    TopK.rows(pre, r * m, m, 1, m, c2, idx[r], val[r]);
                    saturated = true;
                }
            }
            if (!saturated) return keepAbove(idx, val, tau, keep, m);
        }
    }

    /** An int with the order of the floats (no NaN): larger value, larger key. */
    private static int key(float v) {
        int b = Float.floatToRawIntBits(v);
        return b >= 0 ? b : b ^ 0x7fffffff;
    }

    /** How many entries of the descending row have key ≥ t. */
    private static int countAtLeast(float[] row, int t) {
        int lo = 0, hi = row.length; // row[0, lo) ≥ t, row[hi, len) < t
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (key(row[mid]) >= t) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /** The largest key t with at least {@code keep} entries ≥ t over the rows (there are at least keep entries). */
    private static int kthLargestKey(float[][] val, long keep) {
        long lo = Integer.MIN_VALUE, hi = Integer.MAX_VALUE; // count(≥ lo) ≥ keep; answer in [lo, hi]
        while (lo < hi) {
            long mid = (lo + hi + 1) >> 1;
            long n = 0;
            for (float[] row : val) n += countAtLeast(row, (int) mid);
            if (n >= keep) lo = mid; else hi = mid - 1;
        }
        return (int) lo;
    }

    /** Entries with key &gt; τ, and those equal to τ in (row, latent) order up to keep in all; non-positive ones left out. */
    private static SparseEncoder.Selection keepAbove(int[][] idx, float[][] val, int tau, long keep, int m) {
        int rows = idx.length;
        long above = 0;
        for (float[] row : val) for (float v : row) if (key(v) > tau) above++;
        long ties = keep - above;
        int n = 0;
        for (float[] row : val) n += countAtLeast(row, tau);
        int[] flatIdx = new int[n];
        float[] flatVal = new float[n];
        int q = 0;
        for (int r = 0; r < rows; r++) {
            // A row's candidates run by value descending, equal values by latent ascending: its
            // entries equal to τ come in latent order, and rows in order.
            for (int s = 0; s < val[r].length; s++) {
                int kv = key(val[r][s]);
                if (kv < tau || kv == tau && ties-- <= 0) continue;
                flatIdx[q] = r * m + idx[r][s];
                flatVal[q++] = val[r][s];
            }
        }
        return padded(rows, m, flatIdx, flatVal, q);
    }

    /**
     * Inference codes: every latent with ReLU(pre) &gt; θ (dictionary_learning's encode with
     * use_threshold, SAELens's JumpReLU with one threshold for every latent). θ &lt; 0 (no
     * estimate yet) keeps every positive entry: plain ReLU.
     */
    public static SparseEncoder.Selection thresholded(SparseEncoder.PreActivations pa, double threshold) {
        int rows = pa.rows(), m = pa.m();
        float[] pre = pa.pre();
        int count = 0;
        for (float v : pre) if (v > 0 && v > threshold) count++;
        int[] flatIdx = new int[count];
        float[] flatVal = new float[count];
        int q = 0;
        for (int i = 0; i < pre.length; i++) {
            float v = pre[i];
            if (v > 0 && v > threshold) { flatIdx[q] = i; flatVal[q++] = v; }
        }
        return padded(rows, m, flatIdx, flatVal, count);
    }

    /** The smallest positive value among the codes, or 0 when none is positive (dictionary_learning's min over f &gt; 0). */
    public static double minPositive(SparseEncoder.Selection sel) {
        double min = Double.POSITIVE_INFINITY;
        for (float v : sel.values()) if (v > 0 && v < min) min = v;
        return min == Double.POSITIVE_INFINITY ? 0 : min;
    }

    /**
     * Positions {@code flatIdx[0..n)} (row·m + latent) with values into rows padded to the largest
     * row count (at least 1); non-positive values are left out.
     */
    static SparseEncoder.Selection padded(int rows, int m, int[] flatIdx, float[] flatVal, int n) {
        int[] count = new int[rows];
        for (int q = 0; q < n; q++) if (flatVal[q] > 0) count[flatIdx[q] / m]++;
        int width = 1;
        for (int c : count) width = Math.max(width, c);
        int[] idx = new int[rows * width];
        float[] val = new float[rows * width];
        int[] fill = new int[rows];
        for (int q = 0; q < n; q++) {
            if (!(flatVal[q] > 0)) continue;
            int r = flatIdx[q] / m, s = r * width + fill[r]++;
            idx[s] = flatIdx[q] - r * m;
            val[s] = flatVal[q];
        }
        return new SparseEncoder.Selection(rows, width, idx, val);
    }
}
