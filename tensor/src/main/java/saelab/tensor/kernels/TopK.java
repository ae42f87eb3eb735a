package saelab.tensor.kernels;

/**
 * Row-wise TopK: for each of {@code rows} rows of length {@code cols} (row stride {@code ld}),
 * the indices and values of the k largest entries, ordered by value descending; equal values
 * are ordered by ascending column index, so ties are broken deterministically toward the lower
 * index. Outputs are rows×k, row-major, into {@code outIdx} and {@code outVal}.
 */
public final class TopK {
    private TopK() {}

    public static void rows(float[] x, int off, int ld, int rows, int cols, int k, int[] outIdx, float[] outVal) {
        ScalarTopK.rows(x, off, ld, rows, cols, k, outIdx, outVal);
    }
}
