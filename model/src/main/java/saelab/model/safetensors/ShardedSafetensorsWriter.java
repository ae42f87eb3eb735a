package saelab.model.safetensors;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import saelab.model.AtomicFiles;

/**
 * Writes a checkpoint as Hugging Face does: tensors, in the caller's order, fill shards of at
 * most {@code maxShardBytes} of data (a tensor larger than that gets a shard of its own), named
 * {@code model-00001-of-0000N.safetensors}, with {@code model.safetensors.index.json} holding
 * {@code metadata.total_size} and {@code weight_map}. One shard is written as plain
 * {@code model.safetensors} and no index. Each file is written atomically; the index last, so a
 * checkpoint is never indexed before its shards exist.
 */
public final class ShardedSafetensorsWriter {
    private ShardedSafetensorsWriter() {}

    /** @return the files written, shards first, then the index if there is one. */
    public static List<Path> write(Path dir, Map<String, TensorData> tensors, Map<String, String> metadata,
                                   long maxShardBytes) {
        if (maxShardBytes <= 0) throw new IllegalArgumentException("maxShardBytes must be positive: " + maxShardBytes);
        List<Map<String, TensorData>> shards = split(tensors, maxShardBytes);
        List<Path> written = new ArrayList<>();
        Path index = dir.resolve(TensorStore.INDEX_FILE);
        if (shards.size() <= 1) {
            Path single = dir.resolve(TensorStore.SINGLE_FILE);
            SafetensorsWriter.write(single, shards.isEmpty() ? Map.of() : shards.getFirst(), metadata);
            deleteStale(index); // else the directory would still open through an old index
            written.add(single);
            return written;
        }
        Map<String, String> weightMap = new TreeMap<>(); // HF writes the index with sorted keys
        long totalSize = 0;
        for (int i = 0; i < shards.size(); i++) {
            String fileName = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            Path file = dir.resolve(fileName);
            SafetensorsWriter.write(file, shards.get(i), metadata);
            written.add(file);
            for (var e : shards.get(i).entrySet()) {
                weightMap.put(e.getKey(), fileName);
                totalSize += e.getValue().byteSize();
            }
        }
        ObjectNode root = SafetensorsHeader.JSON.createObjectNode();
        root.putObject("metadata").put("total_size", totalSize);
        ObjectNode map = root.putObject("weight_map");
        weightMap.forEach(map::put);
        try {
            AtomicFiles.write(index, (root.toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (UncheckedIOException e) {
            throw new SafetensorsException(e.getMessage(), e);
        }
        written.add(index);
        return written;
    }

    /** Greedy, in order: start a new shard when the next tensor would overflow a non-empty one. */
    static List<Map<String, TensorData>> split(Map<String, TensorData> tensors, long maxShardBytes) {
        List<Map<String, TensorData>> shards = new ArrayList<>();
        Map<String, TensorData> current = new LinkedHashMap<>();
        long currentBytes = 0;
        for (var e : tensors.entrySet()) {
            long size = e.getValue().byteSize();
            if (!current.isEmpty() && currentBytes + size > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                currentBytes = 0;
            }
            current.put(e.getKey(), e.getValue());
            currentBytes += size;
        }
        if (!current.isEmpty()) shards.add(current);
        return shards;
    }

    private static void deleteStale(Path index) {
        try {
            Files.deleteIfExists(index);
        } catch (IOException e) {
            throw SafetensorsException.inFile(index, "cannot remove the stale index: " + saelab.model.IoErrors.reason(e));
        }
    }
}
