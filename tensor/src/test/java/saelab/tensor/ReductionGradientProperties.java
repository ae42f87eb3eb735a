package saelab.tensor;

import static saelab.tensor.Props.bools;
import static saelab.tensor.Props.ints;
import static saelab.tensor.Props.qt;
import static saelab.tensor.Props.seeds;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * sum, mean (all and per axis, keepdim or not), softmax and log-softmax against float64 finite
 * differences. Rows 1..9, columns 1..35. A softmax over one column is the constant 1 (its log
 * 0): those examples must give an exactly zero gradient.
 */
class ReductionGradientProperties {

    private static Gen<Integer> rows() { return ints(1, 9); }
    private static Gen<Integer> cols() { return ints(1, 35); }

    @Test
    void sumAll() {
        qt(4401, 80).forAll(rows(), cols(), seeds()).checkAssert((r, c, seed) ->
                GradCheck.check("sum", seed, new Tensor[] {Inputs.normal(seed, r, c)},
                        x -> x[0].sum(), d -> new double[] {F64.sumAll(d[0])}));
    }

    /** sum over an axis of [r, c]. */
    record AxisSum(int axis, boolean keepdim, int r, int c, long seed) {}

    @Test
    void sumAxis() {
        Gen<Integer> axes = ints(0, 1), rows = rows(), cols = cols();
        Gen<Boolean> keep = bools();
        Gen<Long> seeds = seeds();
        Gen<AxisSum> sums = in -> new AxisSum(axes.generate(in), keep.generate(in), rows.generate(in),
                cols.generate(in), seeds.generate(in));
        qt(4402, 150).forAll(sums).checkAssert(t -> {
            int axis = t.axis(), r = t.r(), c = t.c();
            boolean keepdim = t.keepdim();
            GradCheck.check("sum axis " + axis, t.seed(), new Tensor[] {Inputs.normal(t.seed(), r, c)},
                    x -> {
                        Tensor s = x[0].sum(axis, keepdim);
                        int[] expected = keepdim ? (axis == 0 ? new int[] {1, c} : new int[] {r, 1})
                                : new int[] {axis == 0 ? c : r};
                        if (!Shape.same(s.shape(), expected)) {
                            throw new AssertionError("sum(" + axis + ", " + keepdim + ") of [" + r + ", " + c + "] has shape "
                                    + Shape.str(s.shape()) + ", expected " + Shape.str(expected));
                        }
                        return s;
                    },
                    d -> F64.sum(d[0], r, c, axis));
        });
    }

    @Test
    void meanAllAndAxis() {
        // axisOrAll 2 means the mean of everything.
        qt(4403, 80).forAll(ints(0, 2), rows(), cols(), seeds()).checkAssert((axisOrAll, r, c, seed) ->
                GradCheck.check("mean " + axisOrAll, seed, new Tensor[] {Inputs.normal(seed, r, c)},
                        x -> axisOrAll == 2 ? x[0].mean() : x[0].mean(axisOrAll, true),
                        d -> {
                            if (axisOrAll == 2) return new double[] {F64.sumAll(d[0]) / (r * c)};
                            double[] s = F64.sum(d[0], r, c, axisOrAll);
                            double n = axisOrAll == 0 ? r : c;
                            for (int i = 0; i < s.length; i++) s[i] /= n;
                            return s;
                        }));
    }

    @Test
    void logSoftmax() {
        // Scaled by 3 so rows have a clear winner as well as near-uniform ones.
        qt(4404, 100).forAll(rows(), cols(), seeds()).checkAssert((r, c, seed) ->
                GradCheck.check("logSoftmax", seed, c == 1, new Tensor[] {Inputs.normal(seed, r, c).mul(3f)},
                        t -> t[0].logSoftmax(), d -> F64.logSoftmax(d[0], r, c)));
    }

    @Test
    void softmax() {
        qt(4405, 100).forAll(rows(), cols(), seeds()).checkAssert((r, c, seed) ->
                GradCheck.check("softmax", seed, c == 1, new Tensor[] {Inputs.normal(seed, r, c).mul(3f)},
                        t -> t[0].softmax(), d -> F64.softmax(d[0], r, c)));
    }

    @Test
    void softmaxOfVectorIsOneRow() {
        qt(4406, 60).forAll(ints(1, 40), seeds()).checkAssert((n, seed) ->
                GradCheck.check("softmax [n]", seed, n == 1, new Tensor[] {Inputs.normal(seed, n)}, t -> t[0].softmax(),
                        d -> F64.softmax(d[0], 1, n)));
    }
}
