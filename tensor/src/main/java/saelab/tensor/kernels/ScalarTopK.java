package saelab.tensor.kernels;

/** Plain twin of {@link TopK}: k passes of selection, the oracle for the vector kernel. */
public final class ScalarTopK {
    private ScalarTopK() {}

    public static void rows(float[] x, int off, int ld, int rows, int cols, int k, int[] outIdx, float[] outVal) {
        if (k < 0 || k > cols) throw new IllegalArgumentException("k=" + k + " must be in [0, " + cols + "]");
        boolean[] taken = new boolean[cols];
        for (int r = 0; r < rows; r++) {
            java.util.Arrays.fill(taken, false);
            int base = off + r * ld;
            for (int t = 0; t < k; t++) {
                int best = -1;
                for (int j = 0; j < cols; j++) {
                    if (taken[j]) continue;
                    // Strictly greater keeps the lowest index among equal values.
                    if (best < 0 || x[base + j] > x[base + best]) best = j;
                }
                taken[best] = true;
                outIdx[r * k + t] = best;
                outVal[r * k + t] = x[base + best];
            }
        }
    }
}
