package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import saelab.tensor.Props;

/** The heap-based vector TopK equals the selection twin exactly, ties included. */
class TopKProperties {

    /** Values drawn from a small set of integers when {@code ties}, so equal values are common. */
    static float[] rowsOf(long seed, int n, boolean ties) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = ties ? r.nextInt(7) - 3 : (float) r.nextGaussian();
        return x;
    }

    /** rows 0..6 of cols 1..120 (row stride cols + pad, pad 0..4), k 0..cols, values with or without ties. */
    record Rows(int rows, int cols, int k, int pad, boolean ties, long seed) {}

    @Test
    void vectorTopKEqualsScalarTwin() {
        Gen<Integer> rowCounts = Props.ints(0, 6), colCounts = Props.ints(1, 120), pads = Props.ints(0, 4);
        Gen<Boolean> flags = Props.bools();
        Gen<Long> seeds = Props.seeds();
        Gen<Rows> cases = in -> {
            int rows = rowCounts.generate(in), cols = colCounts.generate(in);
            return new Rows(rows, cols, Props.ints(0, cols).generate(in), pads.generate(in), flags.generate(in), seeds.generate(in));
        };
        Props.qt(20261130, 300).forAll(cases).checkAssert(TopKProperties::vectorEqualsTwin);
    }

    private static void vectorEqualsTwin(Rows t) {
        int rows = t.rows(), cols = t.cols(), k = t.k(), ld = cols + t.pad();
        boolean ties = t.ties();
        long seed = t.seed();
        float[] x = rowsOf(seed, rows * ld + 3, ties);
        int[] i1 = new int[rows * k], i2 = new int[rows * k];
        float[] v1 = new float[rows * k], v2 = new float[rows * k];
        ScalarTopK.rows(x, 3, ld, rows, cols, k, i1, v1);
        TopK.rows(x, 3, ld, rows, cols, k, i2, v2);
        assertArrayEquals(i1, i2, "indices");
        assertArrayEquals(v1, v2, "values");
    }

    /** rows 2..12 of 4099 columns, k 1..40. */
    @Test
    void parallelPathEqualsScalarTwin() {
        Props.qt(20261131, 10).forAll(Props.ints(2, 12), Props.ints(1, 40), Props.bools(), Props.seeds())
                .checkAssert(TopKProperties::parallelEqualsTwin);
    }

    private static void parallelEqualsTwin(int rows, int k, boolean ties, long seed) {
        int cols = 4099; // rows·cols above the threshold where rows go to several threads; odd tail
        float[] x = rowsOf(seed, rows * cols, ties);
        int[] i1 = new int[rows * k], i2 = new int[rows * k];
        float[] v1 = new float[rows * k], v2 = new float[rows * k];
        ScalarTopK.rows(x, 0, cols, rows, cols, k, i1, v1);
        TopK.rows(x, 0, cols, rows, cols, k, i2, v2);
        assertArrayEquals(i1, i2);
        assertArrayEquals(v1, v2);
    }

    /** One row of cols 1..100 tie-heavy values, k 0..cols. */
    record Row(int cols, int k) {}

    @Test
    void keptValuesAreTheLargestInOrder() {
        Gen<Integer> colCounts = Props.ints(1, 100);
        Gen<Row> sizes = in -> {
            int cols = colCounts.generate(in);
            return new Row(cols, Props.ints(0, cols).generate(in));
        };
        Props.qt(20261132, 100).forAll(sizes, Props.seeds()).checkAssert((s, seed) -> keptAreLargest(s.cols(), s.k(), seed));
    }

    private static void keptAreLargest(int cols, int k, long seed) {
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

    /** How the long rows' values are drawn: Gaussian, a few integers (ties, ±0), or spread over many binades with ±∞. */
    enum Values { GAUSSIAN, TIES_AND_ZEROS, WIDE_WITH_INFINITIES }

    /** rows 1..3 of cols 2048..6000, k 1..cols/8. */
    record LongRows(int rows, int cols, int k, Values kind, long seed) {}

    /**
     * Rows long enough, and k small enough beside them, for the radix-histogram path (which falls
     * back to the heap when one bucket holds too many ties): both must equal the selection twin.
     */
    @Test
    void longRowsEqualScalarTwin() {
        Gen<Integer> colCounts = Props.ints(2048, 6000), rowCounts = Props.ints(1, 3);
        Gen<Values> kinds = Props.oneOf(Values.class);
        Gen<Long> seeds = Props.seeds();
        Gen<LongRows> cases = in -> {
            int cols = colCounts.generate(in);
            return new LongRows(rowCounts.generate(in), cols, Props.ints(1, cols / 8).generate(in), kinds.generate(in), seeds.generate(in));
        };
        Props.qt(20261204, 40).forAll(cases).checkAssert(c -> {
            Random r = new Random(c.seed());
            float[] x = new float[c.rows() * c.cols()];
            for (int i = 0; i < x.length; i++) {
                x[i] = switch (c.kind()) {
                    case GAUSSIAN -> (float) r.nextGaussian();
                    case TIES_AND_ZEROS -> r.nextInt(5) == 0 ? (r.nextBoolean() ? -0f : 0f) : r.nextInt(9) - 4;
                    case WIDE_WITH_INFINITIES -> r.nextInt(50) == 0 ? (r.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY)
                            : (float) (r.nextGaussian() * Math.pow(2, r.nextInt(200) - 100));
                };
            }
            int n = c.rows() * c.k();
            int[] i1 = new int[n], i2 = new int[n];
            float[] v1 = new float[n], v2 = new float[n];
            ScalarTopK.rows(x, 0, c.cols(), c.rows(), c.cols(), c.k(), i1, v1);
            TopK.rows(x, 0, c.cols(), c.rows(), c.cols(), c.k(), i2, v2);
            assertArrayEquals(i1, i2, "indices");
            for (int p = 0; p < n; p++) assertEquals(Float.floatToRawIntBits(v1[p]), Float.floatToRawIntBits(v2[p]), "value " + p + " (its sign of zero too)");
            // The histogram path itself, row by row: Gaussian rows never pile into one bucket, so it must take them.
            int[] i3 = new int[c.k()];
            float[] v3 = new float[c.k()];
            for (int row = 0; row < c.rows(); row++) {
                boolean took = TopK.histogramRow(x, row * c.cols(), c.cols(), c.k(), new TopK.Scratch(c.k()), i3, v3, 0);
                if (c.kind() == Values.GAUSSIAN) assertTrue(took, "the histogram path declined a Gaussian row");
                if (took) assertArrayEquals(java.util.Arrays.copyOfRange(i1, row * c.k(), (row + 1) * c.k()), i3, "histogram path, row " + row);
            }
        });
    }

    private int sampledTaken, sampledRefused;

    /**
     * A row long beside k is ranked from a threshold read off a sample of it: the result is the
     * scalar oracle's whenever the sampled path takes the row, and TopK gives the oracle's either
     * way (the histogram or the heap takes what the sample refuses). Rows that must be refused: the sampled positions hold the row's largest values (too few
     * entries reach the threshold), all entries equal (too many for the candidates), a NaN.
     */
    @Test
    void aSampledThresholdRanksAsTheOracleDoes() {
        Props.qt(20261205L, 300)
                .forAll(Props.ints(0, 5), Props.seeds())
                .checkAssert(this::sampledEqualsTopK);
        assertTrue(sampledTaken > 100 && sampledRefused > 20,
                sampledTaken + " rows ranked from the sample, " + sampledRefused + " rows whose sampled positions hold their largest values refused");
    }

    /** @param values 0: Gaussian; 1: a coarse grid with ±0 (ties at the cut); 2: −∞ for a third; 3: the sampled positions largest; 4: all equal; 5: one NaN */
    private void sampledEqualsTopK(int values, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int cols = 2048 + r.nextInt(5000), k = 1 + r.nextInt(cols / 8), stride = Math.max(1, cols / 256);
        float[] x = new float[cols];
        for (int j = 0; j < cols; j++) {
            x[j] = switch (values) {
                case 0 -> (float) r.nextGaussian();
                case 3 -> j % stride == 0 ? 1000f + r.nextInt(50) : (float) r.nextGaussian();
                case 4 -> 1.5f;
                default -> {
                    if (values == 2 && r.nextInt(3) == 0) yield Float.NEGATIVE_INFINITY;
                    float g = (r.nextInt(9) - 4) / 2f;
                    yield g == 0 && r.nextBoolean() ? -0f : g;
                }
            };
        }
        if (values == 5) x[r.nextInt(cols)] = Float.NaN;
        int[] wantIdx = new int[k], idx = new int[k];
        float[] wantVal = new float[k], val = new float[k];
        String where = cols + " columns, k " + k + ", values " + values;
        if (values != 5) {
            ScalarTopK.rows(x, 0, cols, 1, cols, k, wantIdx, wantVal);
            TopK.rowsOnCpu(x, 0, cols, 1, cols, k, idx, val);
            assertArrayEquals(wantIdx, idx, where + ": TopK's indices");
            assertArrayEquals(bits(wantVal), bits(val), where + ": TopK's value bits");
        }
        boolean taken = TopK.sampledRow(x, 0, cols, k, new TopK.Scratch(k), idx, val, 0);
        if (values == 5) assertTrue(!taken, where + ": a row with a NaN must be left to TopK");
        if (taken) {
            sampledTaken++;
            assertArrayEquals(wantIdx, idx, where + ": sampled indices");
            assertArrayEquals(bits(wantVal), bits(val), where + ": sampled value bits");
        } else if (values == 3) {
            sampledRefused++; // fewer than k entries reached the sampled threshold
        }
    }

    /** The sampled property with the hits gathered the other way (compressed or visited), so both paths are tested on any machine. */
    @Test
    void theSampledPathHoldsWithHitsGatheredTheOtherWay() {
        withHitsGatheredTheOtherWay(this::aSampledThresholdRanksAsTheOracleDoes);
    }

    /** The sampled and histogram paths with the candidates ranked the other way (selected then sorted, or all sorted). */
    @Test
    void theSampledAndHistogramPathsHoldWithTheTopRankedTheOtherWay() {
        withTheTopRankedTheOtherWay(() -> {
            aSampledThresholdRanksAsTheOracleDoes();
            longRowsEqualScalarTwin();
        });
    }

    /**
     * The radix ranking of gathered hits gives the sort's top: the same packs, best last, for values with
     * many ties (a coarse grid, ±0, ±∞) or spread over binades, columns ascending as every gatherer gathers them.
     */
    @Test
    void theRadixRankingOfHitsEqualsTheSort() {
        Props.qt(20261212L, 300).forAll(Props.ints(64, 1400), Props.ints(0, 2), Props.seeds()).checkAssert((n, kind, seed) -> {
            SplittableRandom r = new SplittableRandom(seed);
            int k = 1 + r.nextInt(n + 10);
            TopK.Scratch sc = new TopK.Scratch(1400);
            for (int i = 0, col = 0; i < n; i++) {
                col += 1 + r.nextInt(3);
                sc.hitIdx[i] = col;
                sc.hitVal[i] = switch (kind) {
                    case 0 -> (float) r.nextGaussian();
                    case 1 -> r.nextInt(9) == 0 ? (r.nextBoolean() ? -0f : 0f) : r.nextInt(7) - 3 + (r.nextInt(5) == 0 ? Float.POSITIVE_INFINITY : 0);
                    default -> (float) (r.nextGaussian() * Math.pow(2, r.nextInt(120) - 60));
                };
            }
            long[] want = new long[n];
            for (int i = 0; i < n; i++) want[i] = TopK.pack(sc.hitVal[i], sc.hitIdx[i]);
            java.util.Arrays.sort(want);
            TopK.radixTopHits(sc, n, k);
            int top = Math.min(n, k);
            assertArrayEquals(java.util.Arrays.copyOfRange(want, n - top, n), java.util.Arrays.copyOfRange(sc.cand, n - top, n),
                    n + " hits, k " + k + ", values " + kind);
        });
    }

    /** Runs body with {@code TopK.rankWithoutVectorSort} flipped, so both ways of ranking the top are tested on any machine. */
    static void withTheTopRankedTheOtherWay(Runnable body) {
        withFlipped(() -> TopK.rankWithoutVectorSort, b -> TopK.rankWithoutVectorSort = b, body);
    }

    /**
     * Runs body with hits above a threshold gathered the other way: visited one by one where this
     * machine compresses them (AVX-512), compressed where it visits them, so both paths are tested
     * on any machine.
     */
    static void withHitsGatheredTheOtherWay(Runnable body) {
        withFlipped(() -> TopK.compressHits, b -> TopK.compressHits = b, body);
    }

    /** Runs body with a path switch flipped, then sets it back. */
    private static void withFlipped(java.util.function.BooleanSupplier get, java.util.function.Consumer<Boolean> set, Runnable body) {
        boolean before = get.getAsBoolean();
        set.accept(!before);
        try {
            body.run();
        } finally {
            set.accept(before);
        }
    }

    private static int[] bits(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Float.floatToRawIntBits(v[i]);
        return out;
    }
}
