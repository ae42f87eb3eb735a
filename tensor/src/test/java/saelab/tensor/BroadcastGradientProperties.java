package saelab.tensor;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * add, sub, mul, div under every broadcast combination: each side independently is the full
 * [r,c], a row [1,c], a column [r,1], a scalar [1,1] or a vector [c]; the gradient of a broadcast
 * side must come back summed over the broadcast axis. Divisors are kept in [0.5, 3).
 */
class BroadcastGradientProperties {

    /** How one operand relates to the [r,c] frame. */
    enum Form {
        FULL, ROW, COLUMN, SCALAR, VECTOR;

        int[] shape(int r, int c) {
            return switch (this) {
                case FULL -> new int[] {r, c};
                case ROW -> new int[] {1, c};
                case COLUMN -> new int[] {r, 1};
                case SCALAR -> new int[] {1, 1};
                case VECTOR -> new int[] {c};
            };
        }
    }

    @Property(tries = 150, seed = "2201")
    void add(@ForAll Form fa, @ForAll Form fb, @ForAll @IntRange(min = 1, max = 9) int r,
             @ForAll @IntRange(min = 1, max = 35) int c, @ForAll long seed) {
        binary("add", fa, fb, r, c, seed, false, Tensor::add, Double::sum);
    }

    @Property(tries = 150, seed = "2202")
    void sub(@ForAll Form fa, @ForAll Form fb, @ForAll @IntRange(min = 1, max = 9) int r,
             @ForAll @IntRange(min = 1, max = 35) int c, @ForAll long seed) {
        binary("sub", fa, fb, r, c, seed, false, Tensor::sub, (a, b) -> a - b);
    }

    @Property(tries = 150, seed = "2203")
    void mul(@ForAll Form fa, @ForAll Form fb, @ForAll @IntRange(min = 1, max = 9) int r,
             @ForAll @IntRange(min = 1, max = 35) int c, @ForAll long seed) {
        binary("mul", fa, fb, r, c, seed, false, Tensor::mul, (a, b) -> a * b);
    }

    @Property(tries = 150, seed = "2204")
    void div(@ForAll Form fa, @ForAll Form fb, @ForAll @IntRange(min = 1, max = 9) int r,
             @ForAll @IntRange(min = 1, max = 35) int c, @ForAll long seed) {
        binary("div", fa, fb, r, c, seed, true, Tensor::div, (a, b) -> a / b);
    }

    @Property(tries = 80, seed = "2205")
    void maskMulWithConstantMask(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 35) int c,
                                 @ForAll long seed) {
        // A 0/1 mask: masked-out entries must get exactly zero gradient, the rest pass through.
        Tensor mask = Inputs.uniform(seed + 1, 0f, 1f, r, c);
        float[] m = mask.toArray();
        for (int i = 0; i < m.length; i++) m[i] = m[i] < 0.5f ? 0f : 1f;
        Tensor mask01 = Tensor.of(m, r, c);
        double[] m64 = GradCheck.widen(m);
        GradCheck.check("maskMul", seed, new Tensor[] {Inputs.normal(seed, r, c)},
                x -> x[0].maskMul(mask01),
                d -> F64.broadcast(d[0], r, c, m64, r, c, (a, b) -> a * b));
    }

    interface TensorFn2 { Tensor apply(Tensor a, Tensor b); }

    private static void binary(String name, Form fa, Form fb, int r, int c, long seed, boolean positiveB,
                               TensorFn2 op, F64.Fn2 twin) {
        int[] sa = fa.shape(r, c), sb = fb.shape(r, c);
        Tensor a = Inputs.normal(seed, sa);
        Tensor b = positiveB ? Inputs.uniform(seed + 1, 0.5f, 3f, sb) : Inputs.normal(seed + 1, sb);
        GradCheck.check(name + " " + Shape.str(sa) + " " + Shape.str(sb), seed, new Tensor[] {a, b},
                x -> op.apply(x[0], x[1]),
                d -> F64.broadcast(d[0], Shape.rows(sa), Shape.cols(sa), d[1], Shape.rows(sb), Shape.cols(sb), twin));
    }
}
