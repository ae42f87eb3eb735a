package saelab.tensor;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** sum, mean (all and per axis, keepdim or not), softmax and log-softmax against float64 finite differences. */
class ReductionGradientProperties {

    @Property(tries = 80, seed = "4401")
    void sumAll(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 35) int c, @ForAll long seed) {
        GradCheck.check("sum", seed, new Tensor[] {Inputs.normal(seed, r, c)},
                x -> x[0].sum(), d -> new double[] {F64.sumAll(d[0])});
    }

    @Property(tries = 150, seed = "4402")
    void sumAxis(@ForAll @IntRange(min = 0, max = 1) int axis, @ForAll boolean keepdim,
                 @ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 35) int c, @ForAll long seed) {
        GradCheck.check("sum axis " + axis, seed, new Tensor[] {Inputs.normal(seed, r, c)},
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
    }

    @Property(tries = 80, seed = "4403")
    void meanAllAndAxis(@ForAll @IntRange(min = 0, max = 2) int axisOrAll, @ForAll @IntRange(min = 1, max = 9) int r,
                        @ForAll @IntRange(min = 1, max = 35) int c, @ForAll long seed) {
        // axisOrAll 2 means the mean of everything.
        GradCheck.check("mean " + axisOrAll, seed, new Tensor[] {Inputs.normal(seed, r, c)},
                x -> axisOrAll == 2 ? x[0].mean() : x[0].mean(axisOrAll, true),
                d -> {
                    if (axisOrAll == 2) return new double[] {F64.sumAll(d[0]) / (r * c)};
                    double[] s = F64.sum(d[0], r, c, axisOrAll);
                    double n = axisOrAll == 0 ? r : c;
                    for (int i = 0; i < s.length; i++) s[i] /= n;
                    return s;
                });
    }

    @Property(tries = 100, seed = "4404")
    void logSoftmax(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 35) int c,
                    @ForAll long seed) {
        // Scaled by 3 so rows have a clear winner as well as near-uniform ones.
        Tensor x = Inputs.normal(seed, r, c).mul(3f);
        GradCheck.check("logSoftmax", seed, new Tensor[] {x}, t -> t[0].logSoftmax(), d -> F64.logSoftmax(d[0], r, c));
    }

    @Property(tries = 100, seed = "4405")
    void softmax(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 35) int c,
                 @ForAll long seed) {
        Tensor x = Inputs.normal(seed, r, c).mul(3f);
        GradCheck.check("softmax", seed, new Tensor[] {x}, t -> t[0].softmax(), d -> F64.softmax(d[0], r, c));
    }

    @Property(tries = 60, seed = "4406")
    void softmaxOfVectorIsOneRow(@ForAll @IntRange(min = 1, max = 40) int n, @ForAll long seed) {
        GradCheck.check("softmax [n]", seed, new Tensor[] {Inputs.normal(seed, n)}, t -> t[0].softmax(),
                d -> F64.softmax(d[0], 1, n));
    }
}
