package saelab.model.harvest;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import saelab.model.AtomicFiles;
import saelab.model.safetensors.Dtype;

/**
 * {@code manifest.json} of a harvest folder: what was harvested (model, hook, context, dtype,
 * data and their fingerprints) and the finished shards, in row order. Rows are tokens: global row
 * g is position {@code g % context} of packed sequence {@code g / context}; shard i holds rows
 * [{@code firstRow}, {@code firstRow + rows}). The harvester rewrites it atomically after each
 * shard, so it always lists exactly the shards that are complete on disk.
 */
public record HarvestManifest(
        String model,
        String modelConfigSha256,
        String tokenizerSha256,
        int layer,
        int hiddenSize,
        int context,
        Dtype dtype,
        int shardTokens,
        int bosTokenId,
        String dataFile,
        FileFingerprint data,
        long tokensRequested,
        boolean dataExhausted,
        List<Shard> shards) {

    public static final String FILE_NAME = "manifest.json";
    public static final String FORMAT = "saelab-harvest";
    public static final int VERSION = 1;
    /** The tensors of every shard. */
    public static final String ACTIVATIONS = "activations", TOKEN_IDS = "token_ids", SEQUENCE = "sequence", POSITION = "position";
    static final String PACKING = "each document tokenized with <bos> first, documents concatenated, cut into sequences of"
            + " `context` tokens each beginning with <bos> (one is inserted when a sequence would start inside a document);"
            + " the short tail at the end of the data is dropped";

    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    /** One finished shard file and the rows it holds. */
    public record Shard(String file, long firstRow, int rows) {}

    public HarvestManifest {
        shards = List.copyOf(shards);
        if (dtype != Dtype.F32 && dtype != Dtype.BF16) throw new IllegalArgumentException("harvest dtype must be F32 or BF16, got " + dtype);
    }

    /** TransformerLens's name for the residual after {@code layer}, as SAELens records it. */
    public static String hookName(int layer) {
        return "blocks." + layer + ".hook_resid_post";
    }

    public String hookName() {
        return hookName(layer);
    }

    /** {@code shard-00000.safetensors}, ...: zero-padded so a directory listing sorts in row order. */
    public static String shardFileName(int index) {
        return String.format("shard-%05d.safetensors", index);
    }

    /** Rows (tokens) in the finished shards. */
    public long tokens() {
        return shards.isEmpty() ? 0 : shards.getLast().firstRow() + shards.getLast().rows();
    }

    /** Whether the harvest has all the tokens asked for, or all the data could give. */
    public boolean complete() {
        return dataExhausted || tokens() >= tokensRequested;
    }

    public HarvestManifest withShards(List<Shard> newShards, long newTokensRequested, boolean newDataExhausted) {
        return new HarvestManifest(model, modelConfigSha256, tokenizerSha256, layer, hiddenSize, context, dtype, shardTokens,
                bosTokenId, dataFile, data, newTokensRequested, newDataExhausted, newShards);
    }

    /**
     * What differs between the settings of this harvest and {@code other}'s, one line each ("layer:
     * 3 in the manifest, 2 now"); empty when a harvest with {@code other}'s settings may continue
     * this one. The token target and the shard list are not settings.
     */
    public List<String> settingsDifferences(HarvestManifest other) {
        List<String> out = new ArrayList<>();
        differ(out, "model", model, other.model);
        differ(out, "model config.json sha256", modelConfigSha256, other.modelConfigSha256);
        differ(out, "tokenizer.json sha256", tokenizerSha256, other.tokenizerSha256);
        differ(out, "layer", layer, other.layer);
        differ(out, "hidden size", hiddenSize, other.hiddenSize);
        differ(out, "context", context, other.context);
        differ(out, "dtype", dtypeName(dtype), dtypeName(other.dtype));
        differ(out, "shard tokens", shardTokens, other.shardTokens);
        differ(out, "bos token id", bosTokenId, other.bosTokenId);
        differ(out, "data file", dataFile, other.dataFile);
        differ(out, "data file contents", data, other.data);
        return out;
    }

    private static void differ(List<String> out, String what, Object mine, Object theirs) {
        if (!Objects.equals(mine, theirs)) out.add(what + ": " + mine + " in the manifest, " + theirs + " now");
    }

    /** "f32" or "bf16", as the command line spells them. */
    public static String dtypeName(Dtype dtype) {
        return dtype.name().toLowerCase();
    }

    public void write(Path dir) {
        AtomicFiles.write(dir.resolve(FILE_NAME), toJson().getBytes(StandardCharsets.UTF_8));
    }

    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("model", model);
        root.put("model_config_sha256", modelConfigSha256);
        root.put("tokenizer_sha256", tokenizerSha256);
        root.put("layer", layer);
        root.put("hook_name", hookName());
        root.put("hidden_size", hiddenSize);
        root.put("context", context);
        root.put("dtype", dtypeName(dtype));
        root.put("shard_tokens", shardTokens);
        root.put("bos_token_id", bosTokenId);
        root.put("packing", PACKING);
        ObjectNode d = root.putObject("data");
        d.put("file", dataFile);
        d.put("bytes", data.bytes());
        d.put("sha256", data.sha256());
        root.put("tokens_requested", tokensRequested);
        root.put("tokens", tokens());
        root.put("data_exhausted", dataExhausted);
        root.put("complete", complete());
        ArrayNode list = root.putArray("shards");
        for (Shard s : shards) list.addObject().put("file", s.file()).put("first_row", s.firstRow()).put("rows", s.rows());
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JacksonException e) {
            throw new IllegalStateException("a tree of plain values always serializes", e);
        }
    }

    /** Reads {@code dir/manifest.json}; every missing or mistyped field is an error naming the file and the field. */
    public static HarvestManifest read(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new HarvestException(file + ": no harvest manifest here (expected the output folder of `saelab harvest`)");
        } catch (JacksonException e) {
            throw new HarvestException(file + ": not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new HarvestException(file + ": cannot read: " + saelab.model.IoErrors.reason(e), e);
        }
        Fields f = new Fields(file, root);
        if (!FORMAT.equals(f.text(root, "format"))) {
            throw new HarvestException(file + ": \"format\" is \"" + root.get("format").asText() + "\", expected \"" + FORMAT + "\"");
        }
        int version = f.integer(root, "version");
        if (version != VERSION) throw new HarvestException(file + ": version " + version + ", this saelab reads version " + VERSION);
        String dtypeText = f.text(root, "dtype");
        Dtype dtype = switch (dtypeText) {
            case "f32" -> Dtype.F32;
            case "bf16" -> Dtype.BF16;
            default -> throw new HarvestException(file + ": \"dtype\" is \"" + dtypeText + "\", expected \"f32\" or \"bf16\"");
        };
        JsonNode data = f.object(root, "data");
        List<Shard> shards = new ArrayList<>();
        JsonNode list = root.get("shards");
        if (list == null || !list.isArray()) throw new HarvestException(file + ": \"shards\" is missing or not an array");
        long expectFirst = 0;
        for (JsonNode s : list) {
            Shard shard = new Shard(f.text(s, "file"), f.longValue(s, "first_row"), f.integer(s, "rows"));
            if (shard.firstRow() != expectFirst || shard.rows() <= 0) {
                throw new HarvestException(file + ": shard " + shard.file() + " starts at row " + shard.firstRow() + " with "
                        + shard.rows() + " rows; expected a positive row count starting at row " + expectFirst
                        + " (shards are listed in row order without gaps)");
            }
            expectFirst += shard.rows();
            shards.add(shard);
        }
        return new HarvestManifest(f.text(root, "model"), f.text(root, "model_config_sha256"), f.text(root, "tokenizer_sha256"),
                f.integer(root, "layer"), f.integer(root, "hidden_size"), f.integer(root, "context"), dtype,
                f.integer(root, "shard_tokens"), f.integer(root, "bos_token_id"), f.text(data, "file"),
                new FileFingerprint(f.longValue(data, "bytes"), f.text(data, "sha256")),
                f.longValue(root, "tokens_requested"), f.bool(root, "data_exhausted"), shards);
    }

    /** Typed field access whose errors name the manifest and the field. */
    private record Fields(Path file, JsonNode root) {
        JsonNode field(JsonNode node, String name) {
            JsonNode v = node == null ? null : node.get(name);
            if (v == null || v.isNull()) throw new HarvestException(file + ": field \"" + name + "\" is missing");
            return v;
        }

        String text(JsonNode node, String name) {
            JsonNode v = field(node, name);
            if (!v.isTextual()) throw new HarvestException(file + ": field \"" + name + "\" should be a string, is " + v);
            return v.asText();
        }

        long longValue(JsonNode node, String name) {
            JsonNode v = field(node, name);
            if (!v.canConvertToLong() || !v.isIntegralNumber()) throw new HarvestException(file + ": field \"" + name + "\" should be an integer, is " + v);
            return v.asLong();
        }

        int integer(JsonNode node, String name) {
            JsonNode v = field(node, name);
            if (!v.canConvertToInt() || !v.isIntegralNumber()) throw new HarvestException(file + ": field \"" + name + "\" should be a 32-bit integer, is " + v);
            return v.asInt();
        }

        boolean bool(JsonNode node, String name) {
            JsonNode v = field(node, name);
            if (!v.isBoolean()) throw new HarvestException(file + ": field \"" + name + "\" should be true or false, is " + v);
            return v.asBoolean();
        }

        JsonNode object(JsonNode node, String name) {
            JsonNode v = field(node, name);
            if (!v.isObject()) throw new HarvestException(file + ": field \"" + name + "\" should be an object, is " + v);
            return v;
        }
    }
}
