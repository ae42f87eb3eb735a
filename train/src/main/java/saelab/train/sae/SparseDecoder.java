package saelab.train.sae;

import saelab.tensor.CustomOp;
import saelab.tensor.Tensor;
import saelab.tensor.kernels.Parallel;
import saelab.tensor.kernels.ReusableArrays;
import saelab.tensor.kernels.SparseRows;
import saelab.tensor.kernels.VectorOps;

/**
 * The sparse decoder: x̂_b = Σ_s values[b, s]·W_dec[idx[b, s]] (+ b_dec), never a dense rows × m
 * product of mostly zeros. Backward is sparse too: dvalues[b, s] = dx̂_b·W_dec[idx[b, s]], and
 * W_dec row j receives Σ values·dx̂_b over the rows that kept j. All three run latent-major
 * ({@link SparseRows}): W_dec is streamed once per pass, whatever k is.
 */
public final class SparseDecoder {
    private SparseDecoder() {}

    /** Columns of b_dec's gradient per task. */
    private static final int BIAS_COLUMNS = 256;

    /** bDec may be null (the auxiliary loss decodes without the bias). */
    public static Tensor decode(Tensor values, int[] idx, Tensor wDec, Tensor bDec) {
        int rows = values.dim(0), k = values.dim(1), m = wDec.dim(0), d = wDec.dim(1);
        if (idx.length != rows * k) throw new IllegalArgumentException("decode: " + idx.length + " indices for " + rows + "×" + k + " values");
        float[] w = wDec.data();
        // Latent-major: each W_dec row is read once, into a tile of x̂ held in cache. Zero values
        // stay in the columns (their value gradient is still a dot) and add nothing to x̂.
        SparseRows.Columns cols = SparseRows.columns(rows, k, m, idx, values.data(), values.offset(), false);
        float[] out = ReusableArrays.scopedFloats(rows * d); // x̂ lives as long as the caller's scope (a training step)
        SparseRows.times(cols, w, d, bDec == null ? null : bDec.data(), bDec == null ? 0 : bDec.offset(), out);
        Tensor[] parents = bDec == null ? new Tensor[] {values, wDec} : new Tensor[] {values, wDec, bDec};
        return CustomOp.record("gatherDecode", Tensor.wrap(out, 0, rows, d), (g, grads) -> {
            // A fresh W_dec gradient (just zeroed, nothing added yet) is zeroed piece by piece as it is filled: no separate pass.
            float[] gWFresh = grads.fresh(wDec);
            SparseRows.timesBackward(cols, w, d, g, grads.of(values), gWFresh != null ? gWFresh : grads.of(wDec), gWFresh != null);
            if (bDec != null) {
                float[] gb = grads.of(bDec);
                // Each element sums its column over the rows in row order, so columns can be split over threads.
                if (gb != null) Parallel.forChunks(d, BIAS_COLUMNS, (e0, e1) -> {
                    for (int b = 0; b < rows; b++) VectorOps.axpy(1f, g, b * d + e0, gb, e0, e1 - e0);
                });
            }
        }, parents);
    }
}
