package saelab.eval;

import java.util.Arrays;

/**
 * Optimal one-to-one assignment of rows to columns (rows ≤ columns) of a float matrix held
 * row-major: used to match true features to learned latents so that no latent is credited for
 * two features. The matrix is read in place (a cosine matrix at SynthSAEBench-16k's size is
 * 1 GiB; no copy is made); the arithmetic is in double.
 *
 * <p>Shortest augmenting paths with dual potentials (Jonker–Volgenant in the form of Crouse,
 * "On implementing 2D rectangular assignment algorithms", 2016, which scipy's
 * {@code linear_sum_assignment} also follows). Each row starts one Dijkstra search over reduced
 * costs; the search scans only the columns it has not reached yet, and the potentials change
 * once per row, over the rows and columns the search reached, instead of over every column at
 * every step as the textbook O(r²·c) loop does. The worst case is still O(r²·c).
 */
public final class Hungarian {
    private Hungarian() {}

    /** assignment[i] = the column given to row i; minimises Σ_i cost[i·cols + assignment[i]]. */
    public static int[] minCost(float[] cost, int rows, int cols) {
        return solve(cost, rows, cols, 1, false);
    }

    /**
     * assignment[i] = the column given to row i; maximises Σ_i w[i·cols + assignment[i]], or
     * Σ_i |w[…]| when {@code absolute}.
     */
    public static int[] maxWeight(float[] w, int rows, int cols, boolean absolute) {
        return solve(w, rows, cols, -1, absolute);
    }

    /** Minimises Σ sign·(absolute ? |w| : w); sign is ±1, so the products are exact. */
    private static int[] solve(float[] w, int r, int c, double sign, boolean absolute) {
        if (r < 0 || c < 0 || w.length != (long) r * c) {
            throw new IllegalArgumentException("assignment matrix has " + w.length + " entries, expected rows × columns = " + r + " × " + c);
        }
        if (r > c) throw new IllegalArgumentException("need rows ≤ columns, got " + r + " × " + c + " (transpose the problem)");
        for (int at = 0; at < w.length; at++) {
            if (!Float.isFinite(w[at])) throw new IllegalArgumentException("assignment entry (" + at / c + ", " + at % c + ") is " + w[at] + "; entries must be finite");
        }
        double[] u = new double[r], v = new double[c], shortest = new double[c];
        int[] colOfRow = new int[r], rowOfCol = new int[c], path = new int[c], remaining = new int[c];
        int[] seenRows = new int[r], seenCols = new int[c];
        Arrays.fill(colOfRow, -1);
        Arrays.fill(rowOfCol, -1);
        for (int start = 0; start < r; start++) {
            Arrays.fill(shortest, Double.POSITIVE_INFINITY);
            for (int j = 0; j < c; j++) remaining[j] = j;
            int left = c, nRows = 0, nCols = 0, i = start, sink = -1;
            double reach = 0;   // length of the shortest path found so far
            while (sink < 0) {
                seenRows[nRows++] = i;
                int off = i * c;
                double ui = u[i], lowest = Double.POSITIVE_INFINITY;
                int at = -1;
                for (int it = 0; it < left; it++) {
                    int j = remaining[it];
                    double x = absolute ? Math.abs(w[off + j]) : w[off + j];
                    double d = reach + sign * x - ui - v[j];
                    if (d < shortest[j]) { shortest[j] = d; path[j] = i; }
                    double s = shortest[j];
                    // On a tie prefer a free column: the search ends there instead of going deeper.
                    if (s < lowest || (s == lowest && rowOfCol[j] < 0)) { lowest = s; at = it; }
                }
                reach = lowest;
                int j = remaining[at];
                seenCols[nCols++] = j;
                remaining[at] = remaining[--left];
                if (rowOfCol[j] < 0) sink = j; else i = rowOfCol[j];
            }
            // Potentials: only the rows and columns this search reached change.
            u[start] += reach;
            for (int a = 1; a < nRows; a++) { int row = seenRows[a]; u[row] += reach - shortest[colOfRow[row]]; }
            for (int a = 0; a < nCols; a++) { int col = seenCols[a]; v[col] -= reach - shortest[col]; }
            // Flip the path start → sink.
            for (int j = sink; ; ) {
                int row = path[j];
                rowOfCol[j] = row;
                int previous = colOfRow[row];
                colOfRow[row] = j;
                if (row == start) break;
                j = previous;
            }
        }
        return colOfRow;
    }
}
