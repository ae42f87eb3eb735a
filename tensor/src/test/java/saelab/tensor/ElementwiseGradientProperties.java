package saelab.tensor;

import static saelab.tensor.Props.ints;
import static saelab.tensor.Props.qt;
import static saelab.tensor.Props.seeds;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Autograd gradients of the elementwise ops equal float64 central differences (see
 * {@link GradCheck} for the tolerance). Shapes run from 1 to odd sizes past the vector widths
 * (8, 16) so remainder loops of future vector kernels are covered; inputs stay away from kinks
 * and inside each op's domain. Seeds are fixed so a failure replays.
 */
class ElementwiseGradientProperties {
    private static final float[] ZERO = {0f};

    /** Rows 1..9 and columns 1..35: 1, odd, and past one and two vector lengths without being a multiple. */
    private static Gen<Integer> rows() { return ints(1, 9); }
    private static Gen<Integer> cols() { return ints(1, 35); }

    @Test
    void relu() {
        qt(1101, 100).forAll(rows(), cols(), seeds()).checkAssert((r, c, seed) -> {
            Tensor x = Inputs.normalAwayFrom(seed, ZERO, r, c);
            // All inputs negative (likely at 1×1): relu is flat there and the gradient must be 0.
            unary("relu", seed, allBelow(x, 0f), x, Tensor::relu, F64::relu);
        });
    }

    @Test
    void abs() {
        qt(1102, 100).forAll(rows(), cols(), seeds()).checkAssert((r, c, seed) ->
                unary("abs", seed, false, Inputs.normalAwayFrom(seed, ZERO, r, c), Tensor::abs, Math::abs));
    }

    @Test
    void square() {
        qt(1103, 100).forAll(rows(), cols(), seeds()).checkAssert((r, c, seed) ->
                unary("square", seed, false, Inputs.normal(seed, r, c), Tensor::square, x -> x * x));
    }

    @Test
    void sqrt() {
        qt(1104, 100).forAll(rows(), cols(), seeds()).checkAssert((r, c, seed) ->
                unary("sqrt", seed, false, Inputs.uniform(seed, 0.5f, 3f, r, c), Tensor::sqrt, Math::sqrt));
    }

    @Test
    void exp() {
        qt(1105, 100).forAll(rows(), cols(), seeds()).checkAssert((r, c, seed) ->
                unary("exp", seed, false, Inputs.normal(seed, r, c), Tensor::exp, Math::exp));
    }

    @Test
    void log() {
        qt(1106, 100).forAll(rows(), cols(), seeds()).checkAssert((r, c, seed) ->
                unary("log", seed, false, Inputs.uniform(seed, 0.5f, 3f, r, c), Tensor::log, Math::log));
    }

    @Test
    void tanh() {
        qt(1107, 100).forAll(rows(), cols(), seeds()).checkAssert((r, c, seed) ->
                unary("tanh", seed, false, Inputs.normal(seed, r, c), Tensor::tanh, Math::tanh));
    }

    @Test
    void gelu() {
        qt(1108, 100).forAll(rows(), cols(), seeds()).checkAssert((r, c, seed) ->
                unary("gelu", seed, false, Inputs.normal(seed, r, c), Tensor::gelu, F64::gelu));
    }

    @Test
    void clamp() {
        float lo = -0.5f, hi = 0.7f;
        qt(1109, 100).forAll(rows(), cols(), seeds()).checkAssert((r, c, seed) -> {
            Tensor x = Inputs.normalAwayFrom(seed, new float[] {lo, hi}, r, c);
            // Flat when no input lies inside (lo, hi).
            boolean flat = true;
            for (float v : x.toArray()) flat &= v < lo || v > hi;
            unary("clamp", seed, flat, x, t -> t.clamp(lo, hi), v -> F64.clamp(v, lo, hi));
        });
    }

    @Test
    void scalarConveniences() {
        // ((x + 1.5)·(-2) − 0.25) / 4, negated: covers add/sub/mul/div by a float and neg.
        qt(1110, 100).forAll(rows(), cols(), seeds()).checkAssert((r, c, seed) ->
                unary("scalar ops", seed, false, Inputs.normal(seed, r, c),
                        t -> t.add(1.5f).mul(-2f).sub(0.25f).div(4f).neg(),
                        v -> -(((v + 1.5) * -2 - 0.25) / 4)));
    }

    @Test
    void vectorInput() {
        // Rank-1 tensors go through the same elementwise path.
        qt(1111, 60).forAll(ints(1, 40), seeds()).checkAssert((n, seed) ->
                unary("tanh of a vector", seed, false, Inputs.normal(seed, n), Tensor::tanh, Math::tanh));
    }

    interface TensorFn { Tensor apply(Tensor x); }

    private static boolean allBelow(Tensor x, float bound) {
        for (float v : x.toArray()) if (!(v < bound)) return false;
        return true;
    }

    private static void unary(String name, long seed, boolean flat, Tensor x, TensorFn op, F64.Fn twin) {
        GradCheck.check(name, seed ^ 0x5DEECE66DL, flat, new Tensor[] {x}, t -> op.apply(t[0]), d -> F64.map(d[0], twin));
    }
}
