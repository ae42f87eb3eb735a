package saelab.train.sae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import saelab.tensor.Tensor;

/**
 * What the JumpReLU and Gated gradient properties share: drawing Gaussian values, widening
 * float32 parameters to float64, and comparing autograd's float32 gradients with central
 * differences of a float64 twin.
 *
 * <p>The bound (derived in the properties' class comments): where the twin is at most quadratic
 * in each parameter (masks frozen by the cases' margins), central differences are exact up to
 * rounding, ~1e-16·|L|/ε ≈ 1e-10·|L|; a float32 gradient entry that sums at most {@code terms}
 * products carries at most terms·u·S of error, u = 2⁻²⁴, S the sum of the magnitudes of those
 * products, taken as max(floor, the tensor's largest finite difference) since S is not
 * observable. Asserted within 4·terms·u·S + 1e-9·(1 + |L|).
 */
final class SaeFiniteDifferences {
    private SaeFiniteDifferences() {}

    static final double U = 0x1p-24;
    static final double EPS = 1e-6;

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

    static double[][] f64(List<Tensor> ts) {
        return ts.stream().map(t -> f64(t.toArray())).toArray(double[][]::new);
    }

    /**
     * For every tensor i with {@code check[i]}: autograd's gradient equals the central
     * difference of {@code f} at {@code w} within the bound above; for the others autograd must
     * hold no gradient (null or all zero). Returns the largest finite difference seen.
     */
    static double assertGradients(List<Tensor> tensors, List<String> names, double[][] w, ToDoubleFunction<double[][]> f,
                                  int terms, double floor, boolean[] check, String what) {
        double value = f.applyAsDouble(w), largest = 0;
        for (int which = 0; which < tensors.size(); which++) {
            float[] g = tensors.get(which).gradData();
            String name = names.get(which);
            if (!check[which]) {
                if (g != null) for (int i = 0; i < g.length; i++) assertEquals(0f, g[i], what + ": " + name + " gets a gradient it should not, at " + i);
                continue;
            }
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
            double tol = 4 * terms * U * Math.max(floor, scale) + 1e-9 * (1 + Math.abs(value));
            for (int i = 0; i < fd.length; i++) {
                double got = g == null ? 0 : g[i];
                int ii = i;
                assertTrue(Math.abs(got - fd[i]) <= tol, () -> what + ": " + name + "[" + ii + "] autograd " + got + " vs finite differences "
                        + fd[ii] + " (tolerance " + tol + ")");
            }
        }
        return largest;
    }
}
