package saelab.eval.probe;

/**
 * Rows of latent activations stored sparsely (compressed rows: the non-zero latents of row r are
 * idx/val[start[r] .. start[r + 1])), so that thousands of rows of a 16k-latent SAE fit in memory.
 */
public record SparseRows(int rows, int m, int[] start, int[] idx, float[] val) {

    /** Collects rows one at a time. */
    public static final class Builder {
        private final int m;
        private int rows;
        private int[] start = new int[16], idx = new int[256];
        private float[] val = new float[256];

        public Builder(int m) { this.m = m; }

        /** Appends the non-zeros of dense[offset .. offset + m). */
        public void add(float[] dense, int offset) {
            int n = start[rows];
            for (int j = 0; j < m; j++) {
                float v = dense[offset + j];
                if (v == 0) continue;
                if (n == idx.length) {
                    idx = java.util.Arrays.copyOf(idx, 2 * n);
                    val = java.util.Arrays.copyOf(val, 2 * n);
                }
                idx[n] = j;
                val[n++] = v;
            }
            if (rows + 2 > start.length) start = java.util.Arrays.copyOf(start, 2 * start.length);
            start[++rows] = n;
        }

        public SparseRows build() {
            int n = start[rows];
            return new SparseRows(rows, m, java.util.Arrays.copyOf(start, rows + 1), java.util.Arrays.copyOf(idx, n), java.util.Arrays.copyOf(val, n));
        }
    }

    /** Row r as a dense [m] array. */
    public float[] dense(int r) {
        float[] out = new float[m];
        for (int q = start[r]; q < start[r + 1]; q++) out[idx[q]] = val[q];
        return out;
    }

    /** The value of latent j in row r (0 when it is not stored). */
    public float get(int r, int j) {
        for (int q = start[r]; q < start[r + 1]; q++) if (idx[q] == j) return val[q];
        return 0;
    }

    /** The given rows' values of the given latents, dense [rowsOf.length × cols.length]. */
    public float[] gather(int[] rowsOf, int[] cols) {
        java.util.Map<Integer, Integer> col = new java.util.HashMap<>();
        for (int c = 0; c < cols.length; c++) col.put(cols[c], c);
        float[] out = new float[rowsOf.length * cols.length];
        for (int i = 0; i < rowsOf.length; i++) {
            int r = rowsOf[i];
            for (int q = start[r]; q < start[r + 1]; q++) {
                Integer c = col.get(idx[q]);
                if (c != null) out[i * cols.length + c] = val[q];
            }
        }
        return out;
    }

    /** Per latent, mean over {@code rowsOf} where {@code inClass} is true minus mean over the rest. */
    public double[] meanDifference(int[] rowsOf, boolean[] inClass) {
        double[] pos = new double[m], neg = new double[m];
        int nPos = 0, nNeg = 0;
        for (int i = 0; i < rowsOf.length; i++) {
            double[] acc = inClass[i] ? pos : neg;
            if (inClass[i]) nPos++; else nNeg++;
            int r = rowsOf[i];
            for (int q = start[r]; q < start[r + 1]; q++) acc[idx[q]] += val[q];
        }
        double[] diff = new double[m];
        for (int j = 0; j < m; j++) diff[j] = pos[j] / nPos - neg[j] / nNeg;
        return diff;
    }
}
