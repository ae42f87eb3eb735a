package saelab.train.sae;

import saelab.tensor.kernels.Gemm;
import saelab.tensor.kernels.TopK;
import saelab.tensor.kernels.VectorOps;

/**
 * The TopK encoder's selections without a rows × m pre-activation array (134 MB at batch 2048,
 * m 16384): pre = (x − b_dec)·W_enc + b_enc is computed a block of rows at a time, and each block's
 * rows give up their k largest, and the k_dead largest among the dead latents for the auxiliary
 * loss, before the next block overwrites it. The block (16 MB) stays in the last-level cache
 * between the GEMM's inner-dimension slices and the selection, where the whole array went to memory
 * and back for each.
 *
 * <p>Same bits as {@link SparseEncoder#preActivations} then {@link SparseEncoder#select}: each row
 * of the GEMM is the whole batch's row ({@link Gemm#sgemmRows}), the bias is added per entry, and
 * TopK and the dead mask act on one row at a time.
 */
public final class BlockedTopK {
    private BlockedTopK() {}

    /**
     * The centred inputs (what the values' backward reads), each row's top k of ReLU(pre) and,
     * when asked for, each row's top k_dead among the dead latents (else null).
     */
    public record Selections(SparseEncoder.Centred centred, SparseEncoder.Selection top, SparseEncoder.Selection deadTop) {}

    /**
     * Floats of pre-activations held at once (16 MB: 256 rows at m 16384, inside a 32 MB L3 beside
     * the GEMM's packed panels). The system property saelab.topk.blockRows overrides the rows (for tuning).
     */
    private static final int BLOCK_FLOATS = 1 << 22;
    private static final int BLOCK_ROWS_OVERRIDE = Integer.getInteger("saelab.topk.blockRows", 0);

    /** Rows per block for m latents: whole register tiles of the GEMM (8 rows) where a block holds more. */
    public static int blockRows(int m) {
        if (BLOCK_ROWS_OVERRIDE > 0) return BLOCK_ROWS_OVERRIDE;
        int rows = Math.max(1, BLOCK_FLOATS / m);
        return rows >= 8 ? rows - rows % 8 : rows;
    }

    /** {@link #select(float[], int, SaeParams, int, boolean[], int, int)} in blocks of {@link #blockRows} rows. */
    public static Selections select(float[] x, int rows, SaeParams p, int k, boolean[] dead, int kDead) {
        return select(x, rows, p, k, dead, kDead, blockRows(p.dSae()));
    }

    /**
     * @param dead  latents counted as dead (read only when kDead > 0)
     * @param kDead latents kept per row among the dead ones (0: no dead selection)
     */
    public static Selections select(float[] x, int rows, SaeParams p, int k, boolean[] dead, int kDead, int blockRows) {
        int d = p.dIn(), m = p.dSae();
        if (k < 1 || k > m) throw new IllegalArgumentException("TopK selection: k = " + k + ", expected 1 to d_sae = " + m);
        if (blockRows < 1) throw new IllegalArgumentException("TopK selection: blocks of " + blockRows + " rows, expected at least 1");
        if (kDead > 0) checkDead(dead, kDead, m);
        SparseEncoder.Centred c = SparseEncoder.centre(x, rows, p);
        int block = Math.max(1, Math.min(rows, blockRows));
        float[] pre = new float[block * m], wEnc = p.wEnc().data(), bEnc = p.bEnc().data();
        Into top = new Into(rows, k, block), deadTop = kDead > 0 ? new Into(rows, kDead, block) : null;
        for (int r0 = 0; r0 < rows; r0 += block) {
            int nr = Math.min(block, rows - r0);
            Gemm.sgemmRows(Gemm.Form.NN, rows, r0, nr, m, d, c.xc(), 0, d, wEnc, 0, m, pre, 0, m, false);
            VectorOps.addRowBias(pre, 0, nr, m, m, bEnc, 0);
            top.take(pre, nr, m, r0);
            if (deadTop != null) {
                // The top k is taken: the block can be masked in place.
                for (int r = 0; r < nr; r++) {
                    for (int j = 0; j < m; j++) if (!dead[j]) pre[r * m + j] = Float.NEGATIVE_INFINITY;
                }
                deadTop.take(pre, nr, m, r0);
            }
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

    /** A selection filled a block at a time (TopK writes each block's rows from its own row 0). */
    private static final class Into {
        final int rows, k;
        final int[] idx, blockIdx;
        final float[] val, blockVal;

        Into(int rows, int k, int block) {
            this.rows = rows;
            this.k = k;
            idx = new int[rows * k];
            val = new float[rows * k];
            blockIdx = new int[block * k];
            blockVal = new float[block * k];
        }

        void take(float[] pre, int nr, int m, int r0) {
            TopK.rows(pre, 0, m, nr, m, k, blockIdx, blockVal);
            System.arraycopy(blockIdx, 0, idx, r0 * k, nr * k);
            System.arraycopy(blockVal, 0, val, r0 * k, nr * k);
        }

        SparseEncoder.Selection selection() {
            // The ReLU of the kept values (TopK of ReLU(pre) keeps the same latents: ReLU is monotone).
            for (int i = 0; i < val.length; i++) val[i] = Math.max(val[i], 0f);
            return new SparseEncoder.Selection(rows, k, idx, val);
        }
    }
}
