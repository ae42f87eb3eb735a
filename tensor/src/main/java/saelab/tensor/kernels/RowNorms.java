package saelab.tensor.kernels;

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
            float dot = VectorOps.dot(w, j * d, grad, j * d, d);
            float nn = VectorOps.sumSquares(w, j * d, d);
            if (nn > 0) VectorOps.axpy(-dot / nn, w, j * d, grad, j * d, d);
        }
    }

    /** Rows per parallel task for rows of length d: about 64 KiB of each array. */
    public static int rowsPerTask(int d) {
        return Math.max(1, (1 << 14) / Math.max(1, d));
    }
}
