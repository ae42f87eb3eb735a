package saelab.train.sae;

import saelab.tensor.CustomOp;
import saelab.tensor.Tensor;
import saelab.tensor.kernels.Parallel;
import saelab.tensor.kernels.VectorOps;

/**
 * The sparse decoder: x̂_b = Σ_s values[b, s]·W_dec[idx[b, s]] (+ b_dec), a gather-sum over the
 * k kept rows of W_dec, never a dense rows × m product of mostly zeros. Backward is sparse too:
 * dvalues[b, s] = dx̂_b·W_dec[idx[b, s]], and W_dec row j receives Σ values·dx̂_b over the
 * rows that kept j (one task per block of latents, so each gradient row has one writer).
 */
public final class SparseDecoder {
    private SparseDecoder() {}

    private static final int ROWS_PER_TASK = 16;
    private static final int LATENTS_PER_TASK = 64;

    /** bDec may be null (the auxiliary loss decodes without the bias). */
    public static Tensor decode(Tensor values, int[] idx, Tensor wDec, Tensor bDec) {
        int rows = values.dim(0), k = values.dim(1), m = wDec.dim(0), d = wDec.dim(1);
        if (idx.length != rows * k) throw new IllegalArgumentException("decode: " + idx.length + " indices for " + rows + "×" + k + " values");
        float[] v = values.data(), w = wDec.data();
        int vo = values.offset();
        float[] out = new float[rows * d];
        Parallel.forRange((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, t -> {
            for (int b = t * ROWS_PER_TASK, end = Math.min(rows, b + ROWS_PER_TASK); b < end; b++) {
                if (bDec != null) System.arraycopy(bDec.data(), bDec.offset(), out, b * d, d);
                for (int s = 0; s < k; s++) {
                    float a = v[vo + b * k + s];
                    if (a != 0) VectorOps.axpy(a, w, idx[b * k + s] * d, out, b * d, d);
                }
            }
        });
        Tensor[] parents = bDec == null ? new Tensor[] {values, wDec} : new Tensor[] {values, wDec, bDec};
        return CustomOp.record("gatherDecode", Tensor.wrap(out, 0, rows, d), (g, grads) -> {
            float[] gv = grads.of(values);
            if (gv != null) {
                Parallel.forRange((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, t -> {
                    for (int b = t * ROWS_PER_TASK, end = Math.min(rows, b + ROWS_PER_TASK); b < end; b++) {
                        for (int s = 0; s < k; s++) gv[b * k + s] += VectorOps.dot(g, b * d, w, idx[b * k + s] * d, d);
                    }
                });
            }
            float[] gw = grads.of(wDec);
            if (gw != null) {
                float[] vals = new float[rows * k];
                System.arraycopy(v, vo, vals, 0, rows * k);
                Postings post = Postings.of(rows, k, m, idx, vals);
                Parallel.forRange((m + LATENTS_PER_TASK - 1) / LATENTS_PER_TASK, t -> {
                    for (int j = t * LATENTS_PER_TASK, end = Math.min(m, j + LATENTS_PER_TASK); j < end; j++) {
                        for (int q = post.start()[j]; q < post.start()[j + 1]; q++) {
                            int s = post.slot()[q];
                            VectorOps.axpy(vals[s], g, (s / k) * d, gw, j * d, d);
                        }
                    }
                });
            }
            if (bDec != null) {
                float[] gb = grads.of(bDec);
                if (gb != null) for (int b = 0; b < rows; b++) VectorOps.axpy(1f, g, b * d, gb, 0, d);
            }
        }, parents);
    }
}
