package saelab.train.sae;

/**
 * Sparse codes of latents computed densely (JumpReLU, Gated): the non-zero entries of each row
 * of f [rows, m] in latent order, every row padded to the batch's largest count k with
 * zero-valued slots naming latents that row did not fire (so a row's slots name distinct
 * latents, as a TopK selection's do). The layout of {@link SparseEncoder.Selection}.
 */
public final class DenseCodes {
    private DenseCodes() {}

    /** k is the largest number of non-zero entries in a row, at least 1 (m ≥ 1). */
    public static SparseEncoder.Selection of(float[] f, int rows, int m) {
        if (f.length < rows * m) throw new IllegalArgumentException("latents hold " + f.length + " values, expected rows·m = " + rows * m);
        int k = 1;
        for (int b = 0; b < rows; b++) {
            int n = 0;
            for (int j = 0; j < m; j++) if (f[b * m + j] != 0) n++;
            k = Math.max(k, n);
        }
        int[] idx = new int[rows * k];
        float[] val = new float[rows * k];
        for (int b = 0; b < rows; b++) {
            int s = b * k, end = s + k;
            for (int j = 0; j < m; j++) {
                if (f[b * m + j] != 0) { idx[s] = j; val[s++] = f[b * m + j]; }
            }
            for (int j = 0; j < m && s < end; j++) if (f[b * m + j] == 0) idx[s++] = j;
        }
        return new SparseEncoder.Selection(rows, k, idx, val);
    }
}
