package saelab.tensor;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Float64 twins of the ops: the oracle the gradient checks differentiate numerically. Written
 * from the math with plain double loops, independently of saelab.tensor's code (they share no
 * helpers), so a bug in an op cannot hide by being copied into its oracle. Matrices are
 * row-major double[] with their dimensions passed alongside.
 */
final class F64 {
    private F64() {}

    // ---------------------------------------------------------------- elementwise

    interface Fn { double at(double x); }

    static double[] map(double[] x, Fn f) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = f.at(x[i]);
        return y;
    }

    static double relu(double x) { return Math.max(x, 0); }
    static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }
    static double clamp(double x, double lo, double hi) { return Math.min(Math.max(x, lo), hi); }

    interface Fn2 { double at(double a, double b); }

    /** Broadcast a [ra,ca] against b [rb,cb] (sizes equal or 1 per axis) to [max, max]. */
    static double[] broadcast(double[] a, int ra, int ca, double[] b, int rb, int cb, Fn2 f) {
        int r = Math.max(ra, rb), c = Math.max(ca, cb);
        double[] y = new double[r * c];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                double av = a[(ra == 1 ? 0 : i) * ca + (ca == 1 ? 0 : j)];
                double bv = b[(rb == 1 ? 0 : i) * cb + (cb == 1 ? 0 : j)];
                y[i * c + j] = f.at(av, bv);
            }
        }
        return y;
    }

    // ---------------------------------------------------------------- linear algebra and layout

    /** op(A)·op(B) from stored A [ar,ac], B [br,bc]. */
    static double[] matmul(double[] a, int ar, int ac, double[] b, int br, int bc, boolean tA, boolean tB) {
        int m = tA ? ac : ar, k = tA ? ar : ac, n = tB ? br : bc;
        double[] y = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = tA ? a[p * ac + i] : a[i * ac + p];
                    double bv = tB ? b[j * bc + p] : b[p * bc + j];
                    s += av * bv;
                }
                y[i * n + j] = s;
            }
        }
        return y;
    }

    static double[] transpose(double[] x, int r, int c) {
        double[] y = new double[r * c];
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) y[j * r + i] = x[i * c + j];
        return y;
    }

    static double[] sliceRows(double[] x, int c, int from, int to) {
        return Arrays.copyOfRange(x, from * c, to * c);
    }

    static double[] gatherRows(double[] table, int d, int[] ids) {
        double[] y = new double[ids.length * d];
        for (int i = 0; i < ids.length; i++) System.arraycopy(table, ids[i] * d, y, i * d, d);
        return y;
    }

    // ---------------------------------------------------------------- reductions

    static double sumAll(double[] x) {
        double s = 0;
        for (double v : x) s += v;
        return s;
    }

    /** Column sums (axis 0, length c) or row sums (axis 1, length r). */
    static double[] sum(double[] x, int r, int c, int axis) {
        double[] y = new double[axis == 0 ? c : r];
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) y[axis == 0 ? j : i] += x[i * c + j];
        return y;
    }

    static double[] softmax(double[] x, int r, int c) {
        double[] y = new double[r * c];
        for (int i = 0; i < r; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) max = Math.max(max, x[i * c + j]);
            double s = 0;
            for (int j = 0; j < c; j++) s += Math.exp(x[i * c + j] - max);
            for (int j = 0; j < c; j++) y[i * c + j] = Math.exp(x[i * c + j] - max) / s;
        }
        return y;
    }

    static double[] logSoftmax(double[] x, int r, int c) {
        return map(softmax(x, r, c), Math::log);
    }

    // ---------------------------------------------------------------- selection

    /** Per row, the columns of the k largest values, ordered by value descending then column ascending. */
    static int[] topkColumns(double[] row, int k) {
        return IntStream.range(0, row.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(j -> -row[j]).thenComparingInt(j -> j))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    /** Dense TopK: kept entries keep their value, the rest are 0. */
    static double[] topk(double[] x, int r, int c, int k) {
        double[] y = new double[r * c];
        for (int i = 0; i < r; i++) {
            double[] row = Arrays.copyOfRange(x, i * c, (i + 1) * c);
            for (int j : topkColumns(row, k)) y[i * c + j] = row[j];
        }
        return y;
    }
}
