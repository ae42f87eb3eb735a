package saelab.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import static saelab.tensor.Props.ints;
import static saelab.tensor.Props.qt;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** The forward laws of the TopK op (its gradient is in SelectionGradientProperties). */
class TopKOpProperties {

    /** TopK of [r, c], r in 1..9, c in 1..40, k in 0..c. */
    record Case(int r, int c, int k, long seed) {}

    private static Gen<Case> cases() {
        Gen<Integer> rows = ints(1, 9), cols = ints(1, 40);
        Gen<Long> seeds = Props.seeds();
        return in -> {
            int r = rows.generate(in), c = cols.generate(in);
            return new Case(r, c, ints(0, c).generate(in), seeds.generate(in));
        };
    }

    @Test
    void keepsExactlyTheKLargest() {
        qt(8801, 150).forAll(cases()).checkAssert(t -> keepsExactlyTheKLargest(t.r(), t.c(), t.k(), t.seed()));
    }

    private static void keepsExactlyTheKLargest(int r, int c, int k, long seed) {
        Tensor x = Inputs.distinctRows(seed, r, c); // distinct, nonzero
        TopKSelection sel = x.topkSelect(k);
        float[] in = x.toArray(), out = sel.dense().toArray();
        for (int i = 0; i < r; i++) {
            float[] row = Arrays.copyOfRange(in, i * c, (i + 1) * c);
            float[] sorted = row.clone();
            Arrays.sort(sorted);
            float kth = k == 0 ? Float.POSITIVE_INFINITY : sorted[c - k];
            int nonzero = 0;
            for (int j = 0; j < c; j++) {
                float y = out[i * c + j];
                if (y != 0) nonzero++;
                // Kept exactly when among the k largest, and then with its own value.
                assertEquals(row[j] >= kth ? row[j] : 0f, y, 0f, "row " + i + " col " + j);
            }
            assertEquals(k, nonzero, "nonzeros in row " + i);
            for (int t = 0; t < k; t++) {
                // (indices, values) list the same entries, largest first.
                assertEquals(sorted[c - 1 - t], sel.value(i, t), 0f);
                assertEquals(row[sel.index(i, t)], sel.value(i, t), 0f);
            }
        }
    }

    @Test
    void commutesWithColumnPermutations() {
        qt(8802, 150).forAll(cases()).checkAssert(t -> {
            Tensor x = Inputs.distinctRows(t.seed(), t.r(), t.c());
            int[] perm = Inputs.permutation(new SplittableRandom(t.seed() ^ 99), t.c());
            // topk(permute(x)) == permute(topk(x))
            assertArrayEquals(permuteColumns(x, perm).topk(t.k()).toArray(), permuteColumns(x.topk(t.k()), perm).toArray());
        });
    }

    @Test
    void tiesGoToTheLowerIndex() {
        qt(8803, 150).forAll(cases()).checkAssert(t -> tiesGoToTheLowerIndex(t.r(), t.c(), t.k(), t.seed()));
    }

    private static void tiesGoToTheLowerIndex(int r, int c, int k, long seed) {
        // Values from {-1, 0, 1, 2}: ties everywhere.
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = new float[r * c];
        for (int i = 0; i < d.length; i++) d[i] = rng.nextInt(4) - 1;
        TopKSelection sel = Tensor.of(d, r, c).topkSelect(k);
        for (int i = 0; i < r; i++) {
            double[] row = GradCheck.widen(Arrays.copyOfRange(d, i * c, (i + 1) * c));
            // The stable order by (value descending, column ascending), computed independently.
            int[] expected = F64.topkColumns(row, k);
            assertArrayEquals(expected, Arrays.copyOfRange(sel.indices(), i * k, (i + 1) * k), "row " + i);
        }
    }

    private static Tensor permuteColumns(Tensor x, int[] perm) {
        int r = x.rows(), c = x.cols();
        float[] in = x.toArray(), out = new float[r * c];
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) out[i * c + perm[j]] = in[i * c + j];
        return Tensor.of(out, r, c);
    }
}
