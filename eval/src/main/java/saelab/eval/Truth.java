package saelab.eval;

/** Checks of the arrays the ground-truth metrics read: the batch's truth and the SAE's codes. */
final class Truth {
    private Truth() {}

    /**
     * @param rowStart,feature row r fired feature[rowStart[r] .. rowStart[r+1]), features in [0, n), each once
     * @param k,idx,val        k code slots per row; a slot with value > 0 names a latent in [0, m)
     */
    static void check(int rows, int[] rowStart, int[] feature, int n, int k, int[] idx, float[] val, int m) {
        checkTruth(rows, rowStart, feature, n);
        if (k < 1) throw new IllegalArgumentException("codes need k ≥ 1 slots per row, got " + k);
        long slots = (long) rows * k;
        if (idx.length != slots || val.length != slots) {
            throw new IllegalArgumentException("codes have " + idx.length + " indices and " + val.length + " values, expected rows × k = " + rows + " × " + k);
        }
        for (int s = 0; s < slots; s++) {
            if (val[s] > 0 && (idx[s] < 0 || idx[s] >= m)) {
                throw new IllegalArgumentException("code slot " + s + " (row " + s / k + ") names latent " + idx[s] + ", expected one in [0, " + m + ")");
            }
        }
    }

    static void checkTruth(int rows, int[] rowStart, int[] feature, int n) {
        if (rows < 0 || rowStart.length != rows + 1) {
            throw new IllegalArgumentException("truth rowStart has " + rowStart.length + " entries, expected rows + 1 = " + (rows + 1));
        }
        if (rowStart[0] != 0) throw new IllegalArgumentException("truth rowStart[0] is " + rowStart[0] + ", expected 0");
        for (int r = 0; r < rows; r++) {
            if (rowStart[r + 1] < rowStart[r]) throw new IllegalArgumentException("truth rowStart decreases at row " + r + ": " + rowStart[r] + " then " + rowStart[r + 1]);
        }
        if (rowStart[rows] > feature.length) {
            throw new IllegalArgumentException("truth rowStart ends at " + rowStart[rows] + " but only " + feature.length + " fired features are given");
        }
        int[] stamp = new int[n];
        for (int r = 0; r < rows; r++) {
            for (int t = rowStart[r]; t < rowStart[r + 1]; t++) {
                int f = feature[t];
                if (f < 0 || f >= n) throw new IllegalArgumentException("truth entry " + t + " (row " + r + ") names feature " + f + ", expected one in [0, " + n + ")");
                if (stamp[f] == r + 1) throw new IllegalArgumentException("truth row " + r + " lists feature " + f + " twice, expected each firing feature once");
                stamp[f] = r + 1;
            }
        }
    }

    static void checkParents(int[] parentOf, int n) {
        if (parentOf.length != n) throw new IllegalArgumentException("parentOf has " + parentOf.length + " entries, expected one per true feature (" + n + ")");
        for (int f = 0; f < n; f++) {
            int p = parentOf[f];
            if (p < -1 || p >= n || p == f) throw new IllegalArgumentException("parentOf[" + f + "] is " + p + ", expected −1 (a root) or another feature in [0, " + n + ")");
        }
    }
}
