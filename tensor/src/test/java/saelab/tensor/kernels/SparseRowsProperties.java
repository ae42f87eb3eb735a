package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import saelab.tensor.Props;

/**
 * The latent-major sparse products against a float64 reference of the same sums, and their
 * determinism: the same bits on 1, 2 and 3 threads. Shapes are small, but the column tiles are
 * narrowed (1 to 8 vector lengths; 4 and 8 are the production tiles with their own register paths) so every case spans several tiles, with a ragged last tile
 * and a tail beyond the last full vector.
 */
class SparseRowsProperties {

    /** u, the unit roundoff of float. */
    private static final double U = 0x1p-24;

    /** γ_n = n·u / (1 − n·u): the relative bound of a sum of n roundings. */
    private static double gamma(int n) { return n * U / (1 - n * U); }

    /**
     * rows 1..40 × m 1..60 latents, k 1..min(m, 12) distinct per row, d 1..9 vector lengths
     * (+ 0..L−1), tiles of 1..8 vectors (8: the decode's register path), blocks of 1..m rows of W
     * for the decode; some values 0 (ReLU zeros) when {@code zeros}.
     */
    record Case(int rows, int m, int k, int d, int tileVectors, int block, boolean zeros, long seed) {
        int tile() { return tileVectors * SparseRows.L; }
    }

    private static Gen<Case> cases() {
        Gen<Integer> rowsG = Props.ints(1, 40), mG = Props.ints(1, 60), widths = Props.ints(1, 9 * SparseRows.L + SparseRows.L - 1),
                tilesG = Props.ints(1, 8);
        Gen<Boolean> flags = Props.bools();
        Gen<Long> seeds = Props.seeds();
        return in -> {
            int m = mG.generate(in);
            return new Case(rowsG.generate(in), m, Props.ints(1, Math.min(m, 12)).generate(in), widths.generate(in),
                    tilesG.generate(in), Props.ints(1, m).generate(in), flags.generate(in), seeds.generate(in));
        };
    }

    /** A code with k distinct latents per row (values ≥ 0, some 0 when c.zeros) and dense operands. */
    private record Data(int[] idx, float[] val, float[] w, float[] g, float[] bias) {}

    private static Data data(Case c) {
        SplittableRandom r = new SplittableRandom(c.seed());
        int[] idx = new int[c.rows() * c.k()];
        float[] val = new float[idx.length];
        for (int b = 0; b < c.rows(); b++) {
            int[] perm = new int[c.m()];
            for (int j = 0; j < c.m(); j++) perm[j] = j;
            for (int s = 0; s < c.k(); s++) {
                int t = s + r.nextInt(c.m() - s);
                int tmp = perm[s]; perm[s] = perm[t]; perm[t] = tmp;
                idx[b * c.k() + s] = perm[s];
                val[b * c.k() + s] = c.zeros() && r.nextInt(4) == 0 ? 0f : (float) r.nextDouble(0, 3);
            }
        }
        return new Data(idx, val, gauss(r, c.m() * c.d()), gauss(r, c.rows() * c.d()), gauss(r, c.d()));
    }

    private static float[] gauss(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian());
        return a;
    }

    @Test
    void decodeIsTheSparseProductWithinItsRoundingBound() {
        Props.qt(20261204, 300).forAll(cases()).checkAssert(c -> {
            Data t = data(c);
            int d = c.d(), k = c.k();
            SparseRows.Columns cols = SparseRows.columns(c.rows(), k, c.m(), t.idx(), t.val(), 0, false);
            assertEquals(c.rows() * k, cols.entries(), "every entry, zeros included");
            float[] out = new float[c.rows() * d];
            java.util.Arrays.fill(out, Float.NaN); // times overwrites
            SparseRows.times(cols, t.w(), d, t.bias(), 0, out, c.tile(), c.block());
            for (int b = 0; b < c.rows(); b++) {
                for (int e = 0; e < d; e++) {
                    double exact = t.bias()[e], mag = Math.abs(t.bias()[e]);
                    for (int s = 0; s < k; s++) {
                        double term = (double) t.val()[b * k + s] * t.w()[t.idx()[b * k + s] * d + e];
                        exact += term;
                        mag += Math.abs(term);
                    }
                    // k fused multiply-adds onto the bias: one rounding each.
                    double bound = gamma(k) * mag;
                    assertTrue(Math.abs(out[b * d + e] - exact) <= 2 * bound, "row " + b + ", column " + e + ": " + out[b * d + e] + " vs " + exact + " (bound " + bound + ")");
                }
            }
        });
    }

    @Test
    void backwardGivesTheValueAndRowGradientsWithinTheirBounds() {
        Props.qt(20261205, 300).forAll(cases()).checkAssert(c -> {
            Data t = data(c);
            int d = c.d(), k = c.k(), m = c.m(), rows = c.rows();
            SparseRows.Columns cols = SparseRows.columns(rows, k, m, t.idx(), t.val(), 0, false);
            SplittableRandom r = new SplittableRandom(c.seed() ^ 0x5eed);
            float[] gS0 = gauss(r, rows * k), gW0 = gauss(r, m * d);
            float[] gS = gS0.clone(), gW = gW0.clone();
            SparseRows.timesBackward(cols, t.w(), d, t.g(), gS, gW, false, c.tile());
            for (int p = 0; p < rows * k; p++) {
                int b = p / k, j = t.idx()[p];
                double exact = gS0[p], mag = Math.abs(gS0[p]);
                for (int e = 0; e < d; e++) {
                    double term = (double) t.g()[b * d + e] * t.w()[j * d + e];
                    exact += term;
                    mag += Math.abs(term);
                }
                // d products summed (lane partials, lane tree, tiles), then added to gS: at most d + 1 roundings per term.
                double bound = gamma(d + 1) * mag;
                assertTrue(Math.abs(gS[p] - exact) <= 2 * bound, "entry " + p + ": " + gS[p] + " vs " + exact + " (bound " + bound + ")");
            }
            double[] exactW = new double[m * d], magW = new double[m * d];
            int[] count = new int[m];
            for (int i = 0; i < m * d; i++) { exactW[i] = gW0[i]; magW[i] = Math.abs(gW0[i]); }
            for (int p = 0; p < rows * k; p++) {
                int b = p / k, j = t.idx()[p];
                count[j]++;
                for (int e = 0; e < d; e++) {
                    double term = (double) t.val()[p] * t.g()[b * d + e];
                    exactW[j * d + e] += term;
                    magW[j * d + e] += Math.abs(term);
                }
            }
            for (int j = 0; j < m; j++) {
                for (int e = 0; e < d; e++) {
                    // n fused multiply-adds in a scratch, then one add onto gW.
                    double bound = gamma(count[j] + 1) * magW[j * d + e];
                    assertTrue(Math.abs(gW[j * d + e] - exactW[j * d + e]) <= 2 * bound, "gW[" + j + ", " + e + "]: " + gW[j * d + e] + " vs " + exactW[j * d + e]);
                }
            }
        });
    }

    @Test
    void transposedProductIsXtSWithinItsBound() {
        Props.qt(20261206, 300).forAll(cases()).checkAssert(c -> {
            Data t = data(c);
            int d = c.d(), k = c.k(), m = c.m(), rows = c.rows();
            SparseRows.Columns cols = SparseRows.columns(rows, k, m, t.idx(), t.val(), 0, true);
            for (int q = 0; q < cols.entries(); q++) assertTrue(cols.value()[q] != 0, "skipZeros kept a zero at entry " + q);
            SplittableRandom r = new SplittableRandom(c.seed() ^ 0xa11);
            float[] gA0 = gauss(r, d * m), gA = gA0.clone();
            SparseRows.transposedTimesInto(cols, t.g(), d, gA, c.tile());
            double[] exact = new double[d * m], mag = new double[d * m];
            int[] count = new int[m];
            for (int i = 0; i < d * m; i++) { exact[i] = gA0[i]; mag[i] = Math.abs(gA0[i]); }
            for (int p = 0; p < rows * k; p++) {
                int b = p / k, j = t.idx()[p];
                if (t.val()[p] != 0) count[j]++;
                for (int e = 0; e < d; e++) {
                    double term = (double) t.val()[p] * t.g()[b * d + e];
                    exact[e * m + j] += term;
                    mag[e * m + j] += Math.abs(term);
                }
            }
            for (int e = 0; e < d; e++) {
                for (int j = 0; j < m; j++) {
                    double bound = gamma(count[j] + 1) * mag[e * m + j];
                    assertTrue(Math.abs(gA[e * m + j] - exact[e * m + j]) <= 2 * bound, "gA[" + e + ", " + j + "]: " + gA[e * m + j] + " vs " + exact[e * m + j]);
                }
            }
        });
    }

    /** Every product on 1, 2 and 3 threads, at the production tile width and at narrow ones: the same bits. */
    @Test
    void resultsDoNotDependOnTheThreadCount() {
        Props.qt(20261207, 60).forAll(cases()).checkAssert(c -> {
            Data t = data(c);
            int d = c.d(), k = c.k(), m = c.m(), rows = c.rows();
            SparseRows.Columns cols = SparseRows.columns(rows, k, m, t.idx(), t.val(), 0, false);
            Supplier<float[][]> all = () -> {
                float[] out = new float[rows * d], gS = new float[rows * k], gW = new float[m * d], gA = new float[d * m];
                SparseRows.times(cols, t.w(), d, t.bias(), 0, out, c.tile(), c.block());
                SparseRows.timesBackward(cols, t.w(), d, t.g(), gS, gW, false, c.tile());
                SparseRows.transposedTimesInto(cols, t.g(), d, gA, c.tile());
                float[] out2 = new float[rows * d];
                SparseRows.times(cols, t.w(), d, null, 0, out2);
                return new float[][] {out, gS, gW, gA, out2};
            };
            float[][] one = Parallel.withParallelism(1, all), two = Parallel.withParallelism(2, all), three = Parallel.withParallelism(3, all);
            boolean moved = false;
            for (int i = 0; i < one.length; i++) {
                assertArrayEquals(bits(one[i]), bits(two[i]), "output " + i + ", 1 vs 2 threads");
                assertArrayEquals(bits(one[i]), bits(three[i]), "output " + i + ", 1 vs 3 threads");
                for (float x : one[i]) moved |= x != 0;
            }
            assertTrue(moved, "every output is zero");
        });
    }

    /**
     * The decode, gW and gA sum each element in an order fixed by the entries alone (columns
     * ascending within a row; a column's entries by row), so any tiling gives the same bits: the
     * register paths (tiles of 4 and 8 vectors) equal the one-vector general loop, for blocks
     * of W from one row to all m, and the transposed product for spans of 16 to 48 latents. Only
     * the value gradient's dots are summed tile by tile: the four-vector path's dots (and gW,
     * added into a nonzero buffer) equal the general loop run on the same four-vector tiles.
     */
    @Test
    void theRegisterPathsGiveTheGeneralLoopsBits() {
        int[] used = new int[3];
        Props.qt(20261208, 200).forAll(cases()).checkAssert(c -> {
            Data t = data(c);
            int d = c.d(), k = c.k(), m = c.m(), rows = c.rows(), l = SparseRows.L;
            SparseRows.Columns cols = SparseRows.columns(rows, k, m, t.idx(), t.val(), 0, false);
            float[] general = new float[rows * d], fast = new float[rows * d], fastDefault = new float[rows * d];
            SparseRows.times(cols, t.w(), d, t.bias(), 0, general, l, m);
            SparseRows.times(cols, t.w(), d, t.bias(), 0, fast, 8 * l, c.block());
            SparseRows.times(cols, t.w(), d, t.bias(), 0, fastDefault);
            assertArrayEquals(bits(general), bits(fast), "decode, tile of 8 vectors, block " + c.block());
            assertArrayEquals(bits(general), bits(fastDefault), "decode at the default tiling");
            float[] gW1 = new float[m * d], gW4 = new float[m * d], gA1 = new float[d * m], gA4 = new float[d * m];
            SparseRows.timesBackward(cols, t.w(), d, t.g(), null, gW1, false, l);
            SparseRows.timesBackward(cols, t.w(), d, t.g(), null, gW4, false, 4 * l);
            assertArrayEquals(bits(gW1), bits(gW4), "gW, tile of 4 vectors");
            // The value gradient's dots are summed tile by tile, so the four-vector path is held to the general loop at the same tiles.
            SplittableRandom r = new SplittableRandom(c.seed() ^ 0x4e9);
            float[] gSRegister = gauss(r, rows * k), gSGeneral = gSRegister.clone(), gWRegister = gauss(r, m * d), gWGeneral = gWRegister.clone();
            SparseRows.timesBackward(cols, t.w(), d, t.g(), gSRegister, gWRegister, false, 4 * l);
            SparseRows.timesBackward(cols, t.w(), d, t.g(), gSGeneral, gWGeneral, false, 4 * l, SparseRows.ColumnPath.GENERAL);
            assertArrayEquals(bits(gSGeneral), bits(gSRegister), "value gradient, tile of 4 vectors: register path vs general loop");
            assertArrayEquals(bits(gWGeneral), bits(gWRegister), "gW added into a nonzero buffer, tile of 4 vectors: register path vs general loop");
            // Both register forms, whichever this machine's registers pick.
            for (SparseRows.ColumnPath path : new SparseRows.ColumnPath[] {SparseRows.ColumnPath.HOLD_W, SparseRows.ColumnPath.RELOAD_W}) {
                float[] gSPath = gSGeneral.clone(), gWPath = gWGeneral.clone(), gSRef = gSGeneral.clone(), gWRef = gWGeneral.clone();
                SparseRows.timesBackward(cols, t.w(), d, t.g(), gSPath, gWPath, false, 4 * l, path);
                SparseRows.timesBackward(cols, t.w(), d, t.g(), gSRef, gWRef, false, 4 * l, SparseRows.ColumnPath.GENERAL);
                assertArrayEquals(bits(gSRef), bits(gSPath), "value gradient, tile of 4 vectors: " + path + " vs general loop");
                assertArrayEquals(bits(gWRef), bits(gWPath), "gW, tile of 4 vectors: " + path + " vs general loop");
            }
            // The eight-vector reloading kernel (16 registers, fewer than 16 lanes) against the general loop on eight-vector tiles.
            float[] gS8 = gSGeneral.clone(), gW8 = gWGeneral.clone(), gS8Ref = gSGeneral.clone(), gW8Ref = gWGeneral.clone();
            SparseRows.timesBackward(cols, t.w(), d, t.g(), gS8, gW8, false, 8 * l, SparseRows.ColumnPath.RELOAD_W);
            SparseRows.timesBackward(cols, t.w(), d, t.g(), gS8Ref, gW8Ref, false, 8 * l, SparseRows.ColumnPath.GENERAL);
            assertArrayEquals(bits(gS8Ref), bits(gS8), "value gradient, tile of 8 vectors: reloading kernel vs general loop");
            assertArrayEquals(bits(gW8Ref), bits(gW8), "gW, tile of 8 vectors: reloading kernel vs general loop");
            SparseRows.Columns nz = SparseRows.columns(rows, k, m, t.idx(), t.val(), 0, true);
            float[] gANarrow = new float[d * m];
            SparseRows.transposedTimesInto(nz, t.g(), d, gA1, l);
            SparseRows.transposedTimesInto(nz, t.g(), d, gA4, 4 * l);
            SparseRows.transposedTimesInto(nz, t.g(), d, gANarrow, false, 4 * l, 16 * (1 + c.block() % 3));
            assertArrayEquals(bits(gA1), bits(gA4), "gA, tile of 4 vectors");
            float[] gA8 = new float[d * m];
            SparseRows.transposedTimesInto(nz, t.g(), d, gA8, 8 * l);
            assertArrayEquals(bits(gA1), bits(gA8), "gA, tile of 8 vectors");
            assertArrayEquals(bits(gA1), bits(gANarrow), "gA, spans of " + 16 * (1 + c.block() % 3) + " latents");
            if (d >= 8 * l) used[0]++;
            if (d >= 4 * l) used[1]++;
            if (c.block() < m) used[2]++;
        });
        // The register paths need a full tile: enough drawn cases must reach them, and several W blocks.
        assertTrue(used[0] >= 20 && used[1] >= 40 && used[2] >= 40, "register paths reached: decode " + used[0] + ", backward " + used[1] + ", blocked " + used[2]);
    }

    /**
     * Overwriting a gradient (its old contents ignored: {@code CustomOp.Grads.fresh}) gives the bits of adding
     * into zeros, on every path and tile: the gradients start as NaN, so an element left unwritten (a latent
     * no row kept, a span of them) or read shows. Many cases have latents no row keeps, and the transposed
     * product gets 48 more latents than the code uses, so every case has an empty span.
     */
    @Test
    void overwritingAGradientGivesTheBitsOfAddingIntoZeros() {
        int[] empty = new int[2];
        Props.qt(20261209, 200).forAll(cases()).checkAssert(c -> {
            Data t = data(c);
            int d = c.d(), k = c.k(), m = c.m(), rows = c.rows(), l = SparseRows.L;
            SparseRows.Columns cols = SparseRows.columns(rows, k, m, t.idx(), t.val(), 0, false);
            for (int j = 0; j < m; j++) if (cols.start()[j] == cols.start()[j + 1]) { empty[0]++; break; }
            for (SparseRows.ColumnPath path : SparseRows.ColumnPath.values()) {
                for (int tile : new int[] {c.tile(), 4 * l, 8 * l}) {
                    float[] gSAdded = new float[rows * k], gWAdded = new float[m * d], gSOver = new float[rows * k], gWOver = new float[m * d];
                    java.util.Arrays.fill(gWOver, Float.NaN);
                    SparseRows.timesBackward(cols, t.w(), d, t.g(), gSAdded, gWAdded, false, tile, path);
                    SparseRows.timesBackward(cols, t.w(), d, t.g(), gSOver, gWOver, true, tile, path);
                    assertArrayEquals(bits(gWAdded), bits(gWOver), "gW overwritten, " + path + ", tile " + tile);
                    assertArrayEquals(bits(gSAdded), bits(gSOver), "value gradient beside an overwritten gW, " + path + ", tile " + tile);
                }
            }
            // 48 latents past the code's m that no row keeps: at least one whole empty span.
            int mWide = m + 48, wide = 16 * (1 + c.block() % 3);
            SparseRows.Columns nz = SparseRows.columns(rows, k, mWide, t.idx(), t.val(), 0, true);
            for (int p0 = 0; p0 < mWide; p0 += wide) if (nz.start()[p0] == nz.start()[Math.min(mWide, p0 + wide)]) { empty[1]++; break; }
            for (int tile : new int[] {c.tile(), 4 * l, 8 * l}) {
                float[] gAAdded = new float[d * mWide], gAOver = new float[d * mWide];
                java.util.Arrays.fill(gAOver, Float.NaN);
                SparseRows.transposedTimesInto(nz, t.g(), d, gAAdded, false, tile, wide);
                SparseRows.transposedTimesInto(nz, t.g(), d, gAOver, true, tile, wide);
                assertArrayEquals(bits(gAAdded), bits(gAOver), "gA overwritten, tile " + tile + ", spans of " + wide);
            }
        });
        assertTrue(empty[0] >= 20 && empty[1] >= 100, "cases with a latent no row kept: " + empty[0] + ", with an empty span: " + empty[1]);
    }

    /**
     * The packed tiles' rows start wherever {@link CacheLines} says (a cache line, where the address can be
     * learnt): moving that start moves where the same rows are written and read, so every product gives the
     * same bits at every start, on every path. A start applied on one side only (written there, read
     * elsewhere) shows as other values or as the slack's garbage.
     */
    @Test
    void everyRowStartGivesTheSameBits() {
        Props.qt(20261211, 40).forAll(cases()).checkAssert(c -> {
            Data t = data(c);
            int d = c.d(), k = c.k(), m = c.m(), rows = c.rows(), l = SparseRows.L;
            SparseRows.Columns cols = SparseRows.columns(rows, k, m, t.idx(), t.val(), 0, false);
            SparseRows.Columns nz = SparseRows.columns(rows, k, m, t.idx(), t.val(), 0, true);
            Supplier<float[][]> all = () -> {
                float[] out = new float[rows * d], out8 = new float[rows * d], gS = new float[rows * k], gW = new float[m * d],
                        gS8 = new float[rows * k], gW8 = new float[m * d], gSGeneral = new float[rows * k], gWGeneral = new float[m * d],
                        gA = new float[d * m], gA8 = new float[d * m];
                SparseRows.times(cols, t.w(), d, t.bias(), 0, out, c.tile(), c.block());
                SparseRows.times(cols, t.w(), d, null, 0, out8, 8 * l, c.block());
                SparseRows.timesBackward(cols, t.w(), d, t.g(), gS, gW, false, 4 * l);
                SparseRows.timesBackward(cols, t.w(), d, t.g(), gS8, gW8, false, 8 * l, SparseRows.ColumnPath.RELOAD_W);
                SparseRows.timesBackward(cols, t.w(), d, t.g(), gSGeneral, gWGeneral, false, c.tile(), SparseRows.ColumnPath.GENERAL);
                SparseRows.transposedTimesInto(nz, t.g(), d, gA, 4 * l);
                SparseRows.transposedTimesInto(nz, t.g(), d, gA8, c.tile());
                return new float[][] {out, out8, gS, gW, gS8, gW8, gSGeneral, gWGeneral, gA, gA8};
            };
            float[][] reference = atStart(0, all);
            for (int start : new int[] {1, 6, CacheLines.SLACK}) {
                float[][] moved = atStart(start, all);
                for (int i = 0; i < reference.length; i++) assertArrayEquals(bits(reference[i]), bits(moved[i]), "output " + i + ", rows from " + start);
            }
        });
    }

    private static float[][] atStart(int start, Supplier<float[][]> body) {
        int before = CacheLines.forcedStart;
        CacheLines.forcedStart = start;
        try {
            return body.get();
        } finally {
            CacheLines.forcedStart = before;
        }
    }

    @Test
    void anOutOfRangeColumnIsNamed() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SparseRows.columns(1, 2, 4, new int[] {1, 4}, new float[] {1, 1}, 0, false));
        assertEquals("sparse rows: column 4 at entry 1, expected 0 ≤ column < m = 4", e.getMessage());
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) b[i] = Float.floatToRawIntBits(a[i]);
        return b;
    }

}
