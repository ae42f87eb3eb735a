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
     * The k·rows largest of ReLU(pre) over the batch, through the row-wise TopK kernel run on the
     * batch as one row (so ties go to the lower (row, latent) position, as the kernel's ties go to
     * the lower column). Kept entries that are not positive are dropped: ReLU made them 0.
     */
    public static SparseEncoder.Selection select(SparseEncoder.PreActivations pa, int k) {
        int rows = pa.rows(), m = pa.m();
        if (k <= 0 || k > m) throw new IllegalArgumentException("BatchTopK needs 0 < k ≤ d_sae = " + m + ", got k = " + k);
        int n = rows * m, keep = k * rows;
        int[] flatIdx = new int[keep];
        float[] flatVal = new float[keep];
        TopK.rows(pa.pre(), 0, n, 1, n, keep, flatIdx, flatVal);
        return padded(rows, m, flatIdx, flatVal, keep);
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
