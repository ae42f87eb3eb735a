package saelab.eval.probe;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The L1 probe against its optimality conditions, recomputed here in float64 from the data (not
 * from the solver's own gradient code), and against the L2 fit ({@link LogisticRegression}) when
 * the L1 term is off.
 */
class L1LogisticRegressionTest {
    static final int N = 240, M = 14;

    /** Sparse rows (about half the entries 0), labels from a noisy logistic model on latents 0, 1, 2; pos_weight-style sample weights. */
    record Case(float[] dense, SparseRows x, int[] rows, boolean[] y, double[] s) {}

    static Case sample(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] dense = new float[N * M];
        SparseRows.Builder b = new SparseRows.Builder(M);
        boolean[] y = new boolean[N];
        int pos = 0;
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < M; j++) dense[i * M + j] = r.nextDouble() < 0.5 ? 0 : (float) (3 * r.nextDouble());
            double z = 1.5 * dense[i * M] - 1.0 * dense[i * M + 1] + 0.7 * dense[i * M + 2] - 1.2;
            y[i] = r.nextDouble() < 1 / (1 + Math.exp(-z)); // noisy: not separable
            if (y[i]) pos++;
            b.add(dense, i * M);
        }
        double[] s = new double[N];
        for (int i = 0; i < N; i++) s[i] = y[i] ? (double) (N - pos) / pos : 1;
        int[] rows = new int[N];
        for (int i = 0; i < N; i++) rows[i] = i;
        return new Case(dense, b.build(), rows, y, s);
    }

    /** ∇ of the smooth part (loss + λ2/2‖w‖²) at (w, b), bias component last, straight from the definition. */
    static double[] gradient(Case c, double[] w, double b, double l2) {
        double[] g = new double[M + 1];
        for (int i = 0; i < N; i++) {
            double z = b;
            for (int j = 0; j < M; j++) z += c.dense()[i * M + j] * w[j];
            double r = c.s()[i] * (1 / (1 + Math.exp(-z)) - (c.y()[i] ? 1 : 0));
            for (int j = 0; j < M; j++) g[j] += r * c.dense()[i * M + j];
            g[M] += r;
        }
        for (int j = 0; j < M; j++) g[j] += l2 * w[j];
        return g;
    }

    /** The KKT bar the solver stops at (tolerance · Σ s_i · max(1, max|x_ij|)), recomputed. */
    static double bar(Case c, double tolerance) {
        double scale = 0;
        for (int i = 0; i < N; i++) {
            double maxAbs = 1;
            for (int j = 0; j < M; j++) maxAbs = Math.max(maxAbs, Math.abs(c.dense()[i * M + j]));
            scale += c.s()[i] * maxAbs;
        }
        return tolerance * scale;
    }

    /** The smallest λ1 at which w = 0 is optimal: max_j |∂f/∂w_j| at w = 0 and the best bias, σ(b*) = Σ s·y / Σ s. */
    static double lambdaMax(Case c) {
        double sy = 0, sAll = 0;
        for (int i = 0; i < N; i++) { sAll += c.s()[i]; if (c.y()[i]) sy += c.s()[i]; }
        double p = sy / sAll, b = Math.log(p / (1 - p));
        double[] g = gradient(c, new double[M], b, 0);
        double max = 0;
        for (int j = 0; j < M; j++) max = Math.max(max, Math.abs(g[j]));
        return max;
    }

    @Test
    void aboveLambdaMaxEveryWeightIsZeroAndBelowItSomeAreNot() {
        Case c = sample(1);
        double lmax = lambdaMax(c);
        var above = L1LogisticRegression.fit(c.x(), c.rows(), c.y(), c.s(), 1.01 * lmax, 0, 1e-9, 5000);
        assertTrue(above.converged());
        assertEquals(0, above.nonZero(), "λ1 above λ_max = " + lmax);
        var huge = L1LogisticRegression.fit(c.x(), c.rows(), c.y(), c.s(), 1e6, 1e-3, 1e-9, 5000);
        assertEquals(0, huge.nonZero());
        // The optimal bias with w = 0 makes the weighted mean prediction the weighted positive rate.
        double sy = 0, sAll = 0;
        for (int i = 0; i < N; i++) { sAll += c.s()[i]; if (c.y()[i]) sy += c.s()[i]; }
        assertEquals(Math.log(sy / (sAll - sy)), above.bias(), 1e-6);
        var below = L1LogisticRegression.fit(c.x(), c.rows(), c.y(), c.s(), 0.9 * lmax, 0, 1e-9, 5000);
        assertTrue(below.nonZero() >= 1, "λ1 below λ_max keeps a weight");
    }

    @Test
    void withoutTheL1TermItIsTheL2Fit() {
        Case c = sample(2);
        double l2 = 1;
        var l1fit = L1LogisticRegression.fit(c.x(), c.rows(), c.y(), c.s(), 0, l2, 1e-11, 20000);
        var ref = LogisticRegression.fit(c.dense(), N, M, c.y(), c.s(), l2, LogisticRegression.DEFAULT_TOLERANCE, 5000);
        assertTrue(l1fit.converged(), "L1 fit: " + l1fit.iterations() + " iterations, KKT " + l1fit.kktViolation());
        assertTrue(ref.converged(), "L2 fit: " + ref.iterations() + " iterations");
        // F is λ2-strongly convex in w: ‖w − w*‖ ≤ ‖∇F‖₂/λ2 ≤ √(M+1)·max|∇F|/λ2. The L-BFGS reference stops at
        // max|∇F| ≤ 1e-9·scale (scale = Σ s_i·max|x_i| < 1e3 here; 1e-11 is below its rounding floor), so
        // it is within √15·1e-6 ≈ 4e-6 of the optimum; the L1 fit (1e-11) within 4e-8. The bias has the
        // larger curvature Σ s_i·σ(1−σ) (≈ 10²), so the same bound holds for it.
        for (int j = 0; j < M; j++) assertEquals(ref.weights()[j], l1fit.weights()[j], 1e-5, "w_" + j);
        assertEquals(ref.bias(), l1fit.bias(), 1e-5);
        assertEquals(M, l1fit.nonZero(), "no L1 term: no exact zeros");
    }

    @Test
    void optimalityConditionsHoldAtTheSolution() {
        Case c = sample(3);
        double lmax = lambdaMax(c), l1 = 0.2 * lmax, l2 = 1e-3, tolerance = 1e-9;
        var fit = L1LogisticRegression.fit(c.x(), c.rows(), c.y(), c.s(), l1, l2, tolerance, 20000);
        assertTrue(fit.converged(), "KKT violation " + fit.kktViolation());
        double[] g = gradient(c, fit.weights(), fit.bias(), l2);
        double bar = bar(c, tolerance);
        int zeros = 0;
        for (int j = 0; j < M; j++) {
            double w = fit.weights()[j];
            if (w == 0) {
                zeros++;
                assertTrue(Math.abs(g[j]) <= l1 + bar, "zero weight " + j + ": |grad| " + Math.abs(g[j]) + " > λ1 " + l1);
            } else {
                assertEquals(-l1 * Math.signum(w), g[j], bar, "non-zero weight " + j);
            }
        }
        assertEquals(0, g[M], bar, "bias gradient");
        assertTrue(zeros > 0 && zeros < M, zeros + " of " + M + " weights are 0: both conditions were exercised");
        // The planted latents 0 (positive) and 2 survive with their signs, as the model that drew the labels has them.
        assertTrue(fit.weights()[0] > 0, "w_0 = " + fit.weights()[0]);
        // decision() is x·w + b over the sparse row.
        double z = fit.bias();
        for (int j = 0; j < M; j++) z += c.dense()[5 * M + j] * fit.weights()[j];
        assertEquals(z, fit.decision(c.x(), 5), 1e-12 * (1 + Math.abs(z)));
    }

    @Test
    void badInputIsRefusedWithTheReason() {
        Case c = sample(4);
        var e = assertThrows(IllegalArgumentException.class,
                () -> L1LogisticRegression.fit(c.x(), c.rows(), new boolean[3], c.s(), 1, 0, 1e-6, 10));
        assertTrue(e.getMessage().contains("240"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> L1LogisticRegression.fit(c.x(), c.rows(), c.y(), c.s(), -1, 0, 1e-6, 10));
        assertTrue(e.getMessage().contains("l1 = -1"), e.getMessage());
    }
}
