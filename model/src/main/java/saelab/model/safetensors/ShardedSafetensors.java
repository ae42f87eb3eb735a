package saelab.model.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import saelab.model.Utf8Text;

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
            root = SafetensorsHeader.JSON.readTree(Utf8Text.decode(TensorStore.readAll(index)));
        } catch (Utf8Text.NotUtf8 e) {
            throw SafetensorsException.inFile(index, e.getMessage());
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
            // A tensor a shard holds but the index does not name (or names in another shard) means the
            // index and the shards disagree: refused, rather than loading a store without it.
            for (var shard : shards.entrySet()) {
                for (String name : shard.getValue().names()) {
                    String mapped = root.get("weight_map").path(name).textValue();
                    if (!shard.getKey().equals(mapped)) {
                        throw SafetensorsException.inFile(index, "shard " + shard.getValue().file() + " holds tensor '" + name + "', which weight_map "
                                + (mapped == null ? "does not name" : "maps to " + mapped));
                    }
                }
            }
            requireEveryNumberedShardIndexed(index, dir, shards.keySet());
        } catch (RuntimeException e) {
            shards.values().forEach(SafetensorsFile::close);
            throw e;
        }
        return new ShardedSafetensors(index, Collections.unmodifiableMap(shards), Collections.unmodifiableMap(tensors),
                Collections.unmodifiableMap(metadata));
    }

    private static final Pattern NUMBERED = Pattern.compile("(.*)-(\\d+)-of-(\\d+)\\.safetensors");

    /**
     * Hugging Face numbers shards "model-00002-of-00003.safetensors": a numbered shard in the folder
     * that weight_map never names means entries were lost from the index (a shard holding only
     * those tensors would otherwise not be opened at all, and the store would silently lack them).
     */
    private static void requireEveryNumberedShardIndexed(Path index, Path dir, Set<String> indexed) {
        for (String name : indexed) {
            Matcher m = NUMBERED.matcher(name);
            if (!m.matches()) continue;
            int width = m.group(2).length(), count;
            try {
                count = Integer.parseInt(m.group(3));
            } catch (NumberFormatException tooLong) {
                continue;
            }
            for (int i = 1; i <= Math.min(count, 100_000); i++) {
                String sibling = m.group(1) + "-" + String.format("%0" + width + "d", i) + "-of-" + m.group(3) + ".safetensors";
                if (!indexed.contains(sibling) && Files.isRegularFile(dir.resolve(sibling))) {
                    throw SafetensorsException.inFile(index, "weight_map names no tensor of shard " + dir.resolve(sibling)
                            + " (shard " + i + " of " + count + "), which is in the folder: entries are missing from the index");
                }
            }
        }
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
