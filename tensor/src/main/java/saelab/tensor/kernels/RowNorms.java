package saelab.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Per-row norm operations on a row-major matrix with rows of length d, over a range of rows, so
 * a caller can run them on row blocks in parallel or fuse them with another pass over the same
 * rows while they are in cache. Each row's result depends on that row alone, computed with the
 * same {@link VectorOps} reductions whatever the range: the same bits however rows are split.
 */
public final class RowNorms {
    private RowNorms() {}

    /** Rows [from, to) scaled to norm {@code target}; an all-zero row is left as it is. */
    public static void normalize(float[] w, int from, int to, int d, float target) {
        for (int j = from; j < to; j++) {
            double n = Math.sqrt(VectorOps.sumSquares(w, j * d, d));
            if (n > 0) VectorOps.scale((float) (target / n), w, j * d, d);
        }
    }

    /** For rows [from, to): grad row −= (grad·w / w·w)·w row, leaving the part orthogonal to w (rows of w that are zero: unchanged). */
    public static void removeParallel(float[] w, float[] grad, int from, int to, int d) {
        for (int j = from; j < to; j++) removeParallel(w, j * d, grad, j * d, grad, j * d, d);
    }

    /**
     * out[outOff ...] = the row grad[gOff ...] minus its component along the row w[wOff ...] (d floats each):
     * the bits {@link #removeParallel} leaves in place, written elsewhere (out may be grad itself at gOff).
     */
    public static void removeParallel(float[] w, int wOff, float[] grad, int gOff, float[] out, int outOff, int d) {
        addAlong(parallelCoefficient(w, wOff, grad, gOff, d), w, wOff, grad, gOff, out, outOff, d);
    }

    /** out[outOff ...] = grad[gOff ...] + alpha·w[wOff ...] over d floats, as {@link VectorOps#axpy} computes it; alpha NaN: grad copied. */
    public static void addAlong(float alpha, float[] w, int wOff, float[] grad, int gOff, float[] out, int outOff, int d) {
        if (Float.isNaN(alpha)) {
            if (out != grad || outOff != gOff) System.arraycopy(grad, gOff, out, outOff, d);
            return;
        }
        // VectorOps.axpy's operations (w·α, then + grad), reading grad and writing out.
        FloatVector va = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (int end = S.loopBound(d); i < end; i += L) {
            FloatVector.fromArray(S, w, wOff + i).mul(va).add(FloatVector.fromArray(S, grad, gOff + i)).intoArray(out, outOff + i);
        }
        for (; i < d; i++) out[outOff + i] = grad[gOff + i] + alpha * w[wOff + i];
    }

    /**
     * α = −(grad·w)/(w·w) for one row, so that grad + α·w is orthogonal to w; NaN where w is zero (the row
     * keeps its gradient). Both products in one loop over the row, each with {@link VectorOps#dot}'s bits.
     */
    public static float parallelCoefficient(float[] w, int wOff, float[] grad, int gOff, int d) {
        FloatVector dotAcc = FloatVector.zero(S), nnAcc = FloatVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(d); i < end; i += L) {
            FloatVector wv = FloatVector.fromArray(S, w, wOff + i);
            dotAcc = wv.fma(FloatVector.fromArray(S, grad, gOff + i), dotAcc);
            nnAcc = wv.fma(wv, nnAcc);
        }
        float dot = VectorOps.sumLanes(dotAcc), nn = VectorOps.sumLanes(nnAcc);
        for (; i < d; i++) {
            dot += w[wOff + i] * grad[gOff + i];
            nn += w[wOff + i] * w[wOff + i];
        }
        return nn > 0 ? -dot / nn : Float.NaN;
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** Rows per parallel task for rows of length d: about 64 KiB of each array. */
    public static int rowsPerTask(int d) {
        return Math.max(1, (1 << 14) / Math.max(1, d));
    }
}
