package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import saelab.tensor.Props;

/**
 * {@link SparseRows#columns}: sorted in any number of row blocks (in parallel) it gives the
 * by-column layout of a plain one-pass counting sort — entries by column, a column's by ascending
 * row, zeros left out when asked — and a bad column is reported at its first entry whichever
 * block holds it.
 */
class SparseColumnsProperties {
    private int multiBlock, zerosSkipped;

    @Test
    void anyBlockingGivesTheOnePassLayout() {
        Props.qt(20261206L, 200).forAll(Props.ints(1, 70), Props.ints(1, 50), Props.bools(), Props.seeds()).checkAssert(this::sameLayout);
        assertTrue(multiBlock > 100 && zerosSkipped > 30, multiBlock + " multi-block sorts, " + zerosSkipped + " with zeros skipped");
    }

    private void sameLayout(int rows, int m, boolean skipZeros, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int k = 1 + r.nextInt(Math.min(m, 9));
        int[] idx = new int[rows * k];
        float[] val = new float[rows * k + 3];
        for (int p = 0; p < idx.length; p++) idx[p] = r.nextInt(m); // repeats allowed: the sort must not care
        for (int p = 0; p < val.length; p++) val[p] = r.nextInt(4) == 0 ? 0f : (float) r.nextGaussian();
        int valOff = r.nextInt(4);
        int blocks = 1 + r.nextInt(rows);
        Oracle want = oracle(rows, k, m, idx, val, valOff, skipZeros);
        SparseRows.Columns got = SparseRows.columns(rows, k, m, idx, val, valOff, skipZeros, blocks);
        String where = rows + " rows, k " + k + ", m " + m + ", " + blocks + " blocks, skipZeros " + skipZeros;
        assertArrayEquals(want.start, java.util.Arrays.copyOf(got.start(), m + 1), where + ": starts");
        int nnz = want.start[m];
        assertArrayEquals(want.row, java.util.Arrays.copyOf(got.row(), nnz), where + ": rows");
        assertArrayEquals(want.slot, java.util.Arrays.copyOf(got.slot(), nnz), where + ": slots");
        for (int q = 0; q < nnz; q++) assertEquals(Float.floatToRawIntBits(want.value[q]), Float.floatToRawIntBits(got.value()[q]), where + ": value " + q);
        if (blocks > 1) multiBlock++;
        if (skipZeros && nnz < rows * k) zerosSkipped++;
    }

    @Test
    void theLargeCodeGoesThroughTheParallelSortUnchanged() {
        // Above the parallel threshold (2^16 entries), through the public method and its chosen blocks.
        int rows = 700, k = 100, m = 3000;
        SplittableRandom r = new SplittableRandom(20261207L);
        int[] idx = new int[rows * k];
        float[] val = new float[rows * k];
        for (int p = 0; p < idx.length; p++) { idx[p] = r.nextInt(m); val[p] = r.nextInt(5) == 0 ? 0f : r.nextFloat(); }
        Parallel.withParallelism(3, () -> {
            SparseRows.Columns got = SparseRows.columns(rows, k, m, idx, val, 0, true);
            Oracle want = oracle(rows, k, m, idx, val, 0, true);
            assertArrayEquals(want.start, java.util.Arrays.copyOf(got.start(), m + 1), "starts");
            assertArrayEquals(want.slot, java.util.Arrays.copyOf(got.slot(), want.start[m]), "slots");
            return null;
        });
    }

    @Test
    void aBadColumnIsReportedAtItsFirstEntry() {
        int rows = 8, k = 3, m = 5;
        int[] idx = new int[rows * k];
        idx[20] = 7;
        idx[9] = -1; // the first bad entry, in an earlier block than the other
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparseRows.columns(rows, k, m, idx, new float[rows * k], 0, false, 4));
        assertEquals("sparse rows: column -1 at entry 9, expected 0 ≤ column < m = 5", e.getMessage());
    }

    private record Oracle(int[] start, int[] row, int[] slot, float[] value) {}

    /** The one-pass counting sort, written plainly. */
    private static Oracle oracle(int rows, int k, int m, int[] idx, float[] val, int valOff, boolean skipZeros) {
        int n = rows * k;
        int[] start = new int[m + 1];
        for (int p = 0; p < n; p++) if (!skipZeros || val[valOff + p] != 0) start[idx[p] + 1]++;
        for (int j = 0; j < m; j++) start[j + 1] += start[j];
        int[] fill = java.util.Arrays.copyOf(start, m), row = new int[start[m]], slot = new int[start[m]];
        float[] value = new float[start[m]];
        for (int p = 0; p < n; p++) {
            if (skipZeros && val[valOff + p] == 0) continue;
            int q = fill[idx[p]]++;
            row[q] = p / k;
            slot[q] = p;
            value[q] = val[valOff + p];
        }
        return new Oracle(start, row, slot, value);
    }
}
