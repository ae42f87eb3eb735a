package saelab.eval;

import java.util.Arrays;

/**
 * The textbook O(r²·c) Hungarian method (Kuhn–Munkres with potentials, 1-based as in the classic
 * formulation) that {@link Hungarian} replaced, kept as an independent oracle for problems too
 * large for brute force.
 */
final class TextbookHungarian {
    private TextbookHungarian() {}

    /** assignment[i] = the column given to row i; minimises Σ_i cost[i][assignment[i]] (rows ≤ columns). */
    static int[] minCost(double[][] cost) {
        int r = cost.length;
        if (r == 0) return new int[0];
        int c = cost[0].length;
        double[] u = new double[r + 1], v = new double[c + 1], minv = new double[c + 1];
        int[] owner = new int[c + 1], way = new int[c + 1];
        boolean[] used = new boolean[c + 1];
        for (int i = 1; i <= r; i++) {
            owner[0] = i;
            int j0 = 0;
            Arrays.fill(minv, Double.POSITIVE_INFINITY);
            Arrays.fill(used, false);
            do {
                used[j0] = true;
                int i0 = owner[j0], j1 = 0;
                double delta = Double.POSITIVE_INFINITY;
                for (int j = 1; j <= c; j++) {
                    if (used[j]) continue;
                    double cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
                    if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
                    if (minv[j] < delta) { delta = minv[j]; j1 = j; }
                }
                for (int j = 0; j <= c; j++) {
                    if (used[j]) { u[owner[j]] += delta; v[j] -= delta; } else minv[j] -= delta;
                }
                j0 = j1;
            } while (owner[j0] != 0);
            do {
                int j1 = way[j0];
                owner[j0] = owner[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        int[] assignment = new int[r];
        for (int j = 1; j <= c; j++) if (owner[j] != 0) assignment[owner[j] - 1] = j - 1;
        return assignment;
    }
}
