package saelab.model.harvest;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.SafetensorsWriter;
import saelab.model.safetensors.TensorData;
import saelab.tensor.kernels.Bf16;

/**
 * The rows of one shard while they are harvested, then written as one safetensors file:
 * {@code activations} [rows, hidden] (F32 or BF16), {@code token_ids} [rows] I32,
 * {@code sequence} [rows] I64 (index of the packed sequence), {@code position} [rows] I32.
 * BF16 rows are rounded as they arrive, so a bf16 shard takes half the memory while it fills.
 */
final class ShardBuffer {
    private final long firstRow;
    private final int capacity, hidden;
    private final Dtype dtype;
    private final float[] f32;
    private final short[] bf16;
    private final int[] tokenIds, position;
    private final long[] sequence;
    private int rows;

    ShardBuffer(long firstRow, int capacity, int hidden, Dtype dtype) {
        long values = (long) capacity * hidden;
        if (values > Integer.MAX_VALUE - 8) {
            throw new HarvestException("a shard of " + capacity + " tokens × " + hidden + " = " + values
                    + " values does not fit in one Java array; lower --shard-tokens below " + (Integer.MAX_VALUE - 8) / hidden);
        }
        this.firstRow = firstRow;
        this.capacity = capacity;
        this.hidden = hidden;
        this.dtype = dtype;
        this.f32 = dtype == Dtype.F32 ? new float[(int) values] : null;
        this.bf16 = dtype == Dtype.BF16 ? new short[(int) values] : null;
        this.tokenIds = new int[capacity];
        this.position = new int[capacity];
        this.sequence = new long[capacity];
    }

    /** Appends row {@code from} of {@code residual} ([rows × hidden]) with its token id, sequence and position. */
    void add(float[] residual, int from, int tokenId, long seq, int pos) {
        if (full()) throw new IllegalStateException("shard buffer of " + capacity + " rows is full");
        int src = from * hidden, dst = rows * hidden;
        if (f32 != null) {
            System.arraycopy(residual, src, f32, dst, hidden);
        } else {
            for (int i = 0; i < hidden; i++) bf16[dst + i] = Bf16.fromFloat(residual[src + i]);
        }
        tokenIds[rows] = tokenId;
        sequence[rows] = seq;
        position[rows] = pos;
        rows++;
    }

    boolean full() {
        return rows == capacity;
    }

    int rows() {
        return rows;
    }

    long firstRow() {
        return firstRow;
    }

    /** Writes the rows so far to {@code file} atomically. */
    void write(Path file, String hookName) {
        int n = rows;
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        // Streamed: the writer pulls the values range by range, so no second copy of the shard is made.
        tensors.put(HarvestManifest.ACTIVATIONS, TensorData.streamed(dtype, new long[] {n, hidden}, (start, dst, count) -> {
            if (f32 != null) {
                System.arraycopy(f32, (int) start, dst, 0, count);
            } else {
                for (int i = 0; i < count; i++) dst[i] = Bf16.toFloat(bf16[(int) start + i]); // exact; written back as the same bf16
            }
        }));
        tensors.put(HarvestManifest.TOKEN_IDS, TensorData.i32(new long[] {n}, java.util.Arrays.copyOf(tokenIds, n)));
        tensors.put(HarvestManifest.SEQUENCE, TensorData.i64(new long[] {n}, java.util.Arrays.copyOf(sequence, n)));
        tensors.put(HarvestManifest.POSITION, TensorData.i32(new long[] {n}, java.util.Arrays.copyOf(position, n)));
        // Sorted, not Map.of (whose order changes from run to run): the same rows give the same bytes.
        Map<String, String> metadata = new TreeMap<>(Map.of("format", HarvestManifest.FORMAT, "hook_name", hookName,
                "first_row", Long.toString(firstRow)));
        SafetensorsWriter.write(file, tensors, metadata);
    }
}
