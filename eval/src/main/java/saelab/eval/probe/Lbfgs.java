package saelab.eval.probe;

/**
 * Limited-memory BFGS for a smooth convex objective in float64: the two-loop recursion over the
 * last {@code memory} (s, y) pairs, a backtracking line search with the Armijo condition, and a
 * pair skipped when its curvature s·y is not positive (so the implicit Hessian stays positive
 * definite). Stops when max|gradient| ≤ {@code gradientTolerance}, after {@code maxIterations},
 * or when a line search cannot decrease the objective any more (the rounding floor).
 */
final class Lbfgs {
    private Lbfgs() {}

    /** f(x), writing ∇f(x) into {@code gradient}. */
    interface Objective {
        double valueAndGradient(double[] x, double[] gradient);
    }

    /** Where it stopped: the point, its value and gradient's max-norm, iterations, whether the tolerance was met. */
    record Outcome(double[] x, double value, double gradientMaxNorm, int iterations, boolean converged) {}

    static Outcome minimize(Objective f, double[] start, int memory, double gradientTolerance, int maxIterations) {
        int n = start.length;
        double[] x = start.clone(), g = new double[n];
        double fx = f.valueAndGradient(x, g);
        double[][] s = new double[memory][], y = new double[memory][];
        double[] rho = new double[memory], alpha = new double[memory];
        int stored = 0, newest = -1;
        double[] xNew = new double[n], gNew = new double[n], dir = new double[n];
        int it = 0;
        while (maxNorm(g) > gradientTolerance && it < maxIterations) {
            it++;
            // Two-loop recursion: dir = −H·g with H the L-BFGS inverse-Hessian estimate.
            for (int i = 0; i < n; i++) dir[i] = -g[i];
            for (int j = 0; j < stored; j++) {
                int idx = Math.floorMod(newest - j, memory);
                alpha[idx] = rho[idx] * dot(s[idx], dir);
                axpy(-alpha[idx], y[idx], dir);
            }
            double gamma = stored == 0 ? 1 / Math.max(1, Math.sqrt(dot(g, g))) : dot(s[newest], y[newest]) / dot(y[newest], y[newest]);
            for (int i = 0; i < n; i++) dir[i] *= gamma;
            for (int j = stored - 1; j >= 0; j--) {
                int idx = Math.floorMod(newest - j, memory);
                double beta = rho[idx] * dot(y[idx], dir);
                axpy(alpha[idx] - beta, s[idx], dir);
            }
            double slope = dot(g, dir);
            if (slope >= 0) { // not a descent direction (rounding): restart from steepest descent
                for (int i = 0; i < n; i++) dir[i] = -g[i] / Math.max(1, Math.sqrt(dot(g, g)));
                slope = dot(g, dir);
                stored = 0;
            }
            double step = 1, fNew = Double.NaN;
            boolean accepted = false;
            for (int tries = 0; tries < 60; tries++) {
                for (int i = 0; i < n; i++) xNew[i] = x[i] + step * dir[i];
                fNew = f.valueAndGradient(xNew, gNew);
                if (fNew <= fx + 1e-4 * step * slope) { accepted = true; break; }
                step *= 0.5;
            }
            if (!accepted || fNew >= fx && maxNorm(gNew) >= maxNorm(g)) {
                return new Outcome(x, fx, maxNorm(g), it, maxNorm(g) <= gradientTolerance);
            }
            double[] sNew = new double[n], yNew = new double[n];
            for (int i = 0; i < n; i++) { sNew[i] = xNew[i] - x[i]; yNew[i] = gNew[i] - g[i]; }
            double sy = dot(sNew, yNew);
            if (sy > 1e-300) {
                newest = (newest + 1) % memory;
                s[newest] = sNew;
                y[newest] = yNew;
                rho[newest] = 1 / sy;
                stored = Math.min(stored + 1, memory);
            }
            System.arraycopy(xNew, 0, x, 0, n);
            System.arraycopy(gNew, 0, g, 0, n);
            fx = fNew;
        }
        return new Outcome(x, fx, maxNorm(g), it, maxNorm(g) <= gradientTolerance);
    }

    static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) y[i] += a * x[i];
    }

    static double maxNorm(double[] v) {
        double m = 0;
        for (double e : v) m = Math.max(m, Math.abs(e));
        return m;
    }
}
