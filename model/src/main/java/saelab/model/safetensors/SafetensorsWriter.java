package saelab.model.safetensors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import saelab.model.AtomicFiles;
import saelab.tensor.kernels.Bf16;

/**
 * Writes one safetensors file atomically ({@link AtomicFiles}): a reader never sees half a file
 * and an interrupted write leaves the old one. Layout as the reference implementation writes it: tensors ordered by
 * dtype size (largest first, which keeps each aligned to its element size) then name; the
 * header lists {@code __metadata__} first, then the tensors in data order, and is padded with
 * spaces to a multiple of 8 bytes.
 */
public final class SafetensorsWriter {
    private static final int CHUNK_BYTES = 1 << 20;

    private SafetensorsWriter() {}

    public static void write(Path target, Map<String, TensorData> tensors) {
        write(target, tensors, Map.of());
    }

    public static void write(Path target, Map<String, TensorData> tensors, Map<String, String> metadata) {
        List<String> order = dataOrder(tensors);
        byte[] header = header(tensors, order, metadata);
        try {
            AtomicFiles.write(target, channel -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            buf.putLong(header.length).flip();
            writeFully(channel, buf);
            writeFully(channel, ByteBuffer.wrap(header));
            for (String name : order) {
                try {
                    writeData(channel, buf, tensors.get(name));
                } catch (RuntimeException e) {
                    throw new SafetensorsException(target + ": tensor '" + name + "': cannot write: " + e.getMessage(), e);
                }
            }
            });
        } catch (UncheckedIOException e) {
            throw new SafetensorsException(e.getMessage(), e);
        }
    }

    /** Largest dtype first (alignment), then by name: stable whatever order the map has. */
    static List<String> dataOrder(Map<String, TensorData> tensors) {
        List<String> names = new ArrayList<>(tensors.keySet());
        names.sort(Comparator.<String>comparingInt(n -> -tensors.get(n).dtype().byteSize())
                .thenComparing(Comparator.naturalOrder()));
        return names;
    }

    static byte[] header(Map<String, TensorData> tensors, List<String> order, Map<String, String> metadata) {
        ObjectNode root = SafetensorsHeader.JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(SafetensorsHeader.METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (String name : order) {
            if (name.equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("a tensor cannot be named " + name);
            }
            TensorData t = tensors.get(name);
            ObjectNode entry = root.putObject(name);
            entry.put("dtype", t.dtype().name());
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            entry.putArray("data_offsets").add(offset).add(offset + t.byteSize());
            offset += t.byteSize();
        }
        byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = java.util.Arrays.copyOf(json, padded);
        java.util.Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private static void writeData(FileChannel channel, ByteBuffer buf, TensorData t) throws IOException {
        switch (t.source()) {
            case TensorData.Floats f -> writeFloats(channel, buf, t.dtype(), f.values(), f.values().length);
            case TensorData.LazyFloats lazy -> {
                float[] values = lazy.values().get();
                if (values.length != t.numel()) {
                    throw new IllegalArgumentException(values.length + " values computed, expected " + t.numel());
                }
                writeFloats(channel, buf, t.dtype(), values, values.length);
            }
            case TensorData.StreamedFloats streamed -> {
                float[] chunk = new float[CHUNK_BYTES / t.dtype().byteSize()];
                for (long at = 0; at < t.numel(); ) {
                    int n = (int) Math.min(t.numel() - at, chunk.length);
                    streamed.filler().fill(at, chunk, n);
                    writeFloats(channel, buf, t.dtype(), chunk, n);
                    at += n;
                }
            }
            case TensorData.Ints i -> {
                int[] v = i.values();
                int per = t.dtype().byteSize();
                for (int at = 0; at < v.length; ) {
                    buf.clear();
                    int n = Math.min(v.length - at, CHUNK_BYTES / per);
                    for (int k = 0; k < n; k++) {
                        if (per == 4) buf.putInt(v[at + k]); else buf.putLong(v[at + k]);
                    }
                    at += n;
                    writeFully(channel, buf.flip());
                }
            }
            case TensorData.Longs l -> {
                long[] v = l.values();
                for (int at = 0; at < v.length; ) {
                    buf.clear();
                    int n = Math.min(v.length - at, CHUNK_BYTES / 8);
                    for (int k = 0; k < n; k++) buf.putLong(v[at + k]);
                    at += n;
                    writeFully(channel, buf.flip());
                }
            }
            case TensorData.Bytes b -> {
                MemorySegment seg = b.bytes();
                MemorySegment bufSeg = MemorySegment.ofBuffer(buf.clear());
                for (long at = 0; at < seg.byteSize(); ) {
                    int n = (int) Math.min(seg.byteSize() - at, CHUNK_BYTES);
                    MemorySegment.copy(seg, at, bufSeg, 0, n);
                    at += n;
                    writeFully(channel, buf.clear().limit(n));
                }
            }
        }
    }

    /** Writes v[0, length) in the dtype's format. */
    private static void writeFloats(FileChannel channel, ByteBuffer buf, Dtype dtype, float[] v, int length) throws IOException {
        int per = dtype.byteSize();
        for (int at = 0; at < length; ) {
            buf.clear();
            int n = Math.min(length - at, CHUNK_BYTES / per);
            switch (dtype) {
                case F32 -> { for (int k = 0; k < n; k++) buf.putFloat(v[at + k]); }
                case BF16 -> { for (int k = 0; k < n; k++) buf.putShort(Bf16.fromFloat(v[at + k])); }
                case F16 -> { for (int k = 0; k < n; k++) buf.putShort(Float.floatToFloat16(v[at + k])); }
                default -> throw new IllegalStateException("not a float dtype: " + dtype);
            }
            at += n;
            writeFully(channel, buf.flip());
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) channel.write(buf);
    }
}
