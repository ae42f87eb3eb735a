package saelab.model.safetensors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One safetensors file, memory-mapped whole: an 8-byte little-endian header length N, N bytes
 * of JSON, then the tensor data. The header is validated on open (see {@link SafetensorsHeader})
 * so that no later read can run outside the mapping. Byte positions are longs throughout:
 * gemma-2 shards are larger than 2 GB.
 */
public final class SafetensorsFile implements TensorStore {
    private static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final Arena arena;
    private final Map<String, TensorView> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path file, Arena arena, Map<String, TensorView> tensors, Map<String, String> metadata) {
        this.file = file;
        this.arena = arena;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path file) {
        // Shared so that views can be read from any thread (harvesting is multi-threaded).
        Arena arena = Arena.ofShared();
        try {
            return map(file, arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static SafetensorsFile map(Path file, Arena arena) {
        MemorySegment whole;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw SafetensorsException.inFile(file, "truncated: " + size
                        + " bytes, expected at least the 8-byte header length");
            }
            whole = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (IOException e) {
            throw SafetensorsException.inFile(file, "cannot map: " + saelab.model.IoErrors.reason(e));
        }
        long size = whole.byteSize();
        long headerBytes = whole.get(U64_LE, 0); // unsigned in the format: negative means ≥ 2^63
        if (headerBytes < 0 || headerBytes > size - 8) {
            throw SafetensorsException.inFile(file, "header length " + Long.toUnsignedString(headerBytes)
                    + " runs past the end of the file (" + size + " bytes, so at most " + (size - 8) + ")");
        }
        if (headerBytes > SafetensorsHeader.MAX_HEADER_BYTES) {
            throw SafetensorsException.inFile(file, "header length " + headerBytes + " is above the "
                    + SafetensorsHeader.MAX_HEADER_BYTES + "-byte limit of the format");
        }
        byte[] json = whole.asSlice(8, headerBytes).toArray(ValueLayout.JAVA_BYTE);
        MemorySegment data = whole.asSlice(8 + headerBytes);
        SafetensorsHeader header = SafetensorsHeader.parse(file, json, data.byteSize());
        Map<String, TensorView> tensors = new LinkedHashMap<>();
        for (SafetensorsHeader.Entry e : header.entries().values()) {
            tensors.put(e.name(), new TensorView(e.name(), e.dtype(), e.shape(),
                    data.asSlice(e.begin(), e.byteSize()), file));
        }
        return new SafetensorsFile(file, arena, tensors, header.metadata());
    }

    public Path file() {
        return file;
    }

    @Override
    public Set<String> names() {
        return java.util.Collections.unmodifiableSet(tensors.keySet());
    }

    @Override
    public TensorView tensor(String name) {
        TensorView t = tensors.get(name);
        if (t == null) {
            throw SafetensorsException.inTensor(file, name, "no such tensor (the file holds " + tensors.size() + ")");
        }
        return t;
    }

    @Override
    public Path location() {
        return file;
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Unmaps the file; views handed out before become unusable (reads throw, never crash). */
    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
