package saelab.train.source;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.PermutationSampler;
import org.apache.commons.rng.simple.RandomSource;
import saelab.model.harvest.HarvestException;
import saelab.model.harvest.HarvestManifest;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.SafetensorsException;
import saelab.model.safetensors.SafetensorsFile;
import saelab.model.safetensors.TensorView;
import saelab.tensor.kernels.Bf16;

/**
 * Activations harvested by {@code saelab harvest}, streamed from its shards through a seeded
 * shuffling buffer. Only one shard is mapped at a time and only {@code bufferRows} rows are held
 * in memory, whatever the harvest's size.
 *
 * <p>Each epoch visits the shards in a fresh seeded order, each shard's rows in order, and pushes
 * them through the buffer: every output row is drawn uniformly from the buffer and its slot is
 * refilled with the next input row. At the end of an epoch's input the buffer drains before the
 * next epoch starts, so each block of {@link #rowsPerEpoch()} consecutive output rows holds every
 * row of the harvest exactly once (the rows skipped below aside). Batches run across epoch
 * boundaries; epochs cycle without end.
 *
 * <p>With {@code skipPositionZero} (the default, SAEBench's convention) the row at position 0 of
 * every sequence is left out: it is always {@code <bos>}, whose residual is an outlier many times
 * the norm of the others (an attention sink) and would dominate the SAE's reconstruction loss.
 *
 * <p>{@code firstRow}/{@code endRow} restrict the stream to the harvest rows [firstRow, endRow)
 * (global row numbers, as in the manifest), so one harvest can hold a held-out set beside the
 * training rows; shards wholly outside the range are never opened. The default is every row.
 */
public final class ShardSource implements ActivationSource, AutoCloseable {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * @param bufferRows rows held for shuffling (memory: bufferRows × dim floats); larger mixes
     *                   sequences better, SAELens uses a few hundred thousand
     * @param firstRow   the first harvest row delivered
     * @param endRow     rows from here on are left out (Long.MAX_VALUE: none)
     */
    public record Options(int bufferRows, long seed, boolean skipPositionZero, long firstRow, long endRow) {
        public Options {
            if (bufferRows < 1) throw new IllegalArgumentException("bufferRows must be >= 1, got " + bufferRows);
            if (firstRow < 0 || endRow <= firstRow) throw new IllegalArgumentException("need 0 <= firstRow < endRow, got rows [" + firstRow + ", " + endRow + ")");
        }

        /** Every row of the harvest. */
        public Options(int bufferRows, long seed, boolean skipPositionZero) {
            this(bufferRows, seed, skipPositionZero, 0, Long.MAX_VALUE);
        }

        /** 65,536 rows (576 MiB at dim 2304), seed 0, position-0 rows skipped. */
        public static Options defaults() {
            return new Options(65536, 0, true);
        }

        public Options withSeed(long s) {
            return new Options(bufferRows, s, skipPositionZero, firstRow, endRow);
        }

        /** Only harvest rows [from, to). */
        public Options withRows(long from, long to) {
            return new Options(bufferRows, seed, skipPositionZero, from, to);
        }
    }

    private final Path dir;
    private final HarvestManifest manifest;
    private final Options options;
    private final int dim;
    private final long rowsPerEpoch;
    private final int[] shardsInRange;  // manifest indices of the shards holding rows of the range
    private UniformRandomProvider rng;
    private long nextIndex;          // the batch index nextBatch would deliver, for batchAt
    private final float[] buffer;
    private int buffered;            // rows in the buffer: slots [0, buffered)

    // The epoch's input: shards in order[shardAt], the open one read from row rowAt up to rowEnd.
    private int[] order;
    private int shardAt;
    private SafetensorsFile open;
    private MemorySegment activations, positions;
    private Dtype positionType;
    private int rowAt, rowEnd;
    private long epoch = -1;

    public ShardSource(Path dir, Options options) {
        this.dir = dir;
        this.options = options;
        this.manifest = HarvestManifest.read(dir);
        this.dim = manifest.hiddenSize();
        long kept = 0;
        java.util.List<Integer> inRange = new java.util.ArrayList<>();
        for (int i = 0; i < manifest.shards().size(); i++) {
            HarvestManifest.Shard s = manifest.shards().get(i);
            if (rowFrom(s) >= rowTo(s)) continue;
            inRange.add(i);
            kept += checkShard(s);
        }
        this.shardsInRange = inRange.stream().mapToInt(Integer::intValue).toArray();
        if (kept == 0) {
            boolean whole = options.firstRow() == 0 && options.endRow() == Long.MAX_VALUE;
            String why = whole ? "(" + manifest.tokens() + " tokens" + (options.skipPositionZero() ? ", all at position 0" : "") + ")"
                    : "in rows [" + options.firstRow() + ", " + options.endRow() + ") (the harvest holds rows [0, " + manifest.tokens() + ")"
                    + (options.skipPositionZero() ? "; position-0 rows are skipped" : "") + ")";
            throw new HarvestException(dir.resolve(HarvestManifest.FILE_NAME) + ": the harvest has no rows to train on " + why);
        }
        this.rowsPerEpoch = kept;
        this.rng = RandomSource.XO_RO_SHI_RO_128_PP.create(options.seed());
        this.buffer = new float[Math.multiplyExact((int) Math.min(options.bufferRows(), kept), dim)];
    }

    public static ShardSource open(Path dir) {
        return new ShardSource(dir, Options.defaults());
    }

    @Override
    public int dim() {
        return dim;
    }

    /** Rows delivered per epoch: every row of the harvest, minus position-0 rows when they are skipped. */
    public long rowsPerEpoch() {
        return rowsPerEpoch;
    }

    /** The epoch of the last row delivered, counting from 0 (−1 before any). */
    public long epoch() {
        return epoch;
    }

    public HarvestManifest manifest() {
        return manifest;
    }

    @Override
    public void nextBatch(float[] x, int rows) {
        if (x.length < (long) rows * dim) {
            throw new IllegalArgumentException("x holds " + x.length + " floats, " + rows + " rows × " + dim + " need " + (long) rows * dim);
        }
        for (int r = 0; r < rows; r++) nextRow(x, r * dim);
        nextIndex++;
    }

    /**
     * Batch {@code index} of this seed's stream. Training asks for 0, 1, 2, ... in order, which
     * costs nothing extra; any other index (a resumed run) replays the stream from the start, so
     * a resumed run sees exactly the rows an uninterrupted one would (at the cost of re-reading
     * them once). Negative indices (the trainer's initialisation and evaluation batches) come
     * from their own stream, seeded from (seed, index), and leave the training stream untouched;
     * they are drawn from the same harvest, so they are not held-out data.
     */
    @Override
    public void batchAt(long index, float[] x, int rows) {
        if (index < 0) {
            try (ShardSource side = new ShardSource(dir, options.withSeed(Seeds.stream(options.seed(), index)))) {
                side.nextBatch(x, rows);
            }
            return;
        }
        if (index != nextIndex) {
            rewind();
            for (long i = 0; i < index; i++) nextBatch(x, rows);
        }
        nextBatch(x, rows);
    }

    /** Back to the state of a fresh source with this seed. */
    private void rewind() {
        closeOpen();
        rng = RandomSource.XO_RO_SHI_RO_128_PP.create(options.seed());
        buffered = 0;
        epoch = -1;
        nextIndex = 0;
    }

    private void nextRow(float[] x, int at) {
        if (buffered == 0) startEpoch();
        int slot = rng.nextInt(buffered);
        System.arraycopy(buffer, slot * dim, x, at, dim);
        if (!readInput(slot)) {
            // Input of this epoch is used up: drain, moving the last row into the freed slot.
            buffered--;
            System.arraycopy(buffer, buffered * dim, buffer, slot * dim, dim);
        }
    }

    private void startEpoch() {
        epoch++;
        int[] shuffled = PermutationSampler.natural(shardsInRange.length);
        PermutationSampler.shuffle(rng, shuffled);
        order = new int[shuffled.length];
        for (int i = 0; i < order.length; i++) order[i] = shardsInRange[shuffled[i]];
        shardAt = -1;
        closeOpen();
        int capacity = buffer.length / dim;
        while (buffered < capacity && readInput(buffered)) buffered++;
    }

    /** Reads the epoch's next kept input row into buffer slot {@code slot}; false when the epoch's input is used up. */
    private boolean readInput(int slot) {
        while (true) {
            while (open == null || rowAt == rowEnd) {
                if (shardAt + 1 >= order.length) {
                    closeOpen();
                    return false;
                }
                openShard(order[++shardAt]);
            }
            int row = rowAt++;
            if (options.skipPositionZero() && position(row) == 0) continue;
            int off = slot * dim;
            if (manifest.dtype() == Dtype.F32) {
                MemorySegment.copy(activations, F32_LE, (long) row * dim * 4, buffer, off, dim);
            } else {
                Bf16.toFloat(activations, (long) row * dim * 2, buffer, off, dim);
            }
            requireFinite(row, off);
            return true;
        }
    }

    /**
     * A NaN or ±Inf activation stops the stream where it is read, naming the shard, its row and
     * column: a trainer fed one would turn every weight into NaN. The scan is one pass over a row
     * just copied, small beside the training step that consumes it.
     */
    private void requireFinite(int row, int off) {
        for (int c = 0; c < dim; c++) {
            float v = buffer[off + c];
            if (!Float.isFinite(v)) {
                HarvestManifest.Shard s = manifest.shards().get(order[shardAt]);
                throw new HarvestException(dir.resolve(s.file()) + ": tensor 'activations' row " + row + " (harvest row "
                        + (s.firstRow() + row) + "), column " + c + " is " + v + "; activations must be finite (re-harvest this shard)");
            }
        }
    }

    private long position(int row) {
        return positionType == Dtype.I32 ? positions.getAtIndex(I32_LE, row)
                : positions.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8L * row);
    }

    private void openShard(int index) {
        closeOpen();
        HarvestManifest.Shard s = manifest.shards().get(index);
        open = SafetensorsFile.open(dir.resolve(s.file()));
        activations = open.tensor(HarvestManifest.ACTIVATIONS).data();
        TensorView p = open.tensor(HarvestManifest.POSITION);
        positions = p.data();
        positionType = p.dtype();
        rowAt = rowFrom(s);
        rowEnd = rowTo(s);
    }

    /** The first row of shard {@code s} (shard-local) inside the range. */
    private int rowFrom(HarvestManifest.Shard s) {
        return (int) Math.min(s.rows(), Math.max(0, options.firstRow() - s.firstRow()));
    }

    /** One past the last row of shard {@code s} (shard-local) inside the range. */
    private int rowTo(HarvestManifest.Shard s) {
        return (int) Math.max(0, Math.min(s.rows(), options.endRow() - s.firstRow()));
    }

    private void closeOpen() {
        if (open != null) open.close();
        open = null;
    }

    /**
     * Checks one shard against the manifest (present, activations [rows, hidden] of the manifest's
     * dtype, position [rows] of an integer type) and returns how many of its rows are delivered.
     */
    private long checkShard(HarvestManifest.Shard s) {
        Path file = dir.resolve(s.file());
        if (!Files.exists(file)) {
            throw new HarvestException(file + ": listed in " + dir.resolve(HarvestManifest.FILE_NAME) + " but missing");
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            TensorView a = f.tensor(HarvestManifest.ACTIVATIONS);
            if (a.dtype() != manifest.dtype() || a.rank() != 2 || a.dim(0) != s.rows() || a.dim(1) != dim) {
                throw new HarvestException(file + ": tensor 'activations' is " + a.dtype() + Arrays.toString(a.shape())
                        + ", expected " + manifest.dtype() + "[" + s.rows() + ", " + dim + "] (rows from manifest.json, hidden_size "
                        + dim + ")");
            }
            TensorView p = f.tensor(HarvestManifest.POSITION);
            if ((p.dtype() != Dtype.I32 && p.dtype() != Dtype.I64) || p.rank() != 1 || p.dim(0) != s.rows()) {
                throw new HarvestException(file + ": tensor 'position' is " + p.dtype() + Arrays.toString(p.shape())
                        + ", expected I32 or I64 [" + s.rows() + "]");
            }
            int from = rowFrom(s), to = rowTo(s);
            if (!options.skipPositionZero()) return to - from;
            long kept = 0;
            long[] pos = p.toLongArray();
            for (int r = from; r < to; r++) if (pos[r] != 0) kept++;
            return kept;
        } catch (SafetensorsException e) {
            throw new HarvestException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closeOpen();
    }
}
