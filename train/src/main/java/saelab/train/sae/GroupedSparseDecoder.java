package saelab.train.sae;

import saelab.tensor.CustomOp;
import saelab.tensor.Tensor;
import saelab.tensor.kernels.Parallel;
import saelab.tensor.kernels.ReusableArrays;
import saelab.tensor.kernels.VectorOps;

/**
 * The sparse decoder split by consecutive latent groups, for nested (Matryoshka) dictionaries:
 * one pass writes each group's own partial reconstruction, partial_g,b = Σ_{slots of row b whose
 * latent is in group g} value·W_dec[latent], into row g·rows + b of a [G·rows, d] output (no
 * b_dec). Prefix reconstructions are then sums of these slices. Decoding the G groups separately
 * through {@link SparseDecoder} with masked values would repeat the backward's per-slot dot
 * products G times; here every slot meets only its own group's gradient row, so the whole op
 * costs one sparse decode. Backward as {@link SparseDecoder}'s: dvalue = dpartial·W_dec[latent],
 * and W_dec row j gathers value·dpartial over its slots (one task per block of latents). Slots
 * with value 0 are padding, not codes: they decode to nothing and take no gradient (the encoder
 * would pass none on from them), which spares the dot products of padded BatchTopK rows.
 */
public final class GroupedSparseDecoder {
    private GroupedSparseDecoder() {}

    private static final int ROWS_PER_TASK = 16;
    private static final int LATENTS_PER_TASK = 64;

    /** @param groupOf each latent's group, 0 .. groups − 1 */
    public static Tensor decode(Tensor values, int[] idx, Tensor wDec, int[] groupOf, int groups) {
        int rows = values.dim(0), k = values.dim(1), m = wDec.dim(0), d = wDec.dim(1);
        if (idx.length != rows * k) throw new IllegalArgumentException("grouped decode: " + idx.length + " indices for " + rows + "×" + k + " values");
        if (groupOf.length != m) throw new IllegalArgumentException("grouped decode: " + groupOf.length + " group labels for " + m + " latents");
        float[] v = values.data(), w = wDec.data();
        int vo = values.offset();
        // Scoped and zeroed (the slots accumulate into it): a training step's graph holds it until the step returns.
        float[] out = ReusableArrays.scopedFloatsZeroed(groups * rows * d);
        Parallel.forRange((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, t -> {
            for (int b = t * ROWS_PER_TASK, end = Math.min(rows, b + ROWS_PER_TASK); b < end; b++) {
                for (int s = 0; s < k; s++) {
                    float a = v[vo + b * k + s];
                    int j = idx[b * k + s];
                    if (a != 0) VectorOps.axpy(a, w, j * d, out, (groupOf[j] * rows + b) * d, d);
                }
            }
        });
        return CustomOp.record("groupedDecode", Tensor.wrap(out, 0, groups * rows, d), (g, grads) -> {
            float[] gv = grads.of(values);
            if (gv != null) {
                Parallel.forRange((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, t -> {
                    for (int b = t * ROWS_PER_TASK, end = Math.min(rows, b + ROWS_PER_TASK); b < end; b++) {
                        for (int s = 0; s < k; s++) {
                            // An empty slot (value 0) is no code: it takes no gradient, as the encoder passes none to it.
                            if (v[vo + b * k + s] == 0) continue;
                            int j = idx[b * k + s];
                            gv[b * k + s] += VectorOps.dot(g, (groupOf[j] * rows + b) * d, w, j * d, d);
                        }
                    }
                });
            }
            float[] gw = grads.of(wDec);
            if (gw != null) {
                // The values' copy and the postings are this backward's temporaries: from the pool, given back once the tasks are done.
                ReusableArrays pool = ReusableArrays.shared();
                float[] vals = pool.floats(rows * k);
                try {
                    System.arraycopy(v, vo, vals, 0, rows * k);
                    Postings post = Postings.of(rows, k, m, idx, vals, pool);
                    try {
                        Parallel.forRange((m + LATENTS_PER_TASK - 1) / LATENTS_PER_TASK, t -> {
                            for (int j = t * LATENTS_PER_TASK, end = Math.min(m, j + LATENTS_PER_TASK); j < end; j++) {
                                int base = groupOf[j] * rows;
                                for (int q = post.start()[j]; q < post.start()[j + 1]; q++) {
                                    int s = post.slot()[q];
                                    VectorOps.axpy(vals[s], g, (base + s / k) * d, gw, j * d, d);
                                }
                            }
                        });
                    } finally {
                        post.giveTo(pool);
                    }
                } finally {
                    pool.give(vals);
                }
            }
        }, values, wDec);
    }
}
