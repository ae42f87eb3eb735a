package saelab.train.sae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static saelab.train.Props.qt;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link BlockedTopK} selects what the whole-batch path ({@link SparseEncoder#preActivations} then
 * {@link SparseEncoder#select}, with and without the dead mask) selects: the same indices and
 * value bits, ties included, whatever the block (1 row, a block that does not divide the rows,
 * more rows than the batch). Inputs and weights are multiples of 1/4 in half the cases, so equal
 * pre-activations (ties, broken towards the lower latent) occur at the cut.
 */
class BlockedTopKProperties {
    private int ties, partialLastBlocks, singleRowBlocks, deadSelections, wideRows;

    @Test
    void blockedSelectionsEqualTheWholeBatchSelectionsBitForBit() {
        // A fixed seed: a failure replays, and QuickTheories prints it with the shrunk example.
        qt(20261204L, 300)
                .forAll(integers().between(0, 3), integers().between(1, 40), integers().between(1, 45), longs().all())
                .checkAssert(this::blockedEqualsWhole);
        assertTrue(ties > 10 && partialLastBlocks > 10 && singleRowBlocks > 10 && deadSelections > 10 && wideRows > 5,
                ties + " ties at the cut, " + partialLastBlocks + " partial last blocks, " + singleRowBlocks + " blocks of 1 row, "
                        + deadSelections + " dead selections, " + wideRows + " cases of m ≥ 2048 (TopK's histogram path)");
    }

    /**
     * @param kind bit 0: weights and inputs on a 1/4 grid (ties); bit 1: m ≥ 2048 with few rows and
     *             small d (TopK's histogram path), else d ≤ 16, m ≤ 80 (a whole vector GEMM cut
     *             into blocks small enough for the scalar kernel alone)
     * @param block requested rows per block (1 in a fifth of the cases)
     */
    private void blockedEqualsWhole(int kind, int rows, int block, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        boolean grid = (kind & 1) != 0, wide = (kind & 2) != 0;
        int d = 1 + r.nextInt(wide ? 4 : 16), m = wide ? 2048 + r.nextInt(300) : 1 + r.nextInt(80);
        if (wide) rows = 1 + rows % 12;
        if (r.nextInt(5) == 0) block = 1;
        int k = 1 + r.nextInt(Math.min(m, wide ? 40 : 8));
        SaeParams p = SaeParams.of(d, m, draw(r, d * m, grid), draw(r, m, grid), draw(r, m * d, grid), draw(r, d, grid));
        float[] x = draw(r, rows * d, grid);
        boolean[] dead = new boolean[m];
        int nDead = 0;
        for (int j = 0; j < m; j++) if (dead[j] = r.nextInt(3) == 0) nDead++;
        int kDead = nDead == 0 || r.nextBoolean() ? 0 : 1 + r.nextInt(Math.min(nDead, 8));

        BlockedTopK.Selections got = BlockedTopK.select(x, rows, p, k, dead, kDead, block);
        SparseEncoder.PreActivations pa = SparseEncoder.preActivations(x, rows, p);
        String where = rows + " rows, d " + d + ", m " + m + ", k " + k + ", k_dead " + kDead + " of " + nDead + ", blocks of " + block;
        assertArrayEquals(pa.xc(), got.centred().xc(), where + ": centred inputs");
        assertSame(SparseEncoder.select(pa, k, null), got.top(), where + ": top k");
        if (kDead > 0) {
            assertSame(SparseEncoder.select(pa, kDead, dead), got.deadTop(), where + ": top k_dead among the dead");
            deadSelections++;
        } else {
            assertNull(got.deadTop(), where + ": a dead selection nobody asked for");
        }
        if (tieAtTheCut(pa, k)) ties++;
        if (block < rows && rows % block != 0) partialLastBlocks++;
        if (block == 1 && rows > 1) singleRowBlocks++;
        if (wide) wideRows++;
    }

    private static void assertSame(SparseEncoder.Selection want, SparseEncoder.Selection got, String what) {
        assertEquals(want.rows(), got.rows(), what);
        assertEquals(want.k(), got.k(), what);
        assertArrayEquals(want.indices(), got.indices(), what + ": indices");
        int[] wantBits = new int[want.values().length], gotBits = new int[got.values().length];
        for (int i = 0; i < wantBits.length; i++) wantBits[i] = Float.floatToRawIntBits(want.values()[i]);
        for (int i = 0; i < gotBits.length; i++) gotBits[i] = Float.floatToRawIntBits(got.values()[i]);
        assertArrayEquals(wantBits, gotBits, what + ": value bits");
    }

    /** Some row's k-th largest pre-activation equals another latent's outside the top k. */
    private static boolean tieAtTheCut(SparseEncoder.PreActivations pa, int k) {
        if (k >= pa.m()) return false;
        for (int b = 0; b < pa.rows(); b++) {
            float[] row = new float[pa.m()];
            for (int j = 0; j < pa.m(); j++) row[j] = pa.pre(b, j);
            java.util.Arrays.sort(row);
            if (row[pa.m() - k] == row[pa.m() - k - 1]) return true;
        }
        return false;
    }

    /** N(0, 1) floats, or multiples of 1/4 in [-1, 1] on the grid. */
    private static float[] draw(SplittableRandom r, int n, boolean grid) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = grid ? (r.nextInt(9) - 4) / 4f : (float) r.nextGaussian();
        return v;
    }
}
