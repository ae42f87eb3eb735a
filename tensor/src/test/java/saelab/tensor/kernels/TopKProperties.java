package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The heap-based vector TopK equals the selection twin exactly, ties included. */
class TopKProperties {

    /** Values drawn from a small set of integers when {@code ties}, so equal values are common. */
    static float[] rowsOf(long seed, int n, boolean ties) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = ties ? r.nextInt(7) - 3 : (float) r.nextGaussian();
        return x;
    }

    @Property(tries = 300, seed = "20261130")
    void vectorTopKEqualsScalarTwin(@ForAll @IntRange(max = 6) int rows, @ForAll @IntRange(min = 1, max = 120) int cols,
                                    @ForAll @IntRange(max = 120) int kRaw, @ForAll @IntRange(max = 4) int pad,
                                    @ForAll boolean ties, @ForAll long seed) {
        int k = kRaw % (cols + 1), ld = cols + pad;
        float[] x = rowsOf(seed, rows * ld + 3, ties);
        int[] i1 = new int[rows * k], i2 = new int[rows * k];
        float[] v1 = new float[rows * k], v2 = new float[rows * k];
        ScalarTopK.rows(x, 3, ld, rows, cols, k, i1, v1);
        TopK.rows(x, 3, ld, rows, cols, k, i2, v2);
        assertArrayEquals(i1, i2, "indices");
        assertArrayEquals(v1, v2, "values");
    }

    @Property(tries = 10, seed = "20261131")
    void parallelPathEqualsScalarTwin(@ForAll @IntRange(min = 2, max = 12) int rows, @ForAll @IntRange(min = 1, max = 40) int k,
                                      @ForAll boolean ties, @ForAll long seed) {
        int cols = 4099; // rows·cols above the threshold where rows go to several threads; odd tail
        float[] x = rowsOf(seed, rows * cols, ties);
        int[] i1 = new int[rows * k], i2 = new int[rows * k];
        float[] v1 = new float[rows * k], v2 = new float[rows * k];
        ScalarTopK.rows(x, 0, cols, rows, cols, k, i1, v1);
        TopK.rows(x, 0, cols, rows, cols, k, i2, v2);
        assertArrayEquals(i1, i2);
        assertArrayEquals(v1, v2);
    }

    @Property(tries = 100, seed = "20261132")
    void keptValuesAreTheLargestInOrder(@ForAll @IntRange(min = 1, max = 100) int cols, @ForAll @IntRange(max = 100) int kRaw,
                                        @ForAll long seed) {
        int k = kRaw % (cols + 1);
        float[] x = rowsOf(seed, cols, true);
        int[] idx = new int[k];
        float[] val = new float[k];
        TopK.rows(x, 0, cols, 1, cols, k, idx, val);
        float[] sorted = x.clone();
        java.util.Arrays.sort(sorted);
        for (int t = 0; t < k; t++) {
            assertEquals(sorted[cols - 1 - t], val[t], "t-th kept value is the t-th largest");
            assertEquals(x[idx[t]], val[t], "index points at its value");
            if (t > 0 && val[t] == val[t - 1]) assertEquals(true, idx[t] > idx[t - 1], "ties in ascending index");
        }
    }
}
