package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import saelab.tensor.Props;

/**
 * {@link RunningTopK}: rows merged a block of columns at a time end with {@link TopK#rows}'s
 * indices and value bits over the whole rows (and {@link ScalarTopK}'s, the plain oracle), for
 * blocks of 1 column up to the row, k above, near and below the block width, values on a coarse
 * grid with +0, −0 and −∞ (ties at the cut and between blocks, broken towards the lower column),
 * ascending rows whose every block beats the held k-th (more candidates than the skim keeps),
 * and batches large enough for the rows to be spread over threads.
 */
class RunningTopKProperties {
    private int tiesAcrossBlocks, kAboveWidth, ascendingOverflows, threaded, signedZeroTies, biasedSkims, biasedTies;

    @Test
    void mergingBlocksGivesTheWholeRowsTopK() {
        Props.qt(20261204L, 400)
                .forAll(Props.ints(0, 3), Props.ints(0, 4), Props.ints(0, 1), Props.seeds())
                .checkAssert(this::mergedEqualsWhole);
        assertTrue(tiesAcrossBlocks > 20 && kAboveWidth > 20 && ascendingOverflows > 10 && threaded > 10 && signedZeroTies > 10
                        && biasedSkims > 20 && biasedTies > 10,
                tiesAcrossBlocks + " ties across blocks at the cut, " + kAboveWidth + " k above the block width, " + ascendingOverflows
                        + " ascending rows with more than 4k + 256 entries above the k-th in a block, " + threaded
                        + " threaded batches, " + signedZeroTies + " ±0 ties kept in one row, " + biasedSkims
                        + " biased merges with later blocks skimmed, " + biasedTies + " of them with ties across blocks");
    }

    /**
     * @param values 0: Gaussian; 1: multiples of 1/2 in [−2, 2] (so +0) and −0; 2: the grid with −∞ for a third;
     *               3: ascending rows (each later block wholly above the held k-th)
     * @param shape  0: blocks of 1; 1: k above the block width; 2: k within 2 of it; 3: many rows (threads); 4: any
     * @param biased 1: a per-column bias is merged with the rows (the expectation adds it first)
     */
    private void mergedEqualsWhole(int values, int shape, int biased, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int rows = shape == 3 ? 40 + r.nextInt(40) : 1 + r.nextInt(6);
        int cols = values == 3 ? 2000 + r.nextInt(3000) : shape == 3 ? 900 + r.nextInt(600) : 1 + r.nextInt(3000);
        int k = 1 + r.nextInt(Math.min(cols, values == 3 ? 20 : 400)), width;
        if (shape == 0) width = 1;
        else if (shape == 1) width = k == 1 ? 1 : 1 + r.nextInt(k - 1);
        else if (shape == 2) width = Math.max(1, k - 2 + r.nextInt(5));
        else if (values == 3) width = 4 * k + 257 + r.nextInt(cols);
        else width = 1 + r.nextInt(cols);
        int ld = cols + r.nextInt(3);
        float[] x = new float[rows * ld];
        for (int b = 0; b < rows; b++) {
            for (int j = 0; j < cols; j++) {
                float v = switch (values) {
                    case 0 -> (float) r.nextGaussian();
                    case 3 -> j + r.nextInt(2) * 0.5f;
                    default -> {
                        if (values == 2 && r.nextInt(3) == 0) yield Float.NEGATIVE_INFINITY;
                        float g = (r.nextInt(9) - 4) / 2f;
                        yield g == 0 && r.nextBoolean() ? -0f : g;
                    }
                };
                x[b * ld + j] = v;
            }
        }
        // A bias on the values' own grid (ties between biased entries stay common), small on ascending rows.
        float[] bias = biased == 0 ? null : new float[cols + 1];
        if (bias != null) {
            for (int j = 0; j < bias.length; j++) {
                float g = values == 0 ? (float) r.nextGaussian() : values == 3 ? r.nextInt(2) * 0.5f : (r.nextInt(5) - 2) / 2f;
                bias[j] = g == 0 && r.nextBoolean() ? -0f : g;
            }
        }
        // What the merge must rank: the rows plus the bias, added the way the caller would add it in place.
        float[] seen = x.clone();
        if (bias != null) for (int b = 0; b < rows; b++) for (int j = 0; j < cols; j++) seen[b * ld + j] = x[b * ld + j] + bias[j];
        int[] wantIdx = new int[rows * k], scalarIdx = new int[rows * k], idx = new int[rows * k];
        float[] wantVal = new float[rows * k], scalarVal = new float[rows * k], val = new float[rows * k];
        TopK.rowsOnCpu(seen, 0, ld, rows, cols, k, wantIdx, wantVal);
        ScalarTopK.rows(seen, 0, ld, rows, cols, k, scalarIdx, scalarVal);
        assertArrayEquals(scalarIdx, wantIdx, "the oracles agree");
        int held = 0;
        for (int j0 = 0; j0 < cols; j0 += width) {
            int nc = Math.min(width, cols - j0);
            if (bias == null) RunningTopK.merge(x, j0, ld, rows, nc, j0, k, held, idx, val);
            else RunningTopK.merge(x, j0, ld, rows, nc, j0, bias, j0, k, held, idx, val, 0);
            held = Math.min(k, held + nc);
        }
        String where = rows + " rows of " + cols + " (stride " + ld + "), k " + k + ", blocks of " + width + ", values " + values
                + (bias == null ? "" : ", biased");
        assertArrayEquals(wantIdx, idx, where + ": indices");
        assertArrayEquals(bits(wantVal), bits(val), where + ": value bits");
        if (bias != null && k <= width && width < cols) {
            biasedSkims++;
            if (tieAcrossBlocks(seen, ld, rows, cols, k, wantIdx, width)) biasedTies++;
        }
        x = seen;

        if (tieAcrossBlocks(x, ld, rows, cols, k, wantIdx, width)) tiesAcrossBlocks++;
        if (k > width) kAboveWidth++;
        if (values == 3 && width < cols && width > 4 * k + 256) ascendingOverflows++;
        if ((long) rows * width >= 1 << 15 && rows > 1) threaded++;
        if (signedZeroKept(wantVal, k, rows)) signedZeroTies++;
    }

    /** The property again with the hits above the held k-th gathered the other way (both paths on any machine). */
    @Test
    void mergingHoldsWithHitsGatheredTheOtherWay() {
        TopKProperties.withHitsGatheredTheOtherWay(this::mergingBlocksGivesTheWholeRowsTopK);
    }

    /** The property again with the candidates' top ranked the other way (selected then sorted, or all sorted). */
    @Test
    void mergingHoldsWithTheTopRankedTheOtherWay() {
        TopKProperties.withTheTopRankedTheOtherWay(this::mergingBlocksGivesTheWholeRowsTopK);
    }

    /** A row's k-th kept column ties with a column left out in another block. */
    private static boolean tieAcrossBlocks(float[] x, int ld, int rows, int cols, int k, int[] want, int width) {
        if (k >= cols) return false;
        for (int b = 0; b < rows; b++) {
            java.util.Set<Integer> kept = new java.util.HashSet<>();
            for (int s = 0; s < k; s++) kept.add(want[b * k + s]);
            int last = want[b * k + k - 1];
            for (int j = 0; j < cols; j++) {
                if (!kept.contains(j) && x[b * ld + j] == x[b * ld + last] && j / width != last / width) return true;
            }
        }
        return false;
    }

    /** Some row keeps both a +0 and a −0 (kept in column order, as equal values). */
    private static boolean signedZeroKept(float[] val, int k, int rows) {
        for (int b = 0; b < rows; b++) {
            boolean plus = false, minus = false;
            for (int s = 0; s < k; s++) {
                int bitsOf = Float.floatToRawIntBits(val[b * k + s]);
                plus |= bitsOf == 0;
                minus |= bitsOf == 0x80000000;
            }
            if (plus && minus) return true;
        }
        return false;
    }

    private static int[] bits(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Float.floatToRawIntBits(v[i]);
        return out;
    }
}
