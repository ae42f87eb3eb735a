package saelab.tensor;

import java.util.SplittableRandom;

/**
 * Checks an op's float32 autograd gradient against central finite differences of its float64
 * twin. The scalar probed is L(x) = Σ w ⊙ op(x) with fixed random weights w ∈ [-1, 1): random
 * weights make every output element matter with a different coefficient, so a gradient routed
 * to the wrong element, or summed where it should not be, changes dL/dx.
 *
 * <p>Both sides are evaluated at the SAME point: the float32 inputs, widened exactly to double.
 *
 * <p>Tolerance: |autograd − fd| ≤ TOL·(1 + |fd|), TOL = 2e-5; the forward values get the same
 * test against the twin. Why this size:
 * <ul>
 *   <li>The finite difference is essentially exact. With h = 1e-4 in float64 the central
 *       difference's truncation error is h²/6·|L'''| ≈ 2e-9·|L'''| (|L'''| stays below ~50 on
 *       the input ranges used: log/sqrt/div see inputs ≥ 0.5, exp inputs ≤ ~4), and its rounding
 *       error is ≈ ε64·|L|/h ≈ 1e-12·|L|; both far below 1e-7.</li>
 *   <li>The float32 gradient is not. Each element comes from at most ~40 products and sums
 *       (the longest inner dimension or row here) of terms of magnitude ≲ 20, each rounded
 *       with relative error ε32 ≈ 6e-8, plus the rounding of the forward values the rules
 *       reuse. Measured over the whole suite (GRADCHECK_REPORT, see below): worst gradient
 *       ratio 5.4e-7, worst forward ratio 8.3e-7. TOL leaves ~25× headroom for a GEMM or
 *       elementwise kernel that sums in another order or with FMA.</li>
 *   <li>The real bugs this must catch (wrong sign, factor 2, wrong or missing broadcast
 *       reduction, gradient to the wrong index, wrong kink side, a wrong constant in gelu)
 *       give errors of the size of the gradient itself, ≳ 1e-3 for weights in [-1, 1): far
 *       above TOL.</li>
 * </ul>
 */
final class GradCheck {
    private GradCheck() {}

    static final double H = 1e-4;
    static final double TOL = 2e-5;

    /** The op under test in float32, on leaves that require grad. */
    interface Op32 { Tensor apply(Tensor[] x); }

    /** Its float64 twin on the same inputs (row-major arrays). */
    interface Op64 { double[] apply(double[][] x); }

    /** Largest |autograd − fd| / (1 + |fd|), and forward |y32 − y64| / (1 + |y64|), seen in this JVM. */
    static double worstRatio, worstForward;

    static {
        // GRADCHECK_REPORT=file ./run-tests ... writes the worst ratio seen to that file at JVM exit:
        // how the margin below TOL was measured.
        String report = System.getenv("GRADCHECK_REPORT");
        if (report != null) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    java.nio.file.Files.writeString(java.nio.file.Path.of(report), String.format(
                            "worst gradient |autograd - fd|/(1+|fd|) = %.3e, forward |y32 - y64|/(1+|y64|) = %.3e (TOL %.1e)%n",
                            worstRatio, worstForward, TOL));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
    }

    /** As below, for an op whose twin is not constant around the inputs: every input must get a non-zero difference. */
    static void check(String name, long weightSeed, Tensor[] inputs, Op32 op32, Op64 op64) {
        check(name, weightSeed, false, inputs, op32, op64);
    }

    /**
     * The check itself. {@code flat} says the twin is constant around the inputs by construction
     * (a softmax over one column, relu of negative inputs only, topk with k = 0): then every
     * finite difference must be exactly 0, and the autograd gradient is held to that. Otherwise
     * each input must see at least one non-zero difference, so an example in which the gradient
     * under test never reached the probe fails instead of passing vacuously.
     */
    static void check(String name, long weightSeed, boolean flat, Tensor[] inputs, Op32 op32, Op64 op64) {
        Tensor[] leaves = new Tensor[inputs.length];
        double[][] x64 = new double[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            leaves[i] = Tensor.of(inputs[i].toArray(), inputs[i].shape()).setRequiresGrad(true);
            x64[i] = widen(inputs[i].toArray());
        }
        Tensor y = op32.apply(leaves);
        double[] y64 = op64.apply(x64);
        if (y64.length != y.numel()) {
            throw new AssertionError(name + ": twin gives " + y64.length + " outputs, op gives shape " + Shape.str(y.shape()));
        }
        float[] y32 = y.toArray();
        for (int e = 0; e < y64.length; e++) {
            double forward = Math.abs(y32[e] - y64[e]) / (1 + Math.abs(y64[e]));
            worstForward = Math.max(worstForward, forward);
            if (!(forward <= TOL)) {
                throw new AssertionError(String.format("%s forward: output %d of %s is %s, float64 twin says %s (tol %.1e)%s",
                        name, e, Shape.str(y.shape()), y32[e], y64[e], TOL, describe(inputs)));
            }
        }

        float[] w = new float[y.numel()];
        SplittableRandom rng = new SplittableRandom(weightSeed);
        for (int e = 0; e < w.length; e++) w[e] = (float) (2 * rng.nextDouble() - 1);
        double[] w64 = widen(w);
        y.mul(Tensor.of(w, y.shape())).sum().backward();

        for (int i = 0; i < inputs.length; i++) {
            float[] grad = leaves[i].gradData() == null ? new float[inputs[i].numel()] : leaves[i].gradData();
            double largestFd = 0;
            for (int e = 0; e < x64[i].length; e++) {
                double keep = x64[i][e];
                x64[i][e] = keep + H;
                double plus = dot(w64, op64.apply(x64));
                x64[i][e] = keep - H;
                double minus = dot(w64, op64.apply(x64));
                x64[i][e] = keep;
                double fd = (plus - minus) / (2 * H);
                largestFd = Math.max(largestFd, Math.abs(fd));
                double ratio = Math.abs(grad[e] - fd) / (1 + Math.abs(fd));
                worstRatio = Math.max(worstRatio, ratio);
                if (!(ratio <= TOL)) {
                    throw new AssertionError(String.format(
                            "%s: dL/dx%d[%d] autograd %.7g vs float64 central difference %.7g (|diff|/(1+|fd|) = %.2e > %.1e)%s",
                            name, i, e, grad[e], fd, ratio, TOL, describe(inputs)));
                }
            }
            if (flat && largestFd != 0) {
                throw new AssertionError(String.format("%s: the twin should be constant here, but a finite difference w.r.t. input %d is %.3g%s",
                        name, i, largestFd, describe(inputs)));
            }
            if (!flat && largestFd == 0) {
                throw new AssertionError(String.format("%s: nothing exercised, every finite difference w.r.t. input %d is 0%s",
                        name, i, describe(inputs)));
            }
        }
    }

    private static String describe(Tensor[] inputs) {
        StringBuilder sb = new StringBuilder("; inputs:");
        for (Tensor t : inputs) sb.append("\n  ").append(t);
        return sb.toString();
    }

    static double[] widen(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
