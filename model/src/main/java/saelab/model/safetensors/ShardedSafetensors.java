package saelab.model.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A checkpoint split over several safetensors files, as Hugging Face writes them:
 * {@code model.safetensors.index.json} holds {@code weight_map} (tensor name → shard file, relative
 * to the index) and {@code metadata}. Every shard is mapped on open and every tensor the index
 * names is looked up at once, so a broken checkpoint fails on open, not mid-forward-pass.
 */
public final class ShardedSafetensors implements TensorStore {
    private final Path index;
    private final Map<String, SafetensorsFile> shards;
    private final Map<String, TensorView> tensors;
    private final Map<String, String> metadata;

    private ShardedSafetensors(Path index, Map<String, SafetensorsFile> shards, Map<String, TensorView> tensors,
                               Map<String, String> metadata) {
        this.index = index;
        this.shards = shards;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static ShardedSafetensors open(Path index) {
        JsonNode root;
        try {
            root = SafetensorsHeader.JSON.readTree(TensorStore.readAll(index));
        } catch (JacksonException e) {
            throw SafetensorsException.inFile(index, "not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw SafetensorsException.inFile(index, "cannot read JSON: " + saelab.model.IoErrors.reason(e));
        }
        if (root == null || !root.isObject() || !root.path("weight_map").isObject()) {
            throw SafetensorsException.inFile(index, "expected a JSON object with a \"weight_map\" object"
                    + " (tensor name → shard file)");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonNode meta = root.path("metadata");
        if (meta.isObject()) {
            // total_size is a number in HF indices; keep every value as text.
            for (var f : meta.properties()) metadata.put(f.getKey(), f.getValue().isTextual() ? f.getValue().textValue() : f.getValue().toString());
        }
        Path dir = index.toAbsolutePath().getParent();
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, TensorView> tensors = new LinkedHashMap<>();
        try {
            for (var f : root.get("weight_map").properties()) {
                String name = f.getKey();
                if (!f.getValue().isTextual()) {
                    throw SafetensorsException.inFile(index, "weight_map entry for tensor '" + name
                            + "' is " + f.getValue() + ", expected a shard file name");
                }
                String shardName = f.getValue().textValue();
                SafetensorsFile shard = shards.get(shardName);
                if (shard == null) {
                    Path shardPath = dir.resolve(shardName);
                    if (!Files.isRegularFile(shardPath)) {
                        throw SafetensorsException.inFile(index, "tensor '" + name + "' is mapped to shard "
                                + shardPath + ", which does not exist");
                    }
                    shard = SafetensorsFile.open(shardPath);
                    shards.put(shardName, shard);
                }
                TensorView t = shard.find(name).orElse(null);
                if (t == null) {
                    throw SafetensorsException.inTensor(shard.file(), name, "named in " + index
                            + " but missing from this shard");
                }
                tensors.put(name, t);
            }
        } catch (RuntimeException e) {
            shards.values().forEach(SafetensorsFile::close);
            throw e;
        }
        return new ShardedSafetensors(index, Collections.unmodifiableMap(shards), Collections.unmodifiableMap(tensors),
                Collections.unmodifiableMap(metadata));
    }

    public Path index() {
        return index;
    }

    /** Shard file name (as the index spells it) → the open shard. */
    public Map<String, SafetensorsFile> shards() {
        return shards;
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public TensorView tensor(String name) {
        TensorView t = tensors.get(name);
        if (t == null) {
            throw SafetensorsException.inTensor(index, name, "not in weight_map (" + tensors.size() + " tensors)");
        }
        return t;
    }

    @Override
    public Path location() {
        return index;
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public void close() {
        shards.values().forEach(SafetensorsFile::close);
    }
}
