package saelab.train.sae;

import java.util.Arrays;
import saelab.tensor.CustomOp;
import saelab.tensor.Tensor;
import saelab.tensor.kernels.Gemm;
import saelab.tensor.kernels.Parallel;
import saelab.tensor.kernels.ReusableArrays;
import saelab.tensor.kernels.SparseRows;
import saelab.tensor.kernels.TopK;
import saelab.tensor.kernels.VectorOps;

/**
 * The TopK encoder, computed densely only where it must be: pre = (x − b_dec)·W_enc + b_enc is
 * a dense GEMM (every latent's pre-activation is needed to pick the largest; {@link BlockedTopK}
 * computes and selects it a chunk of latents at a time), but everything after the selection is sparse. {@link #values} records an autograd op whose backward touches
 * only the kept (row, latent) pairs: W_enc column j receives Σ x_c,b·dvalue over the rows that
 * kept j, b_enc[j] the sum of those dvalues, and b_dec −W_enc·(that sum) — B·k·d work instead
 * of the dense B·m·d.
 */
public final class SparseEncoder {
    private SparseEncoder() {}

    /** The centred inputs x − b_dec [rows, d] of one batch for an encoder of m latents: all {@link #values}' backward reads. */
    public record Centred(int rows, int d, int m, float[] xc) {}

    /** Constant intermediates of one batch: centred inputs x − b_dec [rows, d] and pre [rows, m]. */
    public record PreActivations(int rows, int d, int m, float[] xc, float[] pre) {
        public float pre(int row, int latent) { return pre[row * m + latent]; }

        public Centred centred() { return new Centred(rows, d, m, xc); }
    }

    /** Per row, k latents (indices, rows × k, by value descending) and their ReLU values. */
    public record Selection(int rows, int k, int[] indices, float[] values) {}

    /** x − b_dec for {@code rows} rows of x (row-major, rows × d), in a {@link ReusableArrays#scopedFloats scoped} array. */
    public static Centred centre(float[] x, int rows, SaeParams p) {
        int d = p.dIn();
        if (x.length < rows * d) throw new IllegalArgumentException("batch holds " + x.length + " floats, expected rows·d = " + rows * d);
        float[] xc = ReusableArrays.scopedFloats(rows * d);
        float[] bDec = p.bDec().data();
        Parallel.forChunks(rows, CENTRE_ROWS, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                for (int e = 0; e < d; e++) xc[r * d + e] = x[r * d + e] - bDec[e];
            }
        });
        return new Centred(rows, d, p.dSae(), xc);
    }

    /** Rows per task of {@link #centre} (each element one subtraction: any split gives the same bits). */
    private static final int CENTRE_ROWS = 64;

    /**
     * x − b_dec and pre = (x − b_dec)·W_enc + b_enc for {@code rows} rows of x, both in {@link
     * ReusableArrays#scopedFloats scoped} arrays: inside a training step they go back when it
     * returns, elsewhere they are the caller's.
     */
    public static PreActivations preActivations(float[] x, int rows, SaeParams p) {
        return preActivations(x, rows, p, ReusableArrays.scopedFloats(rows * p.dSae()));
    }

    /**
     * As above with pre written into {@code pre} (rows·m floats, every one overwritten), for a caller
     * that gives it back once its selections are made: no backward reads pre, only the centred inputs.
     */
    static PreActivations preActivations(float[] x, int rows, SaeParams p, float[] pre) {
        int d = p.dIn(), m = p.dSae();
        float[] xc = centre(x, rows, p).xc();
        Gemm.sgemm(Gemm.Form.NN, rows, m, d, xc, p.wEnc().data(), pre, false);
        VectorOps.addRowBias(pre, 0, rows, m, m, p.bEnc().data(), 0);
        return new PreActivations(rows, d, m, xc, pre);
    }

    /**
     * The k largest of ReLU(pre) per row among the {@code allowed} latents (null: all). A row
     * with fewer than k positive entries keeps some zeros, as TopK of ReLU output does.
     */
    public static Selection select(PreActivations pa, int k, boolean[] allowed) {
        int rows = pa.rows(), m = pa.m();
        float[] pre = pa.pre();
        // The selection is scoped (the step's graph reads it in backward); the masked block is this call's.
        int[] idx = ReusableArrays.scopedInts(rows * k);
        float[] val = ReusableArrays.scopedFloats(rows * k);
        if (allowed == null) {
            TopK.rows(pre, 0, m, rows, m, k, idx, val);
        } else {
            int n = 0;
            for (boolean a : allowed) if (a) n++;
            if (k > n) throw new IllegalArgumentException("select: k = " + k + " but only " + n + " latents are allowed");
            // Masked a block of rows at a time: a copy of the whole rows × m pre-activations would
            // be the step's largest array (134 MB at m 16384, batch 2048).
            int block = Math.max(1, Math.min(rows, MASK_BLOCK_FLOATS / m));
            ReusableArrays pool = ReusableArrays.shared();
            float[] masked = pool.floats(block * m), blockVal = pool.floats(block * k);
            int[] blockIdx = pool.ints(block * k);
            try {
                for (int r0 = 0; r0 < rows; r0 += block) {
                    int nr = Math.min(block, rows - r0);
                    System.arraycopy(pre, r0 * m, masked, 0, nr * m);
                    for (int r = 0; r < nr; r++) VectorOps.keepOrFill(masked, r * m, m, allowed, 0, Float.NEGATIVE_INFINITY);
                    TopK.rows(masked, 0, m, nr, m, k, blockIdx, blockVal);
                    System.arraycopy(blockIdx, 0, idx, r0 * k, nr * k);
                    System.arraycopy(blockVal, 0, val, r0 * k, nr * k);
                }
            } finally {
                pool.give(masked);
                pool.give(blockVal);
                pool.give(blockIdx);
            }
        }
        // The ReLU of the kept values (TopK of ReLU(pre) keeps the same latents: ReLU is monotone).
        for (int i = 0; i < val.length; i++) val[i] = Math.max(val[i], 0f);
        return new Selection(rows, k, idx, val);
    }

    /** Floats of masked pre-activations held at once by {@link #select} with a mask (4 MB). */
    private static final int MASK_BLOCK_FLOATS = 1 << 20;

    /**
     * values[b, s] = ReLU(pre[b, idx[b, s]]) as an autograd op of W_enc, b_enc and b_dec. The
     * selection is held fixed (locally constant away from ties); ReLU passes gradient only where
     * pre > 0.
     */
    public static Tensor values(PreActivations pa, Selection sel, SaeParams p) {
        return values(pa.centred(), sel, p);
    }

    /** {@link #values(PreActivations, Selection, SaeParams)} from the centred inputs alone: the values are the selection's. */
    public static Tensor values(Centred pa, Selection sel, SaeParams p) {
        int rows = pa.rows(), d = pa.d(), m = pa.m(), k = sel.k();
        int[] idx = sel.indices();
        // Copies of the selection's values (scoped: they live as long as the graph of this step).
        float[] val = scopedCopy(sel.values());
        Tensor wEnc = p.wEnc(), bEnc = p.bEnc(), bDec = p.bDec();
        return CustomOp.record("topkEncode", Tensor.wrap(scopedCopy(val), 0, rows, k), (gv, grads) -> {
            float[] dpre = ReusableArrays.shared().floats(rows * k); // every element written, then copied into the columns
            for (int i = 0; i < dpre.length; i++) dpre[i] = val[i] > 0 ? gv[i] : 0f;
            // Latent-major: the rows × d centred inputs are read one tile of columns at a time.
            SparseRows.Columns cols = SparseRows.columns(rows, k, m, idx, dpre, 0, true);
            ReusableArrays.shared().give(dpre);
            float[] colSum = new float[m];
            for (int j = 0; j < m; j++) {
                float s = 0;
                for (int q = cols.start()[j]; q < cols.start()[j + 1]; q++) s += cols.value()[q];
                colSum[j] = s;
            }
            float[] gbEnc = grads.of(bEnc);
            if (gbEnc != null) for (int j = 0; j < m; j++) gbEnc[j] += colSum[j];
            float[] gbDec = grads.of(bDec);
            if (gbDec != null) {
                // x_c = x − b_dec, so d/db_dec = −W_enc·colSum: one dot over each W_enc row.
                float[] w = wEnc.data();
                float[] dots = new float[d];
                Parallel.forRange(d, e -> dots[e] = VectorOps.dot(w, e * m, colSum, 0, m));
                for (int e = 0; e < d; e++) gbDec[e] -= dots[e];
            }
            // A fresh W_enc gradient (just zeroed, nothing added yet) is zeroed piece by piece as it is filled: no separate pass.
            float[] gwFresh = grads.fresh(wEnc);
            float[] gw = gwFresh != null ? gwFresh : grads.of(wEnc);
            if (gw != null) SparseRows.transposedTimesInto(cols, pa.xc(), d, gw, gwFresh != null);
        }, wEnc, bEnc, bDec);
    }

    private static float[] scopedCopy(float[] a) {
        float[] c = ReusableArrays.scopedFloats(a.length);
        System.arraycopy(a, 0, c, 0, a.length);
        return c;
    }

    /** Number of kept slots per row with a value > 0, averaged: the batch's L0. */
    public static double l0(Selection sel) {
        long n = 0;
        for (float v : sel.values()) if (v > 0) n++;
        return (double) n / sel.rows();
    }

    static boolean[] all(int m) {
        boolean[] a = new boolean[m];
        Arrays.fill(a, true);
        return a;
    }
}
