package saelab.tensor.kernels;

/**
 * How close each row of a matrix comes to another row of its group, as one number with its
 * gradient: for the rows w_0 … w_{m−1} of an m×d matrix split into G groups C_0 … C_{G−1},
 * <pre>
 *   Q = (1/G) Σ_g (1/|C_g|) Σ_{i∈C_g} max_{j∈C_g, j≠i} cos²(w_i, w_j)
 * </pre>
 * Group g holds the rows {@code order[⌊g·m/G⌋ .. ⌊(g+1)·m/G⌋)}, so the sizes differ by at most
 * one; with G ≤ m/2 every group has two rows or more. Q ∈ [0, 1]; a zero row has cosine 0 with
 * everything and no gradient.
 *
 * <p>Gradient: max_j picks one partner j* (ties: the first in group order), so the term of row i is
 * c² with c = u_i·u_j*, u = w/‖w‖. Through the normalisation, d(c²)/dw_i = 2c (I − u_i u_iᵀ) u_j* / ‖w_i‖
 * and symmetrically for w_j*. The gradients with respect to the unit rows are summed first, and
 * each row is projected once.
 *
 * <p>Cost: per group one s×s Gram matrix of the unit rows (s = m/G) through {@link Gemm}, so
 * m²d/G multiply-adds in all; the rest is O(m·d + m²/G). Results do not depend on threads: the
 * Gram matrix is the GEMM's, and the sums run in a fixed order.
 */
public final class GroupedMaxCosine {
    private GroupedMaxCosine() {}

    /**
     * Q as defined above; when {@code gradW} is non-null, adds dQ/dW into it (m×d, row-major).
     *
     * @param order  a permutation of 0 … m−1; its consecutive runs are the groups
     * @param groups G, in [1, m/2]
     */
    public static double of(float[] w, int m, int d, int[] order, int groups, float[] gradW) {
        check(w, m, d, order, groups, gradW);
        double[] norm = new double[m];
        double total = 0;
        for (int g = 0; g < groups; g++) {
            int start = (int) ((long) g * m / groups), end = (int) ((long) (g + 1) * m / groups), s = end - start;
            // Unit rows of the group, contiguous, in float for the GEMM.
            float[] u = new float[s * d];
            for (int r = 0; r < s; r++) {
                int i = order[start + r];
                double sq = 0;
                for (int e = 0; e < d; e++) sq += (double) w[i * d + e] * w[i * d + e];
                norm[i] = Math.sqrt(sq);
                double inv = norm[i] > 0 ? 1 / norm[i] : 0;
                for (int e = 0; e < d; e++) u[r * d + e] = (float) (w[i * d + e] * inv);
            }
            float[] gram = new float[s * s];
            Gemm.sgemm(Gemm.Form.NT, s, s, d, u, 0, d, u, 0, d, gram, 0, s, false);
            double weight = 1.0 / ((double) groups * s), sum = 0;
            double[] gradU = gradW == null ? null : new double[s * d];
            for (int r = 0; r < s; r++) {
                int best = -1;
                float bestAbs = -1;
                for (int q = 0; q < s; q++) {
                    if (q == r) continue;
                    float a = Math.abs(gram[r * s + q]);
                    if (a > bestAbs) { bestAbs = a; best = q; }
                }
                double c = gram[r * s + best];
                sum += c * c;
                if (gradU != null && c != 0) {
                    double coef = 2 * c * weight;
                    for (int e = 0; e < d; e++) {
                        gradU[r * d + e] += coef * u[best * d + e];
                        gradU[best * d + e] += coef * u[r * d + e];
                    }
                }
            }
            total += weight * sum;
            if (gradU != null) {
                // dQ/dw = (I − u uᵀ) dQ/du / ‖w‖ for each row of the group.
                for (int r = 0; r < s; r++) {
                    int i = order[start + r];
                    if (norm[i] == 0) continue;
                    double along = 0;
                    for (int e = 0; e < d; e++) along += gradU[r * d + e] * u[r * d + e];
                    for (int e = 0; e < d; e++) {
                        gradW[i * d + e] += (float) ((gradU[r * d + e] - along * u[r * d + e]) / norm[i]);
                    }
                }
            }
        }
        return total;
    }

    /** Each bad argument named: sizes, the group count, and that {@code order} is a permutation. */
    private static void check(float[] w, int m, int d, int[] order, int groups, float[] gradW) {
        if (m < 2 || d < 1) throw new IllegalArgumentException("grouped cosine needs m ≥ 2 rows of d ≥ 1, got m = " + m + ", d = " + d);
        if (w.length < (long) m * d) throw new IllegalArgumentException("matrix has " + w.length + " floats, expected m·d = " + (long) m * d);
        if (gradW != null && gradW.length < (long) m * d) {
            throw new IllegalArgumentException("gradient has " + gradW.length + " floats, expected m·d = " + (long) m * d);
        }
        if (groups < 1 || groups > m / 2) {
            throw new IllegalArgumentException("groups must be in [1, m/2 = " + m / 2 + "] so that each has two rows, got " + groups);
        }
        if (order.length != m) throw new IllegalArgumentException("order has " + order.length + " entries, expected a permutation of m = " + m);
        boolean[] seen = new boolean[m];
        for (int p = 0; p < m; p++) {
            int i = order[p];
            if (i < 0 || i >= m || seen[i]) throw new IllegalArgumentException("order is not a permutation of 0 … " + (m - 1) + ": entry " + p + " is " + i);
            seen[i] = true;
        }
    }
}
