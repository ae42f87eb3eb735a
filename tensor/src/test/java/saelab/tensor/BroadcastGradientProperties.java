package saelab.tensor;

import static saelab.tensor.Props.ints;
import static saelab.tensor.Props.qt;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

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

    /** Both operands' forms, the frame [r, c] with r in 1..9 and c in 1..35, and a data seed. */
    record Case(Form fa, Form fb, int r, int c, long seed) {}

    private static Gen<Case> cases() {
        Gen<Form> form = Props.oneOf(Form.class);
        Gen<Integer> rows = ints(1, 9), cols = ints(1, 35);
        Gen<Long> seed = Props.seeds();
        return in -> new Case(form.generate(in), form.generate(in), rows.generate(in), cols.generate(in), seed.generate(in));
    }

    @Test
    void add() {
        qt(2201, 150).forAll(cases()).checkAssert(t -> binary("add", t, false, Tensor::add, Double::sum));
    }

    @Test
    void sub() {
        qt(2202, 150).forAll(cases()).checkAssert(t -> binary("sub", t, false, Tensor::sub, (a, b) -> a - b));
    }

    @Test
    void mul() {
        qt(2203, 150).forAll(cases()).checkAssert(t -> binary("mul", t, false, Tensor::mul, (a, b) -> a * b));
    }

    @Test
    void div() {
        qt(2204, 150).forAll(cases()).checkAssert(t -> binary("div", t, true, Tensor::div, (a, b) -> a / b));
    }

    @Test
    void maskMulWithConstantMask() {
        qt(2205, 80).forAll(ints(1, 9), ints(1, 35), Props.seeds()).checkAssert((r, c, seed) -> {
            // A 0/1 mask: masked-out entries must get exactly zero gradient, the rest pass through.
            Tensor mask = Inputs.uniform(seed + 1, 0f, 1f, r, c);
            float[] m = mask.toArray();
            boolean allMasked = true;
            for (int i = 0; i < m.length; i++) {
                m[i] = m[i] < 0.5f ? 0f : 1f;
                allMasked &= m[i] == 0f;
            }
            Tensor mask01 = Tensor.of(m, r, c);
            double[] m64 = GradCheck.widen(m);
            GradCheck.check("maskMul", seed, allMasked, new Tensor[] {Inputs.normal(seed, r, c)},
                    x -> x[0].maskMul(mask01),
                    d -> F64.broadcast(d[0], r, c, m64, r, c, (a, b) -> a * b));
        });
    }

    interface TensorFn2 { Tensor apply(Tensor a, Tensor b); }

    private static void binary(String name, Case t, boolean positiveB, TensorFn2 op, F64.Fn2 twin) {
        int[] sa = t.fa().shape(t.r(), t.c()), sb = t.fb().shape(t.r(), t.c());
        long seed = t.seed();
        Tensor a = Inputs.normal(seed, sa);
        Tensor b = positiveB ? Inputs.uniform(seed + 1, 0.5f, 3f, sb) : Inputs.normal(seed + 1, sb);
        GradCheck.check(name + " " + Shape.str(sa) + " " + Shape.str(sb), seed, new Tensor[] {a, b},
                x -> op.apply(x[0], x[1]),
                d -> F64.broadcast(d[0], Shape.rows(sa), Shape.cols(sa), d[1], Shape.rows(sb), Shape.cols(sb), twin));
    }
}
