package saelab.tensor;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** topk, gatherRows and the views (rows, reshape) against float64 finite differences. */
class SelectionGradientProperties {

    @Property(tries = 150, seed = "5501")
    void topk(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 35) int c,
              @ForAll @IntRange(min = 0, max = 35) int kRaw, @ForAll long seed) {
        int k = kRaw % (c + 1);
        // Distinct values MARGIN apart: the kept set cannot change under ±h.
        GradCheck.check("topk k=" + k, seed, new Tensor[] {Inputs.distinctRows(seed, r, c)},
                x -> x[0].topk(k), d -> F64.topk(d[0], r, c, k));
    }

    @Property(tries = 100, seed = "5502")
    void gatherRowsWithRepeatedIds(@ForAll @IntRange(min = 1, max = 9) int vocab, @ForAll @IntRange(min = 1, max = 35) int d,
                                   @ForAll @IntRange(min = 1, max = 12) int n, @ForAll long seed) {
        // Ids drawn with replacement from a small vocabulary, so repeats (which must scatter-ADD) are common.
        SplittableRandom rng = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = rng.nextInt(vocab);
        GradCheck.check("gatherRows", seed, new Tensor[] {Inputs.normal(seed, vocab, d)},
                x -> x[0].gatherRows(ids), t -> F64.gatherRows(t[0], d, ids));
    }

    @Property(tries = 100, seed = "5503")
    void rowsView(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 35) int c,
                  @ForAll @IntRange(min = 0, max = 8) int fromRaw, @ForAll @IntRange(min = 1, max = 9) int lenRaw,
                  @ForAll long seed) {
        int from = fromRaw % r, to = from + 1 + (lenRaw - 1) % (r - from);
        // A view feeding a nonlinearity, so the gradient reaching the parent is not just w.
        GradCheck.check("rows(" + from + ", " + to + ")", seed, new Tensor[] {Inputs.normal(seed, r, c)},
                x -> x[0].rows(from, to).tanh(),
                d -> F64.map(F64.sliceRows(d[0], c, from, to), Math::tanh));
    }

    @Property(tries = 80, seed = "5504")
    void reshapeThenRowSoftmax(@ForAll @IntRange(min = 1, max = 6) int a, @ForAll @IntRange(min = 1, max = 6) int b,
                               @ForAll @IntRange(min = 1, max = 6) int c, @ForAll long seed) {
        // [a, b·c] viewed as [a·b, c]: the row softmax then groups elements differently, which a
        // reshape that scrambled element order would get wrong.
        GradCheck.check("reshape", seed, new Tensor[] {Inputs.normal(seed, a, b * c)},
                x -> x[0].reshape(-1, c).softmax(),
                d -> F64.softmax(d[0], a * b, c));
    }
}
