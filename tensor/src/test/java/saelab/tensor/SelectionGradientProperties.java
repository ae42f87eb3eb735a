package saelab.tensor;

import static saelab.tensor.Props.ints;
import static saelab.tensor.Props.qt;
import static saelab.tensor.Props.seeds;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** topk, gatherRows and the views (rows, reshape) against float64 finite differences. */
class SelectionGradientProperties {

    /** TopK of [r, c] with r in 1..9, c in 1..35 and k in 0..c (0 and c included: nothing kept, everything kept). */
    record TopKCase(int r, int c, int k, long seed) {}

    @Test
    void topk() {
        Gen<Integer> rows = ints(1, 9), cols = ints(1, 35);
        Gen<Long> seeds = seeds();
        Gen<TopKCase> cases = in -> {
            int r = rows.generate(in), c = cols.generate(in);
            return new TopKCase(r, c, ints(0, c).generate(in), seeds.generate(in));
        };
        qt(5501, 150).forAll(cases).checkAssert(t -> {
            int r = t.r(), c = t.c(), k = t.k();
            // Distinct values MARGIN apart: the kept set cannot change under ±h. k = 0 keeps nothing: flat.
            GradCheck.check("topk k=" + k, t.seed(), k == 0, new Tensor[] {Inputs.distinctRows(t.seed(), r, c)},
                    x -> x[0].topk(k), d -> F64.topk(d[0], r, c, k));
        });
    }

    /** A table of vocab 1..9 rows of width d 1..35 and 1..12 ids into it. */
    record Gather(int vocab, int d, int[] ids, long seed) {
        @Override public String toString() {
            return "Gather[vocab=" + vocab + ", d=" + d + ", ids=" + Arrays.toString(ids) + ", seed=" + seed + "]";
        }
    }

    @Test
    void gatherRowsWithRepeatedIds() {
        // Ids drawn with replacement from a small vocabulary, so repeats (which must scatter-ADD)
        // are common; they shrink towards 0, that is towards all ids repeating.
        Gen<Integer> vocabs = ints(1, 9), widths = ints(1, 35), lengths = ints(1, 12);
        Gen<Long> seeds = seeds();
        Gen<Gather> cases = in -> {
            int vocab = vocabs.generate(in), d = widths.generate(in), n = lengths.generate(in);
            Gen<Integer> id = ints(0, vocab - 1);
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) ids[i] = id.generate(in);
            return new Gather(vocab, d, ids, seeds.generate(in));
        };
        qt(5502, 100).forAll(cases).checkAssert(t -> {
            int d = t.d();
            int[] ids = t.ids();
            GradCheck.check("gatherRows", t.seed(), new Tensor[] {Inputs.normal(t.seed(), t.vocab(), d)},
                    x -> x[0].gatherRows(ids), w -> F64.gatherRows(w[0], d, ids));
        });
    }

    /** rows(from, to) of [r, c]: 0 ≤ from < to ≤ r, r in 1..9, c in 1..35. */
    record RowsView(int r, int c, int from, int to, long seed) {}

    @Test
    void rowsView() {
        Gen<Integer> rows = ints(1, 9), cols = ints(1, 35);
        Gen<Long> seeds = seeds();
        Gen<RowsView> cases = in -> {
            int r = rows.generate(in), c = cols.generate(in);
            int from = ints(0, r - 1).generate(in);
            return new RowsView(r, c, from, ints(from + 1, r).generate(in), seeds.generate(in));
        };
        qt(5503, 100).forAll(cases).checkAssert(t -> {
            int c = t.c(), from = t.from(), to = t.to();
            // A view feeding a nonlinearity, so the gradient reaching the parent is not just w.
            GradCheck.check("rows(" + from + ", " + to + ")", t.seed(), new Tensor[] {Inputs.normal(t.seed(), t.r(), c)},
                    x -> x[0].rows(from, to).tanh(),
                    d -> F64.map(F64.sliceRows(d[0], c, from, to), Math::tanh));
        });
    }

    @Test
    void reshapeThenRowSoftmax() {
        // [a, b·c] viewed as [a·b, c]: the row softmax then groups elements differently, which a
        // reshape that scrambled element order would get wrong. Sizes 1..6; c = 1 is flat.
        qt(5504, 80).forAll(ints(1, 6), ints(1, 6), ints(1, 6), seeds()).checkAssert((a, b, c, seed) ->
                GradCheck.check("reshape", seed, c == 1, new Tensor[] {Inputs.normal(seed, a, b * c)},
                        x -> x[0].reshape(-1, c).softmax(),
                        d -> F64.softmax(d[0], a * b, c)));
    }
}
