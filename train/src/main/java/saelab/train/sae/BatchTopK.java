package saelab.train.sae;

import java.util.ArrayList;
import java.util.List;
import saelab.tensor.kernels.ReusableArrays;
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
        ReusableArrays pool = ReusableArrays.shared();
        // Row r's candidates are idx[r], val[r] from off[r], len[r] of them: a slice of the flat arrays
        // (no per-row copies), or, once the row saturates, arrays of its own. All are this call's
        // temporaries, from the pool and given back however it ends (the selection is written afresh).
        int[] flatIdx = pool.ints(rows * c0);
        float[] flatVal = pool.floats(rows * c0);
        int[][] idx = new int[rows][];
        float[][] val = new float[rows][];
        int[] off = new int[rows], len = new int[rows];
        List<int[]> ownIdx = new ArrayList<>();
        List<float[]> ownVal = new ArrayList<>();
        try {
            TopK.rows(pre, 0, m, rows, m, c0, flatIdx, flatVal);
            for (int r = 0; r < rows; r++) {
                idx[r] = flatIdx;
                val[r] = flatVal;
                off[r] = r * c0;
                len[r] = c0;
            }
            long keep = (long) k * rows;
            while (true) {
                int tau = kthLargestKey(val, off, len, keep);
                boolean saturated = false;
                for (int r = 0; r < rows; r++) {
                    int c = len[r];
                    float last = val[r][off[r] + c - 1];
                    if (c < m && last > 0 && key(last) >= tau) {
                        int c2 = (int) Math.min(m, 4L * c);
                        int[] i2 = pool.ints(c2);
                        float[] v2 = pool.floats(c2);
                        ownIdx.add(i2);
                        ownVal.add(v2);
                        TopK.rows(pre, r * m, m, 1, m, c2, i2, v2);
                        idx[r] = i2;
                        val[r] = v2;
                        off[r] = 0;
                        len[r] = c2;
                        saturated = true;
                    }
                }
                if (!saturated) return keepAbove(idx, val, off, len, tau, keep, m);
            }
        } finally {
            pool.give(flatIdx);
            pool.give(flatVal);
            for (int[] a : ownIdx) pool.give(a);
            for (float[] a : ownVal) pool.give(a);
        }
    }

    /** An int with the order of the floats (no NaN): larger value, larger key. */
    private static int key(float v) {
        int b = Float.floatToRawIntBits(v);
        return b >= 0 ? b : b ^ 0x7fffffff;
    }

    /** How many of the descending entries {@code a[from .. from + len)} have key ≥ t. */
    private static int countAtLeast(float[] a, int from, int len, int t) {
        int lo = 0, hi = len; // a[from, from + lo) ≥ t, a[from + hi, from + len) < t
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (key(a[from + mid]) >= t) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /** The largest key t with at least {@code keep} entries ≥ t over the rows' candidates (there are at least keep entries). */
    private static int kthLargestKey(float[][] val, int[] off, int[] len, long keep) {
        long lo = Integer.MIN_VALUE, hi = Integer.MAX_VALUE; // count(≥ lo) ≥ keep; answer in [lo, hi]
        while (lo < hi) {
            long mid = (lo + hi + 1) >> 1;
            long n = 0;
            for (int r = 0; r < val.length; r++) n += countAtLeast(val[r], off[r], len[r], (int) mid);
            if (n >= keep) lo = mid; else hi = mid - 1;
        }
        return (int) lo;
    }

    /** Entries with key &gt; τ, and those equal to τ in (row, latent) order up to keep in all; non-positive ones left out. */
    private static SparseEncoder.Selection keepAbove(int[][] idx, float[][] val, int[] off, int[] len, int tau, long keep, int m) {
        int rows = idx.length;
        long above = 0;
        int candidates = 0;
        for (int r = 0; r < rows; r++) {
            candidates += len[r];
            for (int s = off[r]; s < off[r] + len[r]; s++) if (key(val[r][s]) > tau) above++;
        }
        long ties = keep - above;
        // Sized by the candidates (a length that repeats from step to step, so the pool has it), not by the kept count.
        ReusableArrays pool = ReusableArrays.shared();
        int[] flatIdx = pool.ints(candidates);
        float[] flatVal = pool.floats(candidates);
        try {
            int q = 0;
            for (int r = 0; r < rows; r++) {
                // A row's candidates run by value descending, equal values by latent ascending: its
                // entries equal to τ come in latent order, and rows in order.
                for (int s = off[r]; s < off[r] + len[r]; s++) {
                    int kv = key(val[r][s]);
                    if (kv < tau || kv == tau && ties-- <= 0) continue;
                    flatIdx[q] = r * m + idx[r][s];
                    flatVal[q++] = val[r][s];
                }
            }
            return padded(rows, m, flatIdx, flatVal, q);
        } finally {
            pool.give(flatIdx);
            pool.give(flatVal);
        }
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
        ReusableArrays pool = ReusableArrays.shared();
        int[] count = pool.intsZeroed(rows), fill = pool.intsZeroed(rows);
        try {
            for (int q = 0; q < n; q++) if (flatVal[q] > 0) count[flatIdx[q] / m]++;
            int width = 1;
            for (int c : count) width = Math.max(width, c);
            // The codes live as long as the caller's scope (a training step's graph reads them in backward).
            int[] idx = ReusableArrays.scopedIntsZeroed(rows * width);
            float[] val = ReusableArrays.scopedFloatsZeroed(rows * width);
            for (int q = 0; q < n; q++) {
                if (!(flatVal[q] > 0)) continue;
                int r = flatIdx[q] / m, s = r * width + fill[r]++;
                idx[s] = flatIdx[q] - r * m;
                val[s] = flatVal[q];
            }
            return new SparseEncoder.Selection(rows, width, idx, val);
        } finally {
            pool.give(count);
            pool.give(fill);
        }
    }
}
