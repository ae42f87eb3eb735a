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
        for (int j = from; j < to; j++) {
            float alpha = parallelCoefficient(w, j * d, grad, j * d, d);
            if (!Float.isNaN(alpha)) VectorOps.axpy(alpha, w, j * d, grad, j * d, d);
        }
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
        // VectorOps.sumLanes's order, written out here: passed to it, the two vectors were boxed (3 MB a step).
        float dot = 0f, nn = 0f;
        for (int l = 0; l < L; l++) {
            dot += dotAcc.lane(l);
            nn += nnAcc.lane(l);
        }
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
