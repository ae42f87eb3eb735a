package saelab.tensor;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Autograd gradients of the elementwise ops equal float64 central differences (see
 * {@link GradCheck} for the tolerance). Shapes run from 1 to odd sizes past the vector widths
 * (8, 16) so remainder loops of future vector kernels are covered; inputs stay away from kinks
 * and inside each op's domain. Seeds are fixed so a failure replays.
 */
class ElementwiseGradientProperties {
    private static final float[] ZERO = {0f};

    @Property(tries = 100, seed = "1101")
    void relu(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 35) int c, @ForAll long seed) {
        unary("relu", seed, Inputs.normalAwayFrom(seed, ZERO, r, c), Tensor::relu, F64::relu);
    }

    @Property(tries = 100, seed = "1102")
    void abs(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 35) int c, @ForAll long seed) {
        unary("abs", seed, Inputs.normalAwayFrom(seed, ZERO, r, c), Tensor::abs, Math::abs);
    }

    @Property(tries = 100, seed = "1103")
    void square(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 35) int c, @ForAll long seed) {
        unary("square", seed, Inputs.normal(seed, r, c), Tensor::square, x -> x * x);
    }

    @Property(tries = 100, seed = "1104")
    void sqrt(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 35) int c, @ForAll long seed) {
        unary("sqrt", seed, Inputs.uniform(seed, 0.5f, 3f, r, c), Tensor::sqrt, Math::sqrt);
    }

    @Property(tries = 100, seed = "1105")
    void exp(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 35) int c, @ForAll long seed) {
        unary("exp", seed, Inputs.normal(seed, r, c), Tensor::exp, Math::exp);
    }

    @Property(tries = 100, seed = "1106")
    void log(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 35) int c, @ForAll long seed) {
        unary("log", seed, Inputs.uniform(seed, 0.5f, 3f, r, c), Tensor::log, Math::log);
    }

    @Property(tries = 100, seed = "1107")
    void tanh(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 35) int c, @ForAll long seed) {
        unary("tanh", seed, Inputs.normal(seed, r, c), Tensor::tanh, Math::tanh);
    }

    @Property(tries = 100, seed = "1108")
    void gelu(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 35) int c, @ForAll long seed) {
        unary("gelu", seed, Inputs.normal(seed, r, c), Tensor::gelu, F64::gelu);
    }

    @Property(tries = 100, seed = "1109")
    void clamp(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 35) int c, @ForAll long seed) {
        float lo = -0.5f, hi = 0.7f;
        Tensor x = Inputs.normalAwayFrom(seed, new float[] {lo, hi}, r, c);
        unary("clamp", seed, x, t -> t.clamp(lo, hi), v -> F64.clamp(v, lo, hi));
    }

    @Property(tries = 100, seed = "1110")
    void scalarConveniences(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 35) int c,
                            @ForAll long seed) {
        // ((x + 1.5)·(-2) − 0.25) / 4, negated: covers add/sub/mul/div by a float and neg.
        unary("scalar ops", seed, Inputs.normal(seed, r, c),
                t -> t.add(1.5f).mul(-2f).sub(0.25f).div(4f).neg(),
                v -> -(((v + 1.5) * -2 - 0.25) / 4));
    }

    @Property(tries = 60, seed = "1111")
    void vectorInput(@ForAll @IntRange(min = 1, max = 40) int n, @ForAll long seed) {
        // Rank-1 tensors go through the same elementwise path.
        unary("tanh of a vector", seed, Inputs.normal(seed, n), Tensor::tanh, Math::tanh);
    }

    interface TensorFn { Tensor apply(Tensor x); }

    private static void unary(String name, long seed, Tensor x, TensorFn op, F64.Fn twin) {
        GradCheck.check(name, seed ^ 0x5DEECE66DL, new Tensor[] {x}, t -> op.apply(t[0]), d -> F64.map(d[0], twin));
    }
}
