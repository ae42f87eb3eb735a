package saelab.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The forward laws of the TopK op (its gradient is in SelectionGradientProperties). */
class TopKOpProperties {

    @Property(tries = 150, seed = "8801")
    void keepsExactlyTheKLargest(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 40) int c,
                                 @ForAll @IntRange(min = 0, max = 40) int kRaw, @ForAll long seed) {
        int k = kRaw % (c + 1);
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

    @Property(tries = 150, seed = "8802")
    void commutesWithColumnPermutations(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 40) int c,
                                        @ForAll @IntRange(min = 0, max = 40) int kRaw, @ForAll long seed) {
        int k = kRaw % (c + 1);
        Tensor x = Inputs.distinctRows(seed, r, c);
        int[] perm = Inputs.permutation(new SplittableRandom(seed ^ 99), c);
        // topk(permute(x)) == permute(topk(x))
        assertArrayEquals(permuteColumns(x, perm).topk(k).toArray(), permuteColumns(x.topk(k), perm).toArray());
    }

    @Property(tries = 150, seed = "8803")
    void tiesGoToTheLowerIndex(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 40) int c,
                               @ForAll @IntRange(min = 0, max = 40) int kRaw, @ForAll long seed) {
        int k = kRaw % (c + 1);
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
