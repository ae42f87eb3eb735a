package saelab.tensor.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * How fast this machine can do the one thing every {@link SparseRows} product must: for each tile
 * of a rows × d operand held in cache (four vectors wide, as the products' register paths), every
 * stored entry of a row-sparse S [rows × m] with k entries a row reads its row's segment of the
 * tile and adds it, times the entry's value, into sums held in registers, column by column on all
 * kernel threads. Nothing else: no dense m-row operand read, one store per task of columns, no lane sums,
 * no scattered results, and the tile off the heap on 64-byte lines (a heap array's rows start 16
 * bytes into a line, so a 256-byte row spans five lines, not four). A pass of a real product
 * costs at least this; a step that makes three such passes (the decode, the backward's gradient
 * into the code values and W_dec, W_enc's gradient) at least three times it.
 *
 * <p>The entries: each row's k columns drawn uniformly without repeats from a fixed seed (real
 * codes fire some latents far more often than others; the count of row visits is the same).
 * Holds the tile (rows × tile floats off the heap) and the entries (three ints a visit) until
 * closed.
 */
public final class GatherBound implements AutoCloseable {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Floats of a tile row: four vectors, the width of the products' register paths. */
    public static final int WIDTH = 4 * L;
    /** Columns per thread task, as in the products. */
    private static final int COLUMNS_PER_TASK = 256;

    private final int rows, m, tiles;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment tile;
    /** Column j's visits are [start[j], start[j+1]): rows row[q] with values value[q]. */
    private final int[] start, row;
    private final float[] value, sink;

    /** A bound for rows × d operands and S of k entries a row over m columns; tile and values all {@code fill}. */
    public GatherBound(int rows, int k, int m, int d, long seed, float fill) {
        if (rows < 1 || k < 1 || k > m || d < 1) {
            throw new IllegalArgumentException("gather bound: rows " + rows + ", k " + k + ", m " + m + ", d " + d + ": expected 1 ≤ k ≤ m and rows, d ≥ 1");
        }
        this.rows = rows;
        this.m = m;
        tiles = (d + WIDTH - 1) / WIDTH;
        tile = arena.allocate((long) rows * WIDTH * Float.BYTES, 64);
        for (long i = 0; i < (long) rows * WIDTH; i++) tile.setAtIndex(ValueLayout.JAVA_FLOAT, i, fill);
        // Each row's k distinct columns, then grouped by column (rows ascending, as SparseRows.columns keeps them).
        int[] cols = new int[rows * k], count = new int[m + 1];
        SplittableRandom r = new SplittableRandom(seed);
        boolean[] taken = new boolean[m];
        for (int b = 0; b < rows; b++) {
            for (int s = 0; s < k; s++) {
                int j;
                do j = r.nextInt(m); while (taken[j]);
                taken[j] = true;
                cols[b * k + s] = j;
                count[j + 1]++;
            }
            for (int s = 0; s < k; s++) taken[cols[b * k + s]] = false;
        }
        start = new int[m + 1];
        for (int j = 0; j < m; j++) start[j + 1] = start[j] + count[j + 1];
        int[] fillAt = java.util.Arrays.copyOf(start, m);
        row = new int[rows * k];
        value = new float[rows * k];
        for (int b = 0; b < rows; b++) {
            for (int s = 0; s < k; s++) {
                int q = fillAt[cols[b * k + s]]++;
                row[q] = b;
                value[q] = fill;
            }
        }
        sink = new float[((m + COLUMNS_PER_TASK - 1) / COLUMNS_PER_TASK) * L];
    }

    /** Tiles a pass visits: d in tiles of {@link #WIDTH} floats, the last one whole too. */
    public int tiles() { return tiles; }

    /** Entries visited per tile: rows·k. */
    public int visits() { return start[m]; }

    /** Runs one pass (every tile, every entry) and returns its seconds. */
    public double passSeconds() {
        long t0 = System.nanoTime();
        int tasks = (m + COLUMNS_PER_TASK - 1) / COLUMNS_PER_TASK;
        ByteOrder order = ByteOrder.nativeOrder();
        for (int t = 0; t < tiles; t++) {
            Parallel.forRange(tasks, task -> {
                // A task's columns' visits lie in one run of q. The sums stay in this method: a helper
                // returning a vector was not always inlined (then it boxed), and at 8 lanes some
                // runs timed a pass at ~128 ms against 29-39.
                int q0 = start[task * COLUMNS_PER_TASK], q1 = start[Math.min(m, (task + 1) * COLUMNS_PER_TASK)];
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
                for (int q = q0; q < q1; q++) {
                    long o = (long) row[q] * WIDTH * Float.BYTES;
                    FloatVector v = FloatVector.broadcast(S, value[q]);
                    a0 = FloatVector.fromMemorySegment(S, tile, o, order).fma(v, a0);
                    a1 = FloatVector.fromMemorySegment(S, tile, o + 4L * L, order).fma(v, a1);
                    a2 = FloatVector.fromMemorySegment(S, tile, o + 8L * L, order).fma(v, a2);
                    a3 = FloatVector.fromMemorySegment(S, tile, o + 12L * L, order).fma(v, a3);
                }
                a0.add(a1).add(a2).add(a3).add(FloatVector.fromArray(S, sink, task * L)).intoArray(sink, task * L);
            });
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** The sum of everything the passes so far added (in double): what shows they read what they should. */
    public double checksum() {
        double s = 0;
        for (float x : sink) s += x;
        return s;
    }

    @Override public void close() {
        arena.close();
    }
}
