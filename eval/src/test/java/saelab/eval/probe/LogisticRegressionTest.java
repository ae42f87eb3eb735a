package saelab.eval.probe;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LogisticRegressionTest {

    @Test
    void separableDataIsFitPerfectly() {
        // Two clusters 4 apart along x0 with unit noise: separable with a wide margin after dropping overlaps.
        SplittableRandom r = new SplittableRandom(1);
        int n = 200, d = 3;
        float[] x = new float[n * d];
        boolean[] y = new boolean[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2 == 0;
            x[i * d] = (float) ((y[i] ? 2 : -2) + Math.max(-1.5, Math.min(1.5, r.nextGaussian())));
            for (int j = 1; j < d; j++) x[i * d + j] = (float) r.nextGaussian();
        }
        LogisticRegression lr = LogisticRegression.fit(x, n, d, y, 1e-3);
        assertEquals(1.0, lr.accuracy(x, n, d, y));
        assertTrue(lr.weights()[0] > 0, "the separating feature gets a positive weight");
    }

    @Test
    void gradientVanishesAtTheOptimum() {
        SplittableRandom r = new SplittableRandom(2);
        int n = 300, d = 6;
        float[] x = new float[n * d];
        boolean[] y = new boolean[n];
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            double z = 0.3;
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) (3 * r.nextGaussian());
                z += (j - 2.5) * 0.2 * x[i * d + j];
            }
            y[i] = r.nextDouble() < LogisticRegression.sigmoid(z); // labels drawn from the model: not separable
            s[i] = 0.5 + r.nextDouble();
        }
        double l2 = 0.7;
        LogisticRegression lr = LogisticRegression.fit(x, n, d, y, s, l2, 1e-10, 2000);
        assertTrue(lr.converged());
        double[] p = new double[d + 1], g = new double[d + 1];
        System.arraycopy(lr.weights(), 0, p, 0, d);
        p[d] = lr.bias();
        LogisticRegression.objective(x, n, d, y, s, l2, p, g);
        // The stop bar is 1e-10·Σs·max|x| (≈ 1e-10·300·12 ≈ 4e-7); the gradient is a sum of 300
        // terms of size ≤ 12 whose rounding is ~1e-13, far below it: 1e-6 holds with margin.
        assertTrue(Lbfgs.maxNorm(g) < 1e-6, "max |grad| = " + Lbfgs.maxNorm(g));
        // And it is a minimum: moving any coordinate by ±1e-3 raises F.
        double f0 = LogisticRegression.objective(x, n, d, y, s, l2, p, g);
        for (int j = 0; j <= d; j++) {
            for (double h : new double[] {-1e-3, 1e-3}) {
                double[] q = p.clone();
                q[j] += h;
                assertTrue(LogisticRegression.objective(x, n, d, y, s, l2, q, new double[d + 1]) > f0);
            }
        }
    }

    @Test
    void oneBinaryFeatureMatchesTheClosedForm() {
        // Unregularised MLE with one 0/1 feature: b = logit(p0), w = logit(p1) − logit(p0),
        // where p0 (p1) is the positive fraction among x = 0 (x = 1). 10/30 and 15/20 here.
        int n0 = 30, pos0 = 10, n1 = 20, pos1 = 15, n = n0 + n1;
        float[] x = new float[n];
        boolean[] y = new boolean[n];
        for (int i = 0; i < n; i++) {
            boolean one = i >= n0;
            x[i] = one ? 1 : 0;
            y[i] = one ? i - n0 < pos1 : i < pos0;
        }
        LogisticRegression lr = LogisticRegression.fit(x, n, 1, y, 0.0);
        double b = Math.log(10.0 / 20), w = Math.log(15.0 / 5) - b;
        // Stop bar 1e-9·50; the Hessian's smallest eigenvalue is ≈ 1, so parameters are within ~1e-7.
        assertEquals(b, lr.bias(), 1e-6);
        assertEquals(w, lr.weights()[0], 1e-6);
    }

    @Test
    void agreesWithAnIndependentNewtonFit() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 80, d = 2;
        float[] x = new float[n * d];
        boolean[] y = new boolean[n];
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            x[i * d] = (float) r.nextGaussian();
            x[i * d + 1] = (float) (2 * r.nextGaussian());
            y[i] = r.nextDouble() < LogisticRegression.sigmoid(1.5 * x[i * d] - 0.5 * x[i * d + 1] + 0.2);
            s[i] = i % 3 == 0 ? 2 : 1;
        }
        double l2 = 0.5;
        double[] newton = newton(x, n, y, s, l2);
        LogisticRegression lr = LogisticRegression.fit(x, n, d, y, s, l2, 1e-12, 1000);
        // Newton converges quadratically to ~1e-15; L-BFGS stops at |grad| ≤ 1e-12·Σs·max|x| ≈ 1e-9,
        // and the Hessian's eigenvalues are ≥ l2 = 0.5, so the parameters agree within ~2e-9.
        assertEquals(newton[0], lr.weights()[0], 1e-7);
        assertEquals(newton[1], lr.weights()[1], 1e-7);
        assertEquals(newton[2], lr.bias(), 1e-7);
    }

    /** Newton's method on the same objective, d = 2: 3 × 3 Hessian solved by Cramer's rule. */
    private static double[] newton(float[] x, int n, boolean[] y, double[] s, double l2) {
        double[] p = new double[3];
        for (int it = 0; it < 50; it++) {
            double[] g = new double[3];
            double[][] h = new double[3][3];
            for (int i = 0; i < n; i++) {
                double[] f = {x[2 * i], x[2 * i + 1], 1};
                double z = p[0] * f[0] + p[1] * f[1] + p[2];
                double sig = 1 / (1 + Math.exp(-z));
                for (int a = 0; a < 3; a++) {
                    g[a] += s[i] * (sig - (y[i] ? 1 : 0)) * f[a];
                    for (int c = 0; c < 3; c++) h[a][c] += s[i] * sig * (1 - sig) * f[a] * f[c];
                }
            }
            for (int a = 0; a < 2; a++) { g[a] += l2 * p[a]; h[a][a] += l2; }
            double det = det(h);
            for (int a = 0; a < 3; a++) {
                double[][] m = {h[0].clone(), h[1].clone(), h[2].clone()};
                for (int row = 0; row < 3; row++) m[row][a] = g[row];
                p[a] -= det(m) / det;
            }
        }
        return p;
    }

    private static double det(double[][] m) {
        return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    }

    @Test
    void balancedWeightsGiveEachClassHalfTheTotal() {
        boolean[] y = {true, false, false, false};
        double[] s = LogisticRegression.balancedWeights(y);
        assertEquals(2.0, s[0], 0); // 4 / (2·1)
        assertEquals(4.0 / 6, s[1], 1e-15);
        assertThrows(IllegalArgumentException.class, () -> LogisticRegression.balancedWeights(new boolean[] {true, true}));
    }
}
