package saelab.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Products of a row-sparse matrix S [rows × m] — k stored entries per row, as a TopK code keeps
 * them (column idx[r·k + s], value val[r·k + s]) — with dense matrices, organised column-major
 * ("latent-major"): the entries are first sorted by column into {@link Columns}, then each row
 * of the dense m-row operand is read once, and the rows × d operand or result it meets is worked
 * on one tile of columns at a time so that tile (rows × tile floats) stays in a core's L2.
 *
 * <p>The gather form (for each row, read the k dense rows its entries name) reads k·rows dense rows
 * from memory at scattered places; this reads each once, and the scattered accesses go to the
 * tile in cache instead. The decode ({@link #times}) is the exception that proves it: it runs row
 * by row over a block of W copied into L2, so that a row's sum stays in registers.
 *
 * <p>Speed: every sum that can be held in registers is (a row of the decode over eight vectors, a
 * column's gradient over four); summing through a scratch row in L1 instead ties each entry to the
 * previous one's store and ran 1.6-2.6× slower at batch 2048, d 2304, m 16384, k 320.
 *
 * <p>What bounds them now is the gathers of rows from the packed tiles (one thread at that shape:
 * the backward's dots alone 95 ms, its gW alone 114, both 123; so lane-summing 16 dots at once,
 * tried, could save little, and every form of it ran slower in this loop). A heap array's rows lie
 * wherever the collector put it (its elements 16 bytes past the header), so a 256-byte row usually
 * spans five 64-byte lines and every vector load of it straddles two. The packed tiles and the
 * decode's W blocks therefore start their rows on a cache line ({@link CacheLines}; the start moves
 * no value, property-tested). Two threads at batch 2048, d 2304, m 16384, k 320 on a Zen 5: the
 * transposed product 30 ms against 33-46 (the spread: whichever offset the heap gave), the backward
 * 40-47 against 40-54, the decode 32-36 against 36-42. (An earlier try put every tile off the heap, in
 * memory segments on lines: the backward gained 3-5 ms, the others nothing; read through a memory
 * segment the backward took 43 ms where a heap tile on lines took 39.)
 *
 * <p>Determinism: every output element is summed in one fixed order — entries by column
 * ascending, a column's entries by row ascending, tiles left to right — that depends on the
 * shapes only, never on the thread count or on scheduling. Lane sums use a fixed tree of
 * shuffles (not reduceLanes, whose order differs between the interpreter and C2).
 */
public final class SparseRows {
    private SparseRows() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Where the products' temporaries come from and go back to (packs, tiles, W blocks, dots, row orders). */
    private static final ReusableArrays POOL = ReusableArrays.shared();
    static final int L = S.length();
    /** Bytes of the rows × tile operand a core keeps in cache: half of a 1 MiB L2. */
    private static final int TILE_BYTES = 512 * 1024;
    /** Widest column tile: beyond it the dense rows' segments stop being short enough for L1. */
    private static final int MAX_TILE = 512;
    /** Columns (latents) per task where a tile's work is split by column of S. */
    private static final int COLUMNS_PER_TASK = 256;
    /** Columns of S per block of the transposed product: 16 floats make one 64-byte write. */
    private static final int BLOCK = 16;

    /**
     * S by column: column j holds entries q in [start[j], start[j+1]), rows ascending; entry q
     * sits in row row[q], at slot[q] = row·k + s of the row-major code, with value value[q].
     */
    public record Columns(int rows, int k, int m, int[] start, int[] row, int[] slot, float[] value) {
        public int entries() { return start[m]; }
    }

    /**
     * The columns of the code (idx, val[valOff ...]) of {@code rows} rows of k entries over m
     * columns; with {@code skipZeros}, entries whose value is 0 are left out. The arrays are
     * {@link ReusableArrays#scopedInts scoped}: reused after the caller's scope (a training step) ends.
     */
    public static Columns columns(int rows, int k, int m, int[] idx, float[] val, int valOff, boolean skipZeros) {
        return columns(rows, k, m, idx, val, valOff, skipZeros, (long) rows * k < PARALLEL_ENTRIES ? 1 : Math.min(rows, 2 * Parallel.parallelism()));
    }

    /**
     * {@link #columns(int, int, int, int[], float[], int, boolean)} sorted in {@code blocks} blocks of
     * rows, in parallel: a counting sort in which block t's entries of a column go after block
     * t − 1's, so a column's entries stay in ascending rows and the result does not depend on the
     * blocks. (Sorted on one core it took ~3.5 ms at batch 2048, k 320, twice a step.)
     */
    static Columns columns(int rows, int k, int m, int[] idx, float[] val, int valOff, boolean skipZeros, int blocks) {
        int n = rows * k;
        if (idx.length < n || val.length - valOff < n) {
            throw new IllegalArgumentException("sparse rows: " + idx.length + " indices and " + (val.length - valOff)
                    + " values for " + rows + " rows of k = " + k + ", expected " + n + " of each");
        }
        if (blocks < 1 || blocks > Math.max(1, rows)) throw new IllegalArgumentException("sparse rows: " + blocks + " blocks of " + rows + " rows");
        int rowsPer = (rows + blocks - 1) / blocks;
        int[] counts = POOL.intsZeroed(blocks * m), firstBad = POOL.ints(blocks);
        try {
            java.util.Arrays.fill(firstBad, Integer.MAX_VALUE);
            Parallel.forRange(blocks, t -> {
                int o = t * m;
                for (int p = t * rowsPer * k, pe = Math.min(n, (t + 1) * rowsPer * k); p < pe; p++) {
                    int j = idx[p];
                    if (j < 0 || j >= m) {
                        firstBad[t] = p;
                        return;
                    }
                    if (!skipZeros || val[valOff + p] != 0) counts[o + j]++;
                }
            });
            for (int t = 0; t < blocks; t++) {
                int p = firstBad[t];
                if (p != Integer.MAX_VALUE) throw new IllegalArgumentException("sparse rows: column " + idx[p] + " at entry " + p + ", expected 0 ≤ column < m = " + m);
            }
            // Column starts, and each block's first slot within each column (counts become offsets).
            int[] start = ReusableArrays.scopedIntsZeroed(m + 1);
            for (int j = 0, q = 0; j < m; j++) {
                start[j] = q;
                for (int t = 0; t < blocks; t++) {
                    int c = counts[t * m + j];
                    counts[t * m + j] = q;
                    q += c;
                }
                start[j + 1] = q;
            }
            int nnz = start[m];
            int[] row = ReusableArrays.scopedInts(nnz), slot = ReusableArrays.scopedInts(nnz);
            float[] value = ReusableArrays.scopedFloats(nnz);
            Parallel.forRange(blocks, t -> {
                int o = t * m;
                for (int p = t * rowsPer * k, pe = Math.min(n, (t + 1) * rowsPer * k); p < pe; p++) {
                    float v = val[valOff + p];
                    if (skipZeros && v == 0) continue;
                    int q = counts[o + idx[p]]++;
                    row[q] = p / k;
                    slot[q] = p;
                    value[q] = v;
                }
            });
            return new Columns(rows, k, m, start, row, slot, value);
        } finally {
            POOL.give(counts);
            POOL.give(firstBad);
        }
    }

    /** Entries from which {@link #columns} sorts blocks of rows in parallel. */
    private static final int PARALLEL_ENTRIES = 1 << 16;

    /**
     * Column-tile width for a rows × tile operand: a multiple of the vector length, within {@link #TILE_BYTES};
     * with fewer than 16 lanes (AVX2's 8) at most eight vectors, the widest register path of the backward and
     * the transposed product. At batch 2048, d 2304, m 16384, k 320 on 8 lanes the fitted 64-wide tiles first
     * ran the general loops (backward 224-238 ms, transposed product 95-97, against 110 and 47 on 32-wide
     * tiles with four-vector register paths); with eight-vector paths, two threads on a Zen 5 (harness
     * /work/h8/bw8): the backward under {@code -XX:UseAVX=2} 95-105 ms on four-vector tiles, 68-75 on eight;
     * 8 lanes and 32 registers 94-99 (holding W) against 83-87; 4 lanes 128-132 against 102-111. The value
     * gradient's dots are summed tile by tile, so the eight-vector tiles changed the last bits of 8- and 4-lane
     * runs (the transposed product's sums do not depend on the tile). With 16 lanes the fitted width at batch
     * 2048 is four vectors already; smaller batches keep their wider tiles (not measured against four vectors,
     * and their results would change).
     */
    static int tileWidth(int rows, int d) {
        int t = TILE_BYTES / (4 * Math.max(1, rows)) / L * L;
        t = Math.max(L, Math.min(MAX_TILE, t));
        if (L < 16) t = Math.min(t, 8 * L);
        return Math.min(t, (d + L - 1) / L * L);
    }

    /**
     * out [rows × d] = bias + S·W, W [m × d] row-major (bias null: none). Entries of value 0 add
     * nothing (as if skipped). Each out element is bias + Σ over its row's entries in column order,
     * with fused multiply-adds: within γ_{k+1}·(|bias| + Σ|value·w|) of the exact sum.
     *
     * <p>How: row by row (each row's sum in registers, W read from cache) over one tile of out's
     * columns and one block of W's rows at a time, that block copied contiguous so it stays in
     * L2 (W's rows at their own stride fall into a fraction of the cache's sets when d has a
     * large power-of-two factor). Summing into out's rows latent by latent instead would load and
     * store a row of out for every entry.
     */
    public static void times(Columns s, float[] w, int d, float[] bias, int biasOff, float[] out) {
        int tile = Math.min(DECODE_TILE, (d + L - 1) / L * L);
        times(s, w, d, bias, biasOff, out, tile, Math.max(1, DECODE_BLOCK_BYTES / (4 * tile)));
    }

    /** {@link #times} with column tiles of {@code tile} floats (a multiple of the vector length), one W block of all m rows. */
    static void times(Columns s, float[] w, int d, float[] bias, int biasOff, float[] out, int tile) {
        times(s, w, d, bias, biasOff, out, tile, s.m());
    }

    /** {@link #times} with column tiles of {@code tile} floats and blocks of {@code block} rows of W. */
    static void times(Columns s, float[] w, int d, float[] bias, int biasOff, float[] out, int tile, int block) {
        int rows = s.rows(), m = s.m();
        if (w.length < (long) m * d || out.length < (long) rows * d) throw new IllegalArgumentException("sparse rows times: W holds " + w.length
                + " floats and out " + out.length + ", expected m·d = " + (long) m * d + " and rows·d = " + (long) rows * d);
        int tiles = (d + tile - 1) / tile;
        int[] start = s.start();
        // The entries again by row, each row's in column order (the order the sum must follow).
        int[] rowStart = POOL.intsZeroed(rows + 1);
        float[] value = s.value();
        int[] entryRow = s.row();
        for (int q = 0; q < s.entries(); q++) if (value[q] != 0) rowStart[entryRow[q] + 1]++;
        for (int r = 0; r < rows; r++) rowStart[r + 1] += rowStart[r];
        int[] col = POOL.ints(rowStart[rows]), fill = copyOf(rowStart, rows);
        float[] val = POOL.floats(col.length);
        // Each thread fills the rows of its block (every entry is written: the arrays need no zeros).
        int blocks = Math.min(rows, Parallel.parallelism()), per = (rows + blocks - 1) / blocks;
        Parallel.forRange(blocks, t -> {
            int r0 = t * per, r1 = Math.min(rows, r0 + per);
            for (int j = 0; j < m; j++) {
                for (int q = start[j]; q < start[j + 1]; q++) {
                    int r = entryRow[q];
                    if (r < r0 || r >= r1 || value[q] == 0) continue;
                    int p = fill[r]++;
                    col[p] = j;
                    val[p] = value[q];
                }
            }
        });
        POOL.give(fill);
        try {
            Parallel.forRange(tiles, t -> timesTile(s, w, d, bias, biasOff, out, tile, block, t, rowStart, col, val));
        } finally {
            POOL.give(rowStart);
            POOL.give(col);
            POOL.give(val);
        }
    }

    /** One column tile of {@link #times}: its buffers from the pool, given back when it is done. */
    private static void timesTile(Columns s, float[] w, int d, float[] bias, int biasOff, float[] out, int tile, int block, int t,
                                  int[] rowStart, int[] col, float[] val) {
        int rows = s.rows(), m = s.m();
        int[] start = s.start();
        int c0 = t * tile, width = Math.min(d, c0 + tile) - c0;
        // The sums start from the bias (or zeros); W's block holds only the rows with entries, and only those are read.
        // Both have their rows from a cache line on (CacheLines), bOff and wOff floats into their arrays.
        float[] buf = bias == null ? POOL.floatsZeroed(rows * width + CacheLines.SLACK) : POOL.floats(rows * width + CacheLines.SLACK);
        int bOff = CacheLines.alignedStart(buf);
        if (bias != null) for (int r = 0; r < rows; r++) System.arraycopy(bias, biasOff + c0, buf, bOff + r * width, width);
        float[] wb = POOL.floats(Math.min(block, m) * width + CacheLines.SLACK);
        int wOff = CacheLines.alignedStart(wb);
        int[] next = copyOf(rowStart, rows);
        try {
            for (int j0 = 0; j0 < m; j0 += block) {
                int j1 = Math.min(m, j0 + block);
                for (int j = j0; j < j1; j++) {
                    if (start[j] != start[j + 1]) System.arraycopy(w, j * d + c0, wb, wOff + (j - j0) * width, width);
                }
                for (int r = 0; r < rows; r++) {
                    int p = next[r], pe = rowStart[r + 1];
                    if (p == pe || col[p] >= j1) continue;
                    next[r] = width == 8 * L ? rowTimes8(col, val, p, pe, j0, j1, wb, wOff, buf, bOff + r * width)
                            : rowTimes(col, val, p, pe, j0, j1, wb, wOff, width, buf, bOff + r * width);
                }
            }
            for (int r = 0; r < rows; r++) System.arraycopy(buf, bOff + r * width, out, r * d + c0, width);
        } finally {
            POOL.give(buf);
            POOL.give(wb);
            POOL.give(next);
        }
    }

    /** Column tile of the decode: eight vectors of a row's sum in registers. */
    private static final int DECODE_TILE = 8 * L;
    /** Bytes of W's block held contiguous by the decode: half of a 1 MiB L2. */
    private static final int DECODE_BLOCK_BYTES = 512 * 1024;

    /**
     * Adds row r's entries p.. with columns below j1 (W's rows j0..j1 packed in wb from wOff on, width
     * floats each) into its sum at buf[o ..); returns the first entry not taken.
     */
    private static int rowTimes(int[] col, float[] val, int p, int pe, int j0, int j1, float[] wb, int wOff, int width, float[] buf, int o) {
        int wv = width / L * L;
        for (; p < pe && col[p] < j1; p++) {
            FloatVector av = FloatVector.broadcast(S, val[p]);
            float a = val[p];
            int wRow = wOff + (col[p] - j0) * width;
            int c = 0;
            for (; c < wv; c += L) {
                FloatVector.fromArray(S, wb, wRow + c).fma(av, FloatVector.fromArray(S, buf, o + c)).intoArray(buf, o + c);
            }
            for (; c < width; c++) buf[o + c] = Math.fma(wb[wRow + c], a, buf[o + c]);
        }
        return p;
    }

    /** {@link #rowTimes} for a tile of eight vectors, the sum in registers: the same operations in the same order. */
    private static int rowTimes8(int[] col, float[] val, int p, int pe, int j0, int j1, float[] wb, int wOff, float[] buf, int o) {
        // W's row j sits at wOff + (j − j0)·8L in the block.
        return gatherSum8(col, val, p, pe, j1, wb, wOff - j0 * 8 * L, buf, o);
    }

    /**
     * acc[o, o + 8L) += Σ over the entries q from q0 on, in order, while q &lt; q1 and at[q] &lt; limit, of
     * value[q]·src[base + at[q]·8L, + 8L); returns the first entry not taken. The eight-vector sums of the decode
     * (a row's entries up to its W block's end, W's rows) and of the transposed product (a latent's entries, no
     * limit, the tile's rows), held in registers, one fused multiply-add per vector and entry.
     */
    private static int gatherSum8(int[] at, float[] value, int q0, int q1, int limit, float[] src, int base, float[] acc, int o) {
        FloatVector a0 = FloatVector.fromArray(S, acc, o), a1 = FloatVector.fromArray(S, acc, o + L),
                a2 = FloatVector.fromArray(S, acc, o + 2 * L), a3 = FloatVector.fromArray(S, acc, o + 3 * L),
                a4 = FloatVector.fromArray(S, acc, o + 4 * L), a5 = FloatVector.fromArray(S, acc, o + 5 * L),
                a6 = FloatVector.fromArray(S, acc, o + 6 * L), a7 = FloatVector.fromArray(S, acc, o + 7 * L);
        int q = q0;
        for (; q < q1 && at[q] < limit; q++) {
            FloatVector av = FloatVector.broadcast(S, value[q]);
            int r = base + at[q] * 8 * L;
            a0 = FloatVector.fromArray(S, src, r).fma(av, a0);
            a1 = FloatVector.fromArray(S, src, r + L).fma(av, a1);
            a2 = FloatVector.fromArray(S, src, r + 2 * L).fma(av, a2);
            a3 = FloatVector.fromArray(S, src, r + 3 * L).fma(av, a3);
            a4 = FloatVector.fromArray(S, src, r + 4 * L).fma(av, a4);
            a5 = FloatVector.fromArray(S, src, r + 5 * L).fma(av, a5);
            a6 = FloatVector.fromArray(S, src, r + 6 * L).fma(av, a6);
            a7 = FloatVector.fromArray(S, src, r + 7 * L).fma(av, a7);
        }
        a0.intoArray(acc, o);
        a1.intoArray(acc, o + L);
        a2.intoArray(acc, o + 2 * L);
        a3.intoArray(acc, o + 3 * L);
        a4.intoArray(acc, o + 4 * L);
        a5.intoArray(acc, o + 5 * L);
        a6.intoArray(acc, o + 6 * L);
        a7.intoArray(acc, o + 7 * L);
        return q;
    }

    /**
     * The backward of out = S·W given G = ∂out [rows × d]: gS[slot] += G[row]·W[j] for every entry
     * (gS null: skipped; entries of value 0 included) and gW[j] += Σ_entries value·G[row] (gW
     * null: skipped). Tiles run left to right; within a tile, columns of S are split over the
     * threads, each entry and each gW row having one writer. A gS dot is summed tile by tile
     * (within γ_d·Σ|g·w|), a gW element over the column's entries then added once (within
     * γ_{n+1}·(|gW| + Σ|value·g|) for a column of n entries).
     */
    public static void timesBackward(Columns s, float[] w, int d, float[] g, float[] gS, float[] gW) {
        timesBackward(s, w, d, g, gS, gW, false);
    }

    /**
     * {@link #timesBackward(Columns, float[], int, float[], float[], float[])}; with {@code overwriteW}, gW's
     * contents are ignored: each segment is zeroed just before its sums are added (so in cache), the bits of
     * adding into a zeroed gW without a pass over all of it writing the zeros first.
     */
    public static void timesBackward(Columns s, float[] w, int d, float[] g, float[] gS, float[] gW, boolean overwriteW) {
        timesBackward(s, w, d, g, gS, gW, overwriteW, tileWidth(s.rows(), d));
    }

    /** {@link #timesBackward} with column tiles of {@code tile} floats (a multiple of the vector length). */
    static void timesBackward(Columns s, float[] w, int d, float[] g, float[] gS, float[] gW, boolean overwriteW, int tile) {
        timesBackward(s, w, d, g, gS, gW, overwriteW, tile, VectorOps.registers() >= 32 ? ColumnPath.HOLD_W : ColumnPath.RELOAD_W);
    }

    /**
     * How {@link #timesBackward} sums a column on a tile of four vectors; on a tile of eight, both register
     * paths take {@link #columnBackward8Reloading}.
     */
    enum ColumnPath {
        /** The general loop (any tile width): the reference whose bits the others must give. */
        GENERAL,
        /** {@link #columnBackward4}: the column's W segment held in registers (32 vector registers). */
        HOLD_W,
        /** {@link #columnBackward4Reloading}: the segment read at every entry (16 vector registers). */
        RELOAD_W
    }

    /** {@link #timesBackward} with column tiles of {@code tile} floats, four-vector tiles summed by {@code path}. */
    static void timesBackward(Columns s, float[] w, int d, float[] g, float[] gS, float[] gW, boolean overwriteW, int tile, ColumnPath path) {
        if (gS == null && gW == null) return;
        int m = s.m(), tiles = (d + tile - 1) / tile;
        int[] start = s.start(), row = s.row(), slot = s.slot();
        float[] value = s.value();
        float[] dots = gS == null ? null : POOL.floatsZeroed(s.entries());
        try {
        // At least 8 tasks where m allows, so the threads share a tile's columns even at small m.
        int per = Math.max(1, Math.min(COLUMNS_PER_TASK, m / 8)), tasks = (m + per - 1) / per;
        int rows = s.rows();
        for (int t = 0; t < tiles; t++) {
            int c0 = t * tile, width = Math.min(d, c0 + tile) - c0, wv = width / L * L;
            Packed packed = pack(g, rows, d, c0, width); // contiguous, as in times, each row from a cache line on
            float[] gt = packed.a();
            int gOff = packed.start();
            try {
            Parallel.forRange(tasks, task -> {
                float[] acc = gW == null ? null : POOL.floatsZeroed(width);
                try {
                for (int j = task * per, je = Math.min(m, j + per); j < je; j++) {
                    int q0 = start[j], q1 = start[j + 1];
                    int wRow = j * d + c0;
                    // An overwritten gW's segment is zeroed here, in cache, just before its sums are added to it.
                    if (overwriteW && gW != null) java.util.Arrays.fill(gW, wRow, wRow + width, 0f);
                    if (q0 == q1) continue;
                    if (path == ColumnPath.HOLD_W && width == 4 * L) {
                        columnBackward4(q0, q1, row, value, gt, gOff, w, wRow, dots, gW);
                        continue;
                    }
                    if (path == ColumnPath.RELOAD_W && width == 4 * L) {
                        columnBackward4Reloading(q0, q1, row, value, gt, gOff, w, wRow, dots, gW);
                        continue;
                    }
                    if (path != ColumnPath.GENERAL && width == 8 * L) {
                        columnBackward8Reloading(q0, q1, row, value, gt, gOff, w, wRow, dots, gW);
                        continue;
                    }
                    if (acc != null) java.util.Arrays.fill(acc, 0f);
                    for (int q = q0; q < q1; q++) {
                        int o = gOff + row[q] * width;
                        FloatVector av = FloatVector.broadcast(S, value[q]);
                        FloatVector dot = FloatVector.zero(S);
                        int c = 0;
                        for (; c < wv; c += L) {
                            FloatVector gv = FloatVector.fromArray(S, gt, o + c);
                            if (dots != null) dot = gv.fma(FloatVector.fromArray(S, w, wRow + c), dot);
                            if (acc != null) gv.fma(av, FloatVector.fromArray(S, acc, c)).intoArray(acc, c);
                        }
                        float dTail = 0f;
                        for (; c < width; c++) {
                            dTail = Math.fma(gt[o + c], w[wRow + c], dTail);
                            if (acc != null) acc[c] = Math.fma(gt[o + c], value[q], acc[c]);
                        }
                        if (dots != null) dots[q] += laneSum(dot) + dTail;
                    }
                    if (acc != null) {
                        int i = 0;
                        for (; i < wv; i += L) FloatVector.fromArray(S, gW, wRow + i).add(FloatVector.fromArray(S, acc, i)).intoArray(gW, wRow + i);
                        for (; i < width; i++) gW[wRow + i] += acc[i];
                    }
                }
                } finally {
                    POOL.give(acc);
                }
            });
            } finally {
                POOL.give(gt);
            }
        }
        if (dots != null) for (int q = 0; q < dots.length; q++) gS[slot[q]] += dots[q];
        } finally {
            POOL.give(dots);
        }
    }

    /**
     * One column's share of {@link #timesBackward} on a tile of four vectors: the column's W
     * segment and its gW sum held in registers (a scratch row would put a store-to-load
     * dependency on every entry), the same operations in the same order as the general loop.
     */
    private static void columnBackward4(int q0, int q1, int[] row, float[] value, float[] gt, int gOff, float[] w, int wRow, float[] dots, float[] gW) {
        FloatVector w0 = FloatVector.fromArray(S, w, wRow), w1 = FloatVector.fromArray(S, w, wRow + L),
                w2 = FloatVector.fromArray(S, w, wRow + 2 * L), w3 = FloatVector.fromArray(S, w, wRow + 3 * L);
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int q = q0; q < q1; q++) {
            int o = gOff + row[q] * 4 * L;
            FloatVector g0 = FloatVector.fromArray(S, gt, o), g1 = FloatVector.fromArray(S, gt, o + L),
                    g2 = FloatVector.fromArray(S, gt, o + 2 * L), g3 = FloatVector.fromArray(S, gt, o + 3 * L);
            if (dots != null) {
                FloatVector dot = g3.fma(w3, g2.fma(w2, g1.fma(w1, g0.fma(w0, FloatVector.zero(S)))));
                dots[q] += laneSum(dot);
            }
            if (gW != null) {
                FloatVector av = FloatVector.broadcast(S, value[q]);
                a0 = g0.fma(av, a0);
                a1 = g1.fma(av, a1);
                a2 = g2.fma(av, a2);
                a3 = g3.fma(av, a3);
            }
        }
        if (gW != null) {
            a0.add(FloatVector.fromArray(S, gW, wRow)).intoArray(gW, wRow);
            a1.add(FloatVector.fromArray(S, gW, wRow + L)).intoArray(gW, wRow + L);
            a2.add(FloatVector.fromArray(S, gW, wRow + 2 * L)).intoArray(gW, wRow + 2 * L);
            a3.add(FloatVector.fromArray(S, gW, wRow + 3 * L)).intoArray(gW, wRow + 3 * L);
        }
    }

    /**
     * {@link #columnBackward4} reading the column's W segment at every entry (from L1): the same
     * operations in the same order, for 16 vector registers. Holding the segment needs 4 W + 4 sums +
     * 4 loaded G vectors + the dot and the value: more than 16, and C2 spills. Batch 2048, d 2304,
     * m 16384, k 320, two threads on a Zen 5 under {@code -XX:UseAVX=2} (8 lanes, 16 registers): the
     * backward 125-126 ms holding W, 108 reloading; 94-100 holding W with 8 lanes and 32 registers.
     */
    static void columnBackward4Reloading(int q0, int q1, int[] row, float[] value, float[] gt, int gOff, float[] w, int wRow, float[] dots, float[] gW) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int q = q0; q < q1; q++) {
            int o = gOff + row[q] * 4 * L;
            FloatVector g0 = FloatVector.fromArray(S, gt, o), g1 = FloatVector.fromArray(S, gt, o + L),
                    g2 = FloatVector.fromArray(S, gt, o + 2 * L), g3 = FloatVector.fromArray(S, gt, o + 3 * L);
            if (dots != null) {
                FloatVector dot = g3.fma(FloatVector.fromArray(S, w, wRow + 3 * L), g2.fma(FloatVector.fromArray(S, w, wRow + 2 * L),
                        g1.fma(FloatVector.fromArray(S, w, wRow + L), g0.fma(FloatVector.fromArray(S, w, wRow), FloatVector.zero(S)))));
                dots[q] += laneSum(dot);
            }
            if (gW != null) {
                FloatVector av = FloatVector.broadcast(S, value[q]);
                a0 = g0.fma(av, a0);
                a1 = g1.fma(av, a1);
                a2 = g2.fma(av, a2);
                a3 = g3.fma(av, a3);
            }
        }
        if (gW != null) {
            a0.add(FloatVector.fromArray(S, gW, wRow)).intoArray(gW, wRow);
            a1.add(FloatVector.fromArray(S, gW, wRow + L)).intoArray(gW, wRow + L);
            a2.add(FloatVector.fromArray(S, gW, wRow + 2 * L)).intoArray(gW, wRow + 2 * L);
            a3.add(FloatVector.fromArray(S, gW, wRow + 3 * L)).intoArray(gW, wRow + 3 * L);
        }
    }

    /**
     * {@link #columnBackward4Reloading} on a tile of eight vectors: eight gW sums in registers, W and G read
     * at each entry, the dot's products chained in column order as in the general loop (the same bits).
     * The tile with fewer than 16 lanes ({@link #tileWidth}); with 16, where a batch's tile is eight
     * vectors wide (1024 rows), it replaces the general loop.
     */
    static void columnBackward8Reloading(int q0, int q1, int[] row, float[] value, float[] gt, int gOff, float[] w, int wRow, float[] dots, float[] gW) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int q = q0; q < q1; q++) {
            int o = gOff + row[q] * 8 * L;
            FloatVector av = FloatVector.broadcast(S, value[q]);
            FloatVector g = FloatVector.fromArray(S, gt, o);
            FloatVector dot = g.fma(FloatVector.fromArray(S, w, wRow), FloatVector.zero(S));
            a0 = g.fma(av, a0);
            g = FloatVector.fromArray(S, gt, o + L);
            dot = g.fma(FloatVector.fromArray(S, w, wRow + L), dot);
            a1 = g.fma(av, a1);
            g = FloatVector.fromArray(S, gt, o + 2 * L);
            dot = g.fma(FloatVector.fromArray(S, w, wRow + 2 * L), dot);
            a2 = g.fma(av, a2);
            g = FloatVector.fromArray(S, gt, o + 3 * L);
            dot = g.fma(FloatVector.fromArray(S, w, wRow + 3 * L), dot);
            a3 = g.fma(av, a3);
            g = FloatVector.fromArray(S, gt, o + 4 * L);
            dot = g.fma(FloatVector.fromArray(S, w, wRow + 4 * L), dot);
            a4 = g.fma(av, a4);
            g = FloatVector.fromArray(S, gt, o + 5 * L);
            dot = g.fma(FloatVector.fromArray(S, w, wRow + 5 * L), dot);
            a5 = g.fma(av, a5);
            g = FloatVector.fromArray(S, gt, o + 6 * L);
            dot = g.fma(FloatVector.fromArray(S, w, wRow + 6 * L), dot);
            a6 = g.fma(av, a6);
            g = FloatVector.fromArray(S, gt, o + 7 * L);
            dot = g.fma(FloatVector.fromArray(S, w, wRow + 7 * L), dot);
            a7 = g.fma(av, a7);
            if (dots != null) dots[q] += laneSum(dot);
        }
        if (gW != null) {
            a0.add(FloatVector.fromArray(S, gW, wRow)).intoArray(gW, wRow);
            a1.add(FloatVector.fromArray(S, gW, wRow + L)).intoArray(gW, wRow + L);
            a2.add(FloatVector.fromArray(S, gW, wRow + 2 * L)).intoArray(gW, wRow + 2 * L);
            a3.add(FloatVector.fromArray(S, gW, wRow + 3 * L)).intoArray(gW, wRow + 3 * L);
            a4.add(FloatVector.fromArray(S, gW, wRow + 4 * L)).intoArray(gW, wRow + 4 * L);
            a5.add(FloatVector.fromArray(S, gW, wRow + 5 * L)).intoArray(gW, wRow + 5 * L);
            a6.add(FloatVector.fromArray(S, gW, wRow + 6 * L)).intoArray(gW, wRow + 6 * L);
            a7.add(FloatVector.fromArray(S, gW, wRow + 7 * L)).intoArray(gW, wRow + 7 * L);
        }
    }

    /**
     * gA [d × m] += Xᵀ·S with X [rows × d]: gA[e, j] += Σ_entries of j value·X[row, e] — the
     * gradient of A in X·A where only S's positions of X·A were used. Tiles of e run in parallel
     * (each owns its rows of gA); columns of S in blocks of {@value #BLOCK}, each summed over its
     * entries in a scratch then added once: within γ_{n+1}·(|gA| + Σ|value·x|).
     */
    public static void transposedTimesInto(Columns s, float[] x, int d, float[] gA) {
        transposedTimesInto(s, x, d, gA, false);
    }

    /**
     * {@link #transposedTimesInto(Columns, float[], int, float[])}; with {@code overwrite}, gA's contents are
     * ignored: each run is zeroed just before its sums are added (so in cache), the bits of adding into a
     * zeroed gA without a pass over all of it writing the zeros first.
     */
    public static void transposedTimesInto(Columns s, float[] x, int d, float[] gA, boolean overwrite) {
        transposedTimesInto(s, x, d, gA, overwrite, tileWidth(s.rows(), d), WIDE);
    }

    /** {@link #transposedTimesInto} with tiles of {@code tile} columns of X (a multiple of the vector length). */
    static void transposedTimesInto(Columns s, float[] x, int d, float[] gA, int tile) {
        transposedTimesInto(s, x, d, gA, false, tile, WIDE);
    }

    /**
     * Latents per span of gA's rows written at once (1 KB per row): the blocks' sums are gathered
     * transposed in a tile × WIDE scratch (64 KB, in L2) and added row by row, so gA is read and
     * written in contiguous runs. Written block by block, each 64-byte piece went to another of
     * the tile's 64 rows of gA (64 KB apart): 64 interleaved streams, too many for the hardware
     * prefetchers, and the writes took about as long as the sums.
     */
    private static final int WIDE = 256;

    /** {@link #transposedTimesInto} with spans of {@code wide} latents (a multiple of {@value #BLOCK}). */
    static void transposedTimesInto(Columns s, float[] x, int d, float[] gA, boolean overwrite, int tile, int wide) {
        if (wide % BLOCK != 0 || wide < BLOCK) throw new IllegalArgumentException("spans of " + wide + " latents, expected a multiple of " + BLOCK);
        int rows = s.rows(), m = s.m();
        if (x.length < (long) rows * d || gA.length < (long) d * m) throw new IllegalArgumentException("sparse rows transposed: X holds " + x.length
                + " floats and gA " + gA.length + ", expected rows·d = " + (long) rows * d + " and d·m = " + (long) d * m);
        int tiles = (d + tile - 1) / tile;
        int[] start = s.start(), row = s.row();
        float[] value = s.value();
        Parallel.forRange(tiles, t -> {
            int e0 = t * tile, width = Math.min(d, e0 + tile) - e0;
            Packed packed = pack(x, rows, d, e0, width); // contiguous, as in times, each row from a cache line on
            float[] xt = packed.a();
            int xOff = packed.start();
            float[] acc = POOL.floatsZeroed(BLOCK * width), span = POOL.floatsZeroed(width * wide);
            try {
            for (int p0 = 0; p0 < m; p0 += wide) {
                int p1 = Math.min(m, p0 + wide);
                if (start[p0] == start[p1]) {
                    if (overwrite) for (int e = 0; e < width; e++) java.util.Arrays.fill(gA, (e0 + e) * m + p0, (e0 + e) * m + p1, 0f);
                    continue;
                }
                java.util.Arrays.fill(span, 0f);
                for (int j0 = p0; j0 < p1; j0 += BLOCK) {
                    int j1 = Math.min(p1, j0 + BLOCK);
                    if (start[j0] == start[j1]) continue;
                    blockSums(j0, j1, start, row, value, xt, xOff, width, acc);
                    // The block's sums transposed into the span (16 latents × 16 columns of X at a time in registers).
                    int e = 0, at = j0 - p0;
                    if (j1 - j0 == BLOCK && BlockTranspose.AVAILABLE) {
                        // All of the tile's 16-column blocks in one call (its loop keeps the permute indices in registers).
                        int blocks = width / BLOCK;
                        BlockTranspose.transpose16(acc, 0, width, blocks, span, at, wide);
                        e = blocks * BLOCK;
                    }
                    for (; e < width; e++) {
                        for (int j = j0; j < j1; j++) span[e * wide + at + j - j0] = acc[(j - j0) * width + e];
                    }
                }
                // gA's rows of this tile over latents p0..p1: one contiguous run each, one add per element as before.
                int n = p1 - p0, nv = n / L * L;
                for (int e = 0; e < width; e++) {
                    int r = (e0 + e) * m + p0, o = e * wide, c = 0;
                    // An overwritten gA's run is zeroed just before the add, in cache: 0 + sum, as into a zeroed gA.
                    if (overwrite) java.util.Arrays.fill(gA, r, r + n, 0f);
                    for (; c < nv; c += L) FloatVector.fromArray(S, gA, r + c).add(FloatVector.fromArray(S, span, o + c)).intoArray(gA, r + c);
                    for (; c < n; c++) gA[r + c] += span[o + c];
                }
            }
            } finally {
                POOL.give(xt);
                POOL.give(acc);
                POOL.give(span);
            }
        });
    }

    /** acc[(j − j0)·width + e] = Σ over column j's entries of value·xt[row, e], for the columns of one block. */
    private static void blockSums(int j0, int j1, int[] start, int[] row, float[] value, float[] xt, int xOff, int width, float[] acc) {
        int wv = width / L * L;
        java.util.Arrays.fill(acc, 0f);
        for (int j = j0; j < j1; j++) {
            int a0 = (j - j0) * width;
            if (width == 8 * L) {
                // Fewer than 16 lanes (or a 16-lane batch of 1024 rows): the sum in eight registers (acc starts at zeros).
                gatherSum8(row, value, start[j], start[j + 1], Integer.MAX_VALUE, xt, xOff, acc, a0);
                continue;
            }
            if (width == 4 * L) {
                // The usual tile: the column's sum in four registers, not in a scratch row.
                FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
                for (int q = start[j], qe = start[j + 1]; q < qe; q++) {
                    FloatVector av = FloatVector.broadcast(S, value[q]);
                    int o = xOff + row[q] * width;
                    s0 = FloatVector.fromArray(S, xt, o).fma(av, s0);
                    s1 = FloatVector.fromArray(S, xt, o + L).fma(av, s1);
                    s2 = FloatVector.fromArray(S, xt, o + 2 * L).fma(av, s2);
                    s3 = FloatVector.fromArray(S, xt, o + 3 * L).fma(av, s3);
                }
                s0.intoArray(acc, a0);
                s1.intoArray(acc, a0 + L);
                s2.intoArray(acc, a0 + 2 * L);
                s3.intoArray(acc, a0 + 3 * L);
                continue;
            }
            for (int q = start[j], qe = start[j + 1]; q < qe; q++) {
                FloatVector av = FloatVector.broadcast(S, value[q]);
                int o = xOff + row[q] * width;
                int e = 0;
                for (; e < wv; e += L) {
                    FloatVector.fromArray(S, xt, o + e).fma(av, FloatVector.fromArray(S, acc, a0 + e)).intoArray(acc, a0 + e);
                }
                for (; e < width; e++) acc[a0 + e] = Math.fma(xt[o + e], value[q], acc[a0 + e]);
            }
        }
    }

    /** A packed tile: its rows one after another in {@code a} from index {@code start} on (the array is the pool's: give it back). */
    private record Packed(float[] a, int start) {}

    /**
     * Columns [c0, c0 + width) of a rows × d matrix, as a contiguous rows × width copy that starts on a
     * cache line ({@link CacheLines}: a four-vector row then spans four lines, not five).
     */
    private static Packed pack(float[] a, int rows, int d, int c0, int width) {
        float[] p = POOL.floats(rows * width + CacheLines.SLACK);
        int start = CacheLines.alignedStart(p);
        for (int r = 0; r < rows; r++) System.arraycopy(a, r * d + c0, p, start + r * width, width);
        return new Packed(p, start);
    }

    /** The first n elements of a, in an array from the pool (give it back). */
    private static int[] copyOf(int[] a, int n) {
        int[] c = POOL.ints(n);
        System.arraycopy(a, 0, c, 0, n);
        return c;
    }

    /**
     * The lanes of v added in a fixed tree (halves, then quarters, ...): the same bits compiled or interpreted.
     * Unrolled over constant shuffles, not a loop over an array of them: with 8 lanes C2 compiled the loop
     * form on its own into a method too big to inline ("already compiled into a big method"), so every
     * call boxed its vector and the backward ran 5-7× slower than with 16 lanes.
     */
    static float laneSum(FloatVector v) {
        if (L >= 64) v = v.add(v.rearrange(SWAP32));
        if (L >= 32) v = v.add(v.rearrange(SWAP16));
        if (L >= 16) v = v.add(v.rearrange(SWAP8));
        if (L >= 8) v = v.add(v.rearrange(SWAP4));
        if (L >= 4) v = v.add(v.rearrange(SWAP2));
        if (L >= 2) v = v.add(v.rearrange(SWAP1));
        return v.lane(0);
    }

    /** Lane l ↔ lane l xor span, for the spans laneSum uses (L itself and above: the identity, never used). */
    private static final VectorShuffle<Float> SWAP32 = swap(32), SWAP16 = swap(16), SWAP8 = swap(8), SWAP4 = swap(4), SWAP2 = swap(2), SWAP1 = swap(1);

    private static VectorShuffle<Float> swap(int span) {
        return VectorShuffle.fromOp(S, l -> span < L ? l ^ span : l);
    }
}
