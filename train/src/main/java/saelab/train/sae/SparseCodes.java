package saelab.train.sae;

/**
 * An SAE's latent codes for a batch as k slots per row (latent index, value; a slot fires when
 * its value is > 0), the layout the sparsity, absorption and co-firing metrics read. TopK codes
 * are the encoder's own selection; dense codes (ReLU) keep their positive entries, padded with
 * zero-valued slots to the largest row count.
 *
 * @param rows rows of the batch
 * @param k    slots per row
 * @param m    latents of the SAE
 * @param idx  rows × k latent indices
 * @param val  rows × k values (0: an empty slot)
 */
public record SparseCodes(int rows, int k, int m, int[] idx, float[] val) {

    public SparseCodes {
        if (idx.length != (long) rows * k || val.length != (long) rows * k) {
            throw new IllegalArgumentException("sparse codes of " + rows + " rows × " + k + " slots need " + rows * k
                    + " indices and values, got " + idx.length + " and " + val.length);
        }
    }

    /** The positive entries of dense codes [rows, m], padded with zero-valued slots to the largest row count (at least 1). */
    public static SparseCodes ofDense(float[] dense, int rows, int m) {
        int kMax = 1;
        for (int r = 0; r < rows; r++) {
            int n = 0;
            for (int j = 0; j < m; j++) if (dense[r * m + j] > 0) n++;
            kMax = Math.max(kMax, n);
        }
        int[] idx = new int[rows * kMax];
        float[] val = new float[rows * kMax];
        for (int r = 0; r < rows; r++) {
            int s = r * kMax;
            for (int j = 0; j < m; j++) {
                float v = dense[r * m + j];
                if (v > 0) { idx[s] = j; val[s++] = v; }
            }
        }
        return new SparseCodes(rows, kMax, m, idx, val);
    }

    /** x̂ = Σ_slots value·W_dec[latent] + b_dec (the linear decoder every architecture shares). */
    public float[] decode(SaeParams p) {
        int d = p.dIn();
        float[] w = p.wDec().data(), b = p.bDec().data(), xHat = new float[rows * d];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(b, 0, xHat, r * d, d);
            for (int s = r * k; s < (r + 1) * k; s++) {
                float v = val[s];
                if (v == 0) continue;
                int off = idx[s] * d;
                for (int e = 0; e < d; e++) xHat[r * d + e] += v * w[off + e];
            }
        }
        return xHat;
    }

    /** Mean number of firing slots per row. */
    public double l0() {
        long n = 0;
        for (float v : val) if (v > 0) n++;
        return rows == 0 ? 0 : (double) n / rows;
    }
}
