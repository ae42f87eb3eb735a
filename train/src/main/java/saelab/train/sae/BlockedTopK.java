package saelab.train.sae;

import saelab.tensor.kernels.Gemm;
import saelab.tensor.kernels.Parallel;
import saelab.tensor.kernels.ReusableArrays;
import saelab.tensor.kernels.RunningTopK;
import saelab.tensor.kernels.VectorOps;

/**
 * The TopK encoder's selections without a rows × m pre-activation array (134 MB at batch 2048,
 * m 16384): pre = (x − b_dec)·W_enc + b_enc is computed a chunk of latents (columns) at a time for
 * all rows, and each row keeps a running selection of its k largest, and of the k_dead largest
 * among the dead latents for the auxiliary loss, merging each chunk's own top into it before the
 * next chunk overwrites the chunk. Column chunks, not row blocks: the GEMM packs each panel of
 * W_enc once in all, as the whole product does, where row blocks re-packed all of W_enc per block.
 *
 * <p>Same bits as {@link SparseEncoder#preActivations} then {@link SparseEncoder#select}: each
 * column of the GEMM is the whole product's column ({@link Gemm#sgemmColumns}), the bias is added
 * per entry, the dead mask per entry, and the merged selection is TopK's over the whole row
 * ({@link RunningTopK}).
 */
public final class BlockedTopK {
    private BlockedTopK() {}

    /**
     * The centred inputs (what the values' backward reads), each row's top k of ReLU(pre) and,
     * when asked for, each row's top k_dead among the dead latents (else null).
     */
    public record Selections(SparseEncoder.Centred centred, SparseEncoder.Selection top, SparseEncoder.Selection deadTop) {}

    /** Rows per thread task after the GEMM: 16 rows of a 4128-latent chunk are 264 KB, inside a core's L2. */
    private static final int ROWS_PER_TASK = 16;

    /** Floats of pre-activations held at once: 32 MiB, 4096 latents of a 2048-row batch. */
    private static final int CHUNK_FLOATS = 1 << 23;

    /**
     * Latents per chunk for a batch of rows: a multiple of the GEMM's column block × its threads
     * (the whole product's thread tasks, so A is packed as often as there), allowing up to twice
     * the budget for one such unit (2048 rows × 4128 latents = 34 MB on 2 threads, NR = 48); when
     * even that does not fit, whole column blocks, else what fits.
     */
    static int chunkColumns(int rows, int m) {
        long fit = Math.max(1, CHUNK_FLOATS / Math.max(1, rows));
        long block = Gemm.columnBlock(), unit = block * Parallel.parallelism();
        long cols = fit >= unit ? fit / unit * unit : 2 * fit >= unit ? unit : fit >= block ? fit / block * block : fit;
        return (int) Math.min(m, cols);
    }

    /**
     * @param dead  latents counted as dead (read only when kDead > 0)
     * @param kDead latents kept per row among the dead ones (0: no dead selection)
     */
    public static Selections select(float[] x, int rows, SaeParams p, int k, boolean[] dead, int kDead) {
        return select(x, rows, p, k, dead, kDead, chunkColumns(rows, p.dSae()));
    }

    /** {@link #select(float[], int, SaeParams, int, boolean[], int)} in chunks of {@code chunkCols} latents (tests force small ones). */
    static Selections select(float[] x, int rows, SaeParams p, int k, boolean[] dead, int kDead, int chunkCols) {
        int d = p.dIn(), m = p.dSae();
        if (k < 1 || k > m) throw new IllegalArgumentException("TopK selection: k = " + k + ", expected 1 to d_sae = " + m);
        if (chunkCols < 1) throw new IllegalArgumentException("TopK selection: chunks of " + chunkCols + " latents, expected at least 1");
        if (kDead > 0) checkDead(dead, kDead, m);
        SparseEncoder.Centred c = SparseEncoder.centre(x, rows, p);
        int width = Math.min(m, chunkCols);
        // The chunk is a temporary of this call (each chunk overwrites all of its nc columns); the selections are scoped.
        float[] pre = ReusableArrays.shared().floats(rows * width), wEnc = p.wEnc().data(), bEnc = p.bEnc().data();
        Running top = new Running(rows, k), deadTop = kDead > 0 ? new Running(rows, kDead) : null;
        try {
            for (int j0 = 0; j0 < m; j0 += width) {
                int nc = Math.min(width, m - j0);
                // The chunk is rows × nc, row stride nc.
                Gemm.sgemmColumns(Gemm.Form.NN, rows, m, j0, nc, d, c.xc(), 0, d, wEnc, 0, m, pre, 0, nc, false);
                int chunkStart = j0;
                // Bias, selection, mask and dead selection a few rows at a time, while those rows are in the core's cache.
                Parallel.forRange((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, t -> {
                    int r0 = t * ROWS_PER_TASK, nr = Math.min(ROWS_PER_TASK, rows - r0);
                    if (deadTop == null) {
                        // The bias is added as the rows are ranked, not written back: the chunk (34 MB at
                        // batch 2048) is larger than the last-level cache, and a write-back costs a write
                        // and a read of it from memory.
                        top.take(pre, r0, nr, nc, chunkStart, bEnc);
                        return;
                    }
                    VectorOps.addRowBias(pre, r0 * nc, nr, nc, nc, bEnc, chunkStart);
                    top.take(pre, r0, nr, nc, chunkStart, null);
                    // The top k is taken: the rows can be masked in place.
                    for (int r = r0; r < r0 + nr; r++) VectorOps.keepOrFill(pre, r * nc, nc, dead, chunkStart, Float.NEGATIVE_INFINITY);
                    deadTop.take(pre, r0, nr, nc, chunkStart, null);
                });
                top.advance(nc);
                if (deadTop != null) deadTop.advance(nc);
            }
        } finally {
            ReusableArrays.shared().give(pre);
        }
        return new Selections(c, top.selection(), deadTop == null ? null : deadTop.selection());
    }

    private static void checkDead(boolean[] dead, int kDead, int m) {
        if (dead == null || dead.length != m) {
            throw new IllegalArgumentException("TopK selection: a dead mask of " + (dead == null ? "no" : dead.length) + " latents, expected d_sae = " + m);
        }
        int n = 0;
        for (boolean b : dead) if (b) n++;
        if (kDead > n) throw new IllegalArgumentException("TopK selection: k_dead = " + kDead + " but only " + n + " latents are dead");
    }

    /**
     * Each row's k largest over the chunks seen so far, by rank ({@link RunningTopK}: TopK's order,
     * values descending with −0 equal to +0, equal values by ascending latent, so the result is
     * the whole row's TopK whatever the chunks).
     */
    private static final class Running {
        final int rows, k;
        final int[] idx;
        final float[] val;
        /** Entries each row holds so far: min(k, latents seen). */
        int held;

        Running(int rows, int k) {
            this.rows = rows;
            this.k = k;
            idx = ReusableArrays.scopedIntsZeroed(rows * k);
            val = ReusableArrays.scopedFloatsZeroed(rows * k);
        }

        /** Merges rows [r0, r0 + nr) of a chunk (row stride nc) of latents [j0, j0 + nc), plus bias[j0 ...] (null: none). */
        void take(float[] pre, int r0, int nr, int nc, int j0, float[] bias) {
            RunningTopK.merge(pre, r0 * nc, nc, nr, nc, j0, bias, j0, k, held, idx, val, r0);
        }

        /** Every row has taken a chunk of nc latents. */
        void advance(int nc) {
            held = Math.min(k, held + nc);
        }

        SparseEncoder.Selection selection() {
            // The ReLU of the kept values (TopK of ReLU(pre) keeps the same latents: ReLU is monotone).
            for (int i = 0; i < val.length; i++) val[i] = Math.max(val[i], 0f);
            return new SparseEncoder.Selection(rows, k, idx, val);
        }
    }
}
