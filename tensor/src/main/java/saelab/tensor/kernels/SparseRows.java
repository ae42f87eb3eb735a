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
 * tile in cache instead.
 *
 * <p>Determinism: every output element is summed in one fixed order — entries by column
 * ascending, a column's entries by row ascending, tiles left to right — that depends on the
 * shapes only, never on the thread count or on scheduling. Lane sums use a fixed tree of
 * shuffles (not reduceLanes, whose order differs between the interpreter and C2).
 */
public final class SparseRows {
    private SparseRows() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Bytes of the rows × tile operand a core keeps in cache: half of a 1 MiB L2. */
    private static final int TILE_BYTES = 512 * 1024;
    /** Widest column tile: beyond it the dense rows' segments stop being short enough for L1. */
    private static final int MAX_TILE = 512;
    /** Columns (latents) per task where a tile's work is split by column of S. */
    private static final int COLUMNS_PER_TASK = 256;
    /** Columns of S per block of the transposed product: 16 floats make one 64-byte write. */
    private static final int BLOCK = 16;
    /** Lane-sum shuffles: step i adds lane l and lane l xor (L >> (i + 1)). */
    private static final VectorShuffle<Float>[] HALVES = halves();

    /**
     * S by column: column j holds entries q in [start[j], start[j+1]), rows ascending; entry q
     * sits in row row[q], at slot[q] = row·k + s of the row-major code, with value value[q].
     */
    public record Columns(int rows, int k, int m, int[] start, int[] row, int[] slot, float[] value) {
        public int entries() { return start[m]; }
    }

    /**
     * The columns of the code (idx, val[valOff ...]) of {@code rows} rows of k entries over m
     * columns; with {@code skipZeros}, entries whose value is 0 are left out.
     */
    public static Columns columns(int rows, int k, int m, int[] idx, float[] val, int valOff, boolean skipZeros) {
        int n = rows * k;
        if (idx.length < n || val.length - valOff < n) {
            throw new IllegalArgumentException("sparse rows: " + idx.length + " indices and " + (val.length - valOff)
                    + " values for " + rows + " rows of k = " + k + ", expected " + n + " of each");
        }
        int[] start = new int[m + 1];
        for (int p = 0; p < n; p++) {
            int j = idx[p];
            if (j < 0 || j >= m) throw new IllegalArgumentException("sparse rows: column " + j + " at entry " + p + ", expected 0 ≤ column < m = " + m);
            if (!skipZeros || val[valOff + p] != 0) start[j + 1]++;
        }
        for (int j = 0; j < m; j++) start[j + 1] += start[j];
        int nnz = start[m];
        int[] row = new int[nnz], slot = new int[nnz];
        float[] value = new float[nnz];
        int[] fill = java.util.Arrays.copyOf(start, m);
        for (int p = 0; p < n; p++) {
            float v = val[valOff + p];
            if (skipZeros && v == 0) continue;
            int q = fill[idx[p]]++;
            row[q] = p / k;
            slot[q] = p;
            value[q] = v;
        }
        return new Columns(rows, k, m, start, row, slot, value);
    }

    /** Column-tile width for a rows × tile operand: a multiple of the vector length, within {@link #TILE_BYTES}. */
    static int tileWidth(int rows, int d) {
        int t = TILE_BYTES / (4 * Math.max(1, rows)) / L * L;
        t = Math.max(L, Math.min(MAX_TILE, t));
        return Math.min(t, (d + L - 1) / L * L);
    }

    /**
     * out [rows × d] = bias + S·W, W [m × d] row-major (bias null: none). Entries of value 0 add
     * nothing (as if skipped). Each out element is bias + Σ over its row's entries in column order,
     * with fused multiply-adds: within γ_{k+1}·(|bias| + Σ|value·w|) of the exact sum.
     */
    public static void times(Columns s, float[] w, int d, float[] bias, int biasOff, float[] out) {
        times(s, w, d, bias, biasOff, out, tileWidth(s.rows(), d));
    }

    /** {@link #times} with column tiles of {@code tile} floats (a multiple of the vector length). */
    static void times(Columns s, float[] w, int d, float[] bias, int biasOff, float[] out, int tile) {
        int rows = s.rows(), m = s.m();
        if (w.length < (long) m * d || out.length < (long) rows * d) throw new IllegalArgumentException("sparse rows times: W holds " + w.length
                + " floats and out " + out.length + ", expected m·d = " + (long) m * d + " and rows·d = " + (long) rows * d);
        int tiles = (d + tile - 1) / tile;
        int[] start = s.start(), row = s.row();
        float[] value = s.value();
        Parallel.forRange(tiles, t -> {
            int c0 = t * tile, width = Math.min(d, c0 + tile) - c0, wv = width / L * L;
            // The tile packed (rows of width floats, contiguous): at out's row stride the rows would
            // crowd into a fraction of L2's sets whenever d has a large power-of-two factor.
            float[] buf = new float[rows * width];
            if (bias != null) for (int r = 0; r < rows; r++) System.arraycopy(bias, biasOff + c0, buf, r * width, width);
            for (int j = 0; j < m; j++) {
                int wRow = j * d + c0;
                for (int q = start[j], qe = start[j + 1]; q < qe; q++) {
                    float a = value[q];
                    if (a == 0) continue;
                    FloatVector av = FloatVector.broadcast(S, a);
                    int o = row[q] * width;
                    for (int c = 0; c < wv; c += L) {
                        FloatVector.fromArray(S, w, wRow + c).fma(av, FloatVector.fromArray(S, buf, o + c)).intoArray(buf, o + c);
                    }
                    for (int c = wv; c < width; c++) buf[o + c] = Math.fma(w[wRow + c], a, buf[o + c]);
                }
            }
            for (int r = 0; r < rows; r++) System.arraycopy(buf, r * width, out, r * d + c0, width);
        });
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
        timesBackward(s, w, d, g, gS, gW, tileWidth(s.rows(), d));
    }

    /** {@link #timesBackward} with column tiles of {@code tile} floats (a multiple of the vector length). */
    static void timesBackward(Columns s, float[] w, int d, float[] g, float[] gS, float[] gW, int tile) {
        if (gS == null && gW == null) return;
        int m = s.m(), tiles = (d + tile - 1) / tile;
        int[] start = s.start(), row = s.row(), slot = s.slot();
        float[] value = s.value();
        float[] dots = gS == null ? null : new float[s.entries()];
        // At least 8 tasks where m allows, so the threads share a tile's columns even at small m.
        int per = Math.max(1, Math.min(COLUMNS_PER_TASK, m / 8)), tasks = (m + per - 1) / per;
        int rows = s.rows();
        for (int t = 0; t < tiles; t++) {
            int c0 = t * tile, width = Math.min(d, c0 + tile) - c0, wv = width / L * L;
            float[] gt = pack(g, rows, d, c0, width); // contiguous, as in times
            Parallel.forRange(tasks, task -> {
                float[] acc = gW == null ? null : new float[width];
                for (int j = task * per, je = Math.min(m, j + per); j < je; j++) {
                    int q0 = start[j], q1 = start[j + 1];
                    if (q0 == q1) continue;
                    int wRow = j * d + c0;
                    if (acc != null) java.util.Arrays.fill(acc, 0f);
                    for (int q = q0; q < q1; q++) {
                        int o = row[q] * width;
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
            });
        }
        if (dots != null) for (int q = 0; q < dots.length; q++) gS[slot[q]] += dots[q];
    }

    /**
     * gA [d × m] += Xᵀ·S with X [rows × d]: gA[e, j] += Σ_entries of j value·X[row, e] — the
     * gradient of A in X·A where only S's positions of X·A were used. Tiles of e run in parallel
     * (each owns its rows of gA); columns of S in blocks of {@value #BLOCK}, each summed over its
     * entries in a scratch then added once: within γ_{n+1}·(|gA| + Σ|value·x|).
     */
    public static void transposedTimesInto(Columns s, float[] x, int d, float[] gA) {
        transposedTimesInto(s, x, d, gA, tileWidth(s.rows(), d));
    }

    /** {@link #transposedTimesInto} with tiles of {@code tile} columns of X (a multiple of the vector length). */
    static void transposedTimesInto(Columns s, float[] x, int d, float[] gA, int tile) {
        int rows = s.rows(), m = s.m();
        if (x.length < (long) rows * d || gA.length < (long) d * m) throw new IllegalArgumentException("sparse rows transposed: X holds " + x.length
                + " floats and gA " + gA.length + ", expected rows·d = " + (long) rows * d + " and d·m = " + (long) d * m);
        int tiles = (d + tile - 1) / tile;
        int[] start = s.start(), row = s.row();
        float[] value = s.value();
        Parallel.forRange(tiles, t -> {
            int e0 = t * tile, width = Math.min(d, e0 + tile) - e0, wv = width / L * L;
            float[] xt = pack(x, rows, d, e0, width); // contiguous, as in times
            float[] acc = new float[BLOCK * width];
            for (int j0 = 0; j0 < m; j0 += BLOCK) {
                int j1 = Math.min(m, j0 + BLOCK);
                if (start[j0] == start[j1]) continue;
                java.util.Arrays.fill(acc, 0f);
                for (int j = j0; j < j1; j++) {
                    int a0 = (j - j0) * width;
                    for (int q = start[j], qe = start[j + 1]; q < qe; q++) {
                        FloatVector av = FloatVector.broadcast(S, value[q]);
                        int o = row[q] * width;
                        int e = 0;
                        for (; e < wv; e += L) {
                            FloatVector.fromArray(S, xt, o + e).fma(av, FloatVector.fromArray(S, acc, a0 + e)).intoArray(acc, a0 + e);
                        }
                        for (; e < width; e++) acc[a0 + e] = Math.fma(xt[o + e], value[q], acc[a0 + e]);
                    }
                }
                for (int e = 0; e < width; e++) {
                    int r = (e0 + e) * m;
                    for (int j = j0; j < j1; j++) gA[r + j] += acc[(j - j0) * width + e];
                }
            }
        });
    }

    /** Columns [c0, c0 + width) of a rows × d matrix, as a contiguous rows × width copy. */
    private static float[] pack(float[] a, int rows, int d, int c0, int width) {
        float[] p = new float[rows * width];
        for (int r = 0; r < rows; r++) System.arraycopy(a, r * d + c0, p, r * width, width);
        return p;
    }

    /** The lanes of v added in a fixed tree (halves, then quarters, ...): the same bits compiled or interpreted. */
    static float laneSum(FloatVector v) {
        for (VectorShuffle<Float> h : HALVES) v = v.add(v.rearrange(h));
        return v.lane(0);
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] halves() {
        int steps = Integer.numberOfTrailingZeros(L);
        VectorShuffle<Float>[] h = new VectorShuffle[steps];
        for (int i = 0; i < steps; i++) {
            int span = L >> (i + 1);
            h[i] = VectorShuffle.fromOp(S, l -> l ^ span);
        }
        return h;
    }
}
