package saelab.eval.probe;

/**
 * L2-regularised binary logistic regression, fitted in float64 by L-BFGS ({@link Lbfgs}). It
 * minimises
 * <pre>
 *   F(w, b) = Σ_i s_i · [log(1 + e^{z_i}) − y_i·z_i] + (λ/2)·‖w‖²,   z_i = x_i·w + b
 * </pre>
 * with sample weights s_i (1, or class-balanced by {@link #balancedWeights}) and the intercept b
 * not penalised: scikit-learn's {@code LogisticRegression(C = 1/λ)} objective, which SAEBench's
 * probes use ({@code C = 1}: λ = 1). F is strictly convex for λ > 0, so the minimum is unique and
 * any converged fit is it. With λ = 0 and separable data there is no minimum: the fit stops at
 * {@code maxIterations} with a large w that separates the data.
 *
 * <p>Data are float rows x [n × d] (row-major), read in double. Convergence: max|∇F| ≤ tolerance ·
 * max(1, Σ s_i · max|x_ij|), a scale-free bar (the gradient is a weighted sum of rows of x).
 * Multi-class problems are handled by the callers, one-vs-rest.
 *
 * @param weights    w [d]
 * @param bias       b
 * @param iterations L-BFGS iterations used
 * @param converged  whether the gradient bar was met
 */
public record LogisticRegression(double[] weights, double bias, int iterations, boolean converged) {

    public static final double DEFAULT_TOLERANCE = 1e-9;
    public static final int DEFAULT_MAX_ITERATIONS = 1000;

    /** Fits with unit sample weights, the default tolerance and iteration cap. */
    public static LogisticRegression fit(float[] x, int n, int d, boolean[] y, double l2) {
        double[] ones = new double[n];
        java.util.Arrays.fill(ones, 1);
        return fit(x, n, d, y, ones, l2, DEFAULT_TOLERANCE, DEFAULT_MAX_ITERATIONS);
    }

    public static LogisticRegression fit(float[] x, int n, int d, boolean[] y, double[] sampleWeights, double l2,
                                         double tolerance, int maxIterations) {
        if (x.length < (long) n * d) throw new IllegalArgumentException("x holds " + x.length + " values, n·d = " + (long) n * d);
        if (y.length != n || sampleWeights.length != n) throw new IllegalArgumentException("y and sample weights need n = " + n + " entries");
        if (l2 < 0) throw new IllegalArgumentException("l2 must be ≥ 0: " + l2);
        double scale = 0, maxAbs = 0;
        for (double s : sampleWeights) scale += s;
        for (int i = 0; i < n * d; i++) maxAbs = Math.max(maxAbs, Math.abs(x[i]));
        double bar = tolerance * Math.max(1, scale * maxAbs);
        Lbfgs.Outcome o = Lbfgs.minimize((p, g) -> objective(x, n, d, y, sampleWeights, l2, p, g),
                new double[d + 1], 10, bar, maxIterations);
        double[] w = java.util.Arrays.copyOf(o.x(), d);
        return new LogisticRegression(w, o.x()[d], o.iterations(), o.converged());
    }

    /**
     * F(w, b) at params = [w_0 … w_{d−1}, b], with ∇F written into gradient (same layout).
     */
    static double objective(float[] x, int n, int d, boolean[] y, double[] s, double l2, double[] params, double[] gradient) {
        java.util.Arrays.fill(gradient, 0);
        double f = 0, b = params[d];
        for (int i = 0; i < n; i++) {
            int row = i * d;
            double z = b;
            for (int j = 0; j < d; j++) z += x[row + j] * params[j];
            double label = y[i] ? 1 : 0;
            f += s[i] * logLoss(z, y[i]);
            double r = s[i] * (sigmoid(z) - label);
            if (r == 0) continue;
            for (int j = 0; j < d; j++) gradient[j] += r * x[row + j];
            gradient[d] += r;
        }
        for (int j = 0; j < d; j++) {
            f += 0.5 * l2 * params[j] * params[j];
            gradient[j] += l2 * params[j];
        }
        return f;
    }

    /**
     * log(1 + e^z) − y·z, the loss of one point at score z, evaluated as max(z, 0) + log1p(e^{−|z|})
     * − y·z so that no exponential overflows.
     */
    static double logLoss(double z, boolean y) {
        return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - (y ? z : 0);
    }

    static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    /** x_row·w + b: positive means class 1. */
    public double decision(float[] x, int row, int d) {
        double z = bias;
        for (int j = 0; j < d; j++) z += x[row * d + j] * weights[j];
        return z;
    }

    /** Fraction of rows whose predicted class (decision > 0) equals y. */
    public double accuracy(float[] x, int n, int d, boolean[] y) {
        int right = 0;
        for (int i = 0; i < n; i++) if ((decision(x, i, d) > 0) == y[i]) right++;
        return n == 0 ? Double.NaN : (double) right / n;
    }

    /**
     * PyTorch's {@code BCEWithLogitsLoss(pos_weight = n_neg/n_pos)} as sample weights, which
     * SAEBench's absorption probes use: s_i = n_neg/n_pos for a positive, 1 for a negative.
     */
    public static double[] positiveWeights(boolean[] y) {
        int pos = 0;
        for (boolean v : y) if (v) pos++;
        double[] s = new double[y.length];
        for (int i = 0; i < y.length; i++) s[i] = y[i] ? (double) (y.length - pos) / pos : 1;
        return s;
    }

    /**
     * scikit-learn's {@code class_weight="balanced"}: s_i = n / (2·n_{y_i}), so that each class
     * carries half the total weight.
     */
    public static double[] balancedWeights(boolean[] y) {
        int pos = 0;
        for (boolean v : y) if (v) pos++;
        int neg = y.length - pos;
        if (pos == 0 || neg == 0) throw new IllegalArgumentException("balanced weights need both classes: " + pos + " positive, " + neg + " negative");
        double[] s = new double[y.length];
        for (int i = 0; i < y.length; i++) s[i] = y[i] ? y.length / (2.0 * pos) : y.length / (2.0 * neg);
        return s;
    }
}
