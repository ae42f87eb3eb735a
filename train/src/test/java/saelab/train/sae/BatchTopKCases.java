package saelab.train.sae;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.quicktheories.core.Gen;

/**
 * Random small cases for the BatchTopK and Matryoshka properties, their float64 view, and the
 * gradient check against central differences.
 *
 * <p>Bound. With the batch selection, the auxiliary selection and every ReLU kink frozen (the
 * case's {@link BatchTopKTwin#margin} is at least 1e-3, while a perturbation of ε = 1e-6 moves a
 * pre-activation by at most ε·max(|x − b_dec|, |W_enc|, 1) &lt; 1e-5), the loss is at most quadratic
 * in any one parameter, so central differences of the float64 twin are exact up to rounding,
 * ~1e-16·|L|/ε = 1e-10·|L|. Autograd's float32 gradient entry is a chain of sums of at most n
 * products (the batch sum of a weight gradient, the d-sum or slot sum of the decoder's backward,
 * the prefix sum, a few element-wise ops), so its error is at most n·u·S, u = 2⁻²⁴, S the sum of
 * the terms' magnitudes, taken as max(1, the tensor's largest finite difference) (1: the size of
 * the inputs' products here; x ~ N(0, 1), W entries ~ N(0, 1/d)). Asserted within 4·n·u·S +
 * 1e-9·(1 + |L|). A missing, doubled or mis-signed term moves an entry by O(S/rows): far outside.
 */
final class BatchTopKCases {
    private BatchTopKCases() {}

    static final double U = 0x1p-24;
    static final double EPS = 1e-6;
    static final double MARGIN = 1e-3;

    /** Sizes: width d, latents m, k, rows. */
    record Shape(int d, int m, int k, int rows) {}

    /** Parameters, inputs and dead latents drawn from {@code seed}. */
    record Case(Shape shape, long seed, SaeParams params, float[] x, boolean[] dead, int kAux) {
        int d() { return shape.d(); }
        int m() { return shape.m(); }
        int k() { return shape.k(); }
        int rows() { return shape.rows(); }
        int deadCount() { int n = 0; for (boolean b : dead) if (b) n++; return n; }
        @Override public String toString() { return shape + ", seed " + seed + ", dead " + deadCount() + ", k_aux " + kAux; }
    }

    static Gen<Shape> shapes(int dMax, int mMin, int mMax, int kMax, int rowsMin, int rowsMax) {
        return integers().between(1, dMax).zip(integers().between(mMin, mMax), integers().between(1, kMax),
                integers().between(rowsMin, rowsMax), (d, m, k, rows) -> new Shape(d, m, Math.min(k, m), rows));
    }

    /**
     * W entries of std 1/√d, biases of std 0.3, x of std 1; with {@code withDead} each latent is dead
     * with probability 0.4 and k_aux is in [1, dead].
     */
    static Case makeCase(long seed, Shape s, boolean withDead) {
        SplittableRandom rng = new SplittableRandom(seed);
        int d = s.d(), m = s.m();
        float[] wEnc = gauss(rng, d * m, 1 / Math.sqrt(d)), bEnc = gauss(rng, m, 0.3);
        float[] wDec = gauss(rng, m * d, 1 / Math.sqrt(d)), bDec = gauss(rng, d, 0.3);
        float[] x = gauss(rng, s.rows() * d, 1);
        boolean[] dead = new boolean[m];
        int nDead = 0;
        if (withDead) for (int j = 0; j < m; j++) if (rng.nextDouble() < 0.4) { dead[j] = true; nDead++; }
        int kAux = nDead == 0 ? 1 : 1 + rng.nextInt(nDead);
        return new Case(s, seed, SaeParams.of(d, m, wEnc, bEnc, wDec, bDec), x, dead, kAux);
    }

    static float[] gauss(SplittableRandom rng, int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rng.nextGaussian() * std);
        return a;
    }

    static double[] f64(float[] a) {
        double[] o = new double[a.length];
        for (int i = 0; i < a.length; i++) o[i] = a[i];
        return o;
    }

    static double[][] f64(SaeParams ps) {
        return new double[][] {f64(ps.wEnc().toArray()), f64(ps.bEnc().toArray()), f64(ps.wDec().toArray()), f64(ps.bDec().toArray())};
    }

    /** Whether the case is {@link #MARGIN} away from every decision of its twin's loss. */
    static boolean awayFromTies(Case c, BatchTopKTwin twin) {
        double[][] w = f64(c.params());
        return twin.margin(twin.pre(w[0], w[1], w[3])) >= MARGIN;
    }

    /**
     * Autograd's gradient of every parameter against central differences of f, within the bound of
     * the class comment with n = {@code terms}. Returns the largest finite difference seen.
     */
    static double assertGradients(SaeParams ps, double[][] w, ToDoubleFunction<double[][]> f, int terms, String what) {
        double value = f.applyAsDouble(w), largest = 0;
        for (int which = 0; which < 4; which++) {
            float[] g = ps.list().get(which).gradData();
            String name = SaeParams.NAMES.get(which);
            double[] fd = new double[w[which].length];
            double scale = 0;
            for (int i = 0; i < fd.length; i++) {
                double keep = w[which][i];
                w[which][i] = keep + EPS;
                double up = f.applyAsDouble(w);
                w[which][i] = keep - EPS;
                double down = f.applyAsDouble(w);
                w[which][i] = keep;
                fd[i] = (up - down) / (2 * EPS);
                scale = Math.max(scale, Math.abs(fd[i]));
            }
            largest = Math.max(largest, scale);
            double tol = 4 * terms * U * Math.max(1, scale) + 1e-9 * (1 + Math.abs(value));
            for (int i = 0; i < fd.length; i++) {
                double got = g == null ? 0 : g[i];
                int ii = i;
                assertTrue(Math.abs(got - fd[i]) <= tol, () -> what + ": " + name + "[" + ii + "] autograd " + got
                        + " vs finite differences " + fd[ii] + " (tolerance " + tol + ")");
            }
        }
        return largest;
    }
}
