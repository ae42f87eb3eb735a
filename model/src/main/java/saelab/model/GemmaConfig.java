package saelab.model;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The shape and constants of a Gemma-2 model, as {@code config.json} gives them (Hugging Face
 * key names). Nothing here is assumed: every dimension is read, so tests can run tiny models.
 * The two soft-caps may be null (no capping); {@code pad_token_id} may be null.
 */
public record GemmaConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        double queryPreAttnScalar,
        double rmsNormEps,
        double ropeTheta,
        Double attnLogitSoftcapping,
        Double finalLogitSoftcapping,
        int slidingWindow,
        int maxPositionEmbeddings,
        String hiddenActivation,
        boolean tieWordEmbeddings,
        int bosTokenId,
        List<Integer> eosTokenIds,
        Integer padTokenId,
        String torchDtype) {

    public static final String FILE_NAME = "config.json";
    public static final String MODEL_TYPE = "gemma2";

    public GemmaConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numAttentionHeads
                    + " is not a multiple of num_key_value_heads " + numKeyValueHeads);
        }
    }

    /** Query heads that share one key/value head. */
    public int queriesPerKeyValueHead() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** A small model for tests: every feature of gemma-2 present (GQA, a window shorter than a context). */
    public static GemmaConfig tiny() {
        return new GemmaConfig(512, 64, 128, 4, 4, 2, 16, 16, 1e-6, 10000.0, 50.0, 30.0,
                8, 256, "gelu_pytorch_tanh", true, 2, List.of(1), 0, "float32");
    }

    /** google/gemma-2-2b's config.json. */
    public static GemmaConfig gemma2_2b() {
        return new GemmaConfig(256000, 2304, 9216, 26, 8, 4, 256, 256, 1e-6, 10000.0, 50.0, 30.0,
                4096, 8192, "gelu_pytorch_tanh", true, 2, List.of(1), 0, "float32");
    }

    /** Reads {@code dir/config.json}, or the file itself when given one. */
    public static GemmaConfig read(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve(FILE_NAME) : path;
        JsonNode root;
        try {
            root = JSON.readTree(Utf8Text.decode(Files.readAllBytes(file)));
        } catch (Utf8Text.NotUtf8 e) {
            throw new ConfigException(file + ": " + e.getMessage());
        } catch (JacksonException e) {
            throw new ConfigException(file + ": not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + saelab.model.IoErrors.reason(e));
        }
        return parse(file, root);
    }

    static GemmaConfig parse(Path file, JsonNode root) {
        if (root == null || !root.isObject()) throw new ConfigException(file + ": expected a JSON object");
        var keys = new Keys(file, root);
        String modelType = keys.optionalText("model_type");
        if (modelType != null && !modelType.equals(MODEL_TYPE)) {
            throw new ConfigException(file + ": model_type is \"" + modelType + "\", expected \"" + MODEL_TYPE + "\"");
        }
        String activation = keys.optionalText("hidden_activation");
        if (activation == null) activation = keys.optionalText("hidden_act");
        if (activation == null) {
            throw new ConfigException(file + ": missing key 'hidden_activation' (or 'hidden_act'), expected e.g. \"gelu_pytorch_tanh\"");
        }
        String dtype = keys.optionalText("torch_dtype");
        if (dtype == null) dtype = keys.optionalText("dtype"); // newer transformers write "dtype"
        int heads = keys.positiveInt("num_attention_heads");
        int kvHeads = keys.positiveInt("num_key_value_heads");
        if (heads % kvHeads != 0) {
            throw new ConfigException(file + ": num_attention_heads (" + heads + ") must be a multiple of num_key_value_heads (" + kvHeads + ")");
        }
        return new GemmaConfig(
                keys.positiveInt("vocab_size"),
                keys.positiveInt("hidden_size"),
                keys.positiveInt("intermediate_size"),
                keys.positiveInt("num_hidden_layers"),
                heads,
                kvHeads,
                keys.positiveInt("head_dim"),
                keys.positiveNumber("query_pre_attn_scalar"),
                keys.positiveNumber("rms_norm_eps"),
                keys.ropeTheta(),
                keys.nullablePositiveNumber("attn_logit_softcapping"),
                keys.nullablePositiveNumber("final_logit_softcapping"),
                keys.positiveInt("sliding_window"),
                keys.positiveInt("max_position_embeddings"),
                activation,
                keys.booleanOr("tie_word_embeddings", true), // transformers' default
                keys.nonNegativeInt("bos_token_id"),
                keys.tokenIds("eos_token_id"),
                keys.nullableNonNegativeInt("pad_token_id"),
                dtype);
    }

    /** Writes {@code dir/config.json} (atomically) in Hugging Face's layout; returns the file. */
    public Path write(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        try {
            AtomicFiles.write(file, (toJson().toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (UncheckedIOException e) {
            throw new ConfigException(e.getMessage());
        }
        return file;
    }

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add("Gemma2ForCausalLM");
        o.put("attention_bias", false);
        o.put("attention_dropout", 0.0);
        if (attnLogitSoftcapping == null) o.putNull("attn_logit_softcapping"); else o.put("attn_logit_softcapping", attnLogitSoftcapping);
        o.put("bos_token_id", bosTokenId);
        if (eosTokenIds.size() == 1) o.put("eos_token_id", eosTokenIds.getFirst());
        else eosTokenIds.forEach(o.putArray("eos_token_id")::add);
        if (finalLogitSoftcapping == null) o.putNull("final_logit_softcapping"); else o.put("final_logit_softcapping", finalLogitSoftcapping);
        o.put("head_dim", headDim);
        o.put("hidden_act", hiddenActivation);
        o.put("hidden_activation", hiddenActivation);
        o.put("hidden_size", hiddenSize);
        o.put("intermediate_size", intermediateSize);
        o.put("max_position_embeddings", maxPositionEmbeddings);
        o.put("model_type", MODEL_TYPE);
        o.put("num_attention_heads", numAttentionHeads);
        o.put("num_hidden_layers", numHiddenLayers);
        o.put("num_key_value_heads", numKeyValueHeads);
        if (padTokenId == null) o.putNull("pad_token_id"); else o.put("pad_token_id", padTokenId);
        putNumber(o, "query_pre_attn_scalar", queryPreAttnScalar);
        o.put("rms_norm_eps", rmsNormEps);
        putNumber(o, "rope_theta", ropeTheta);
        o.put("sliding_window", slidingWindow);
        o.put("tie_word_embeddings", tieWordEmbeddings);
        if (torchDtype != null) o.put("torch_dtype", torchDtype);
        o.put("vocab_size", vocabSize);
        return o;
    }

    /** Integral values as integers, as HF writes them (query_pre_attn_scalar: 256, not 256.0). */
    private static void putNumber(ObjectNode o, String key, double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) o.put(key, (long) v); else o.put(key, v);
    }

    static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    /** A config.json that cannot be used; the message names the file and the key. */
    public static final class ConfigException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ConfigException(String message) {
            super(message);
        }
    }

    /** Typed access to config.json's keys, each failure naming the file and key. */
    private record Keys(Path file, JsonNode root) {
        private JsonNode required(String key, String expected) {
            JsonNode v = root.get(key);
            if (v == null || v.isNull()) throw new ConfigException(file + ": missing key '" + key + "', expected " + expected);
            return v;
        }

        private ConfigException invalid(String key, JsonNode v, String expected) {
            return new ConfigException(file + ": key '" + key + "' is " + v + ", expected " + expected);
        }

        int positiveInt(String key) {
            JsonNode v = required(key, "a positive integer");
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() <= 0) throw invalid(key, v, "a positive integer");
            return v.intValue();
        }

        int nonNegativeInt(String key) {
            JsonNode v = required(key, "a token id (non-negative integer)");
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) throw invalid(key, v, "a token id (non-negative integer)");
            return v.intValue();
        }

        Integer nullableNonNegativeInt(String key) {
            JsonNode v = root.get(key);
            return v == null || v.isNull() ? null : nonNegativeInt(key);
        }

        double positiveNumber(String key) {
            JsonNode v = required(key, "a positive number");
            if (!v.isNumber() || !(v.doubleValue() > 0) || Double.isInfinite(v.doubleValue())) throw invalid(key, v, "a positive number");
            return v.doubleValue();
        }

        Double nullablePositiveNumber(String key) {
            JsonNode v = root.get(key);
            return v == null || v.isNull() ? null : positiveNumber(key);
        }

        /**
         * transformers 4.x writes a top-level {@code rope_theta}; 5.x writes
         * {@code rope_parameters: {rope_type: "default", rope_theta: …}} instead. Either is read;
         * both must agree; a rope_type other than "default" (scaled RoPE) is not gemma-2's and is refused.
         */
        double ropeTheta() {
            JsonNode params = root.get("rope_parameters");
            JsonNode top = root.get("rope_theta");
            if (params == null || params.isNull()) {
                if (top == null || top.isNull()) {
                    throw new ConfigException(file + ": missing key 'rope_theta' (or 'rope_parameters.rope_theta'), expected a positive number");
                }
                return positiveNumber("rope_theta");
            }
            if (!params.isObject()) throw invalid("rope_parameters", params, "an object {\"rope_type\": \"default\", \"rope_theta\": ...}");
            JsonNode type = params.get("rope_type");
            if (type != null && !type.isNull() && !(type.isTextual() && type.textValue().equals("default"))) {
                throw invalid("rope_parameters.rope_type", type, "\"default\" (gemma-2 uses unscaled RoPE)");
            }
            JsonNode theta = params.get("rope_theta");
            if (theta == null || theta.isNull()) {
                throw new ConfigException(file + ": missing key 'rope_parameters.rope_theta', expected a positive number");
            }
            if (!theta.isNumber() || !(theta.doubleValue() > 0) || Double.isInfinite(theta.doubleValue())) {
                throw invalid("rope_parameters.rope_theta", theta, "a positive number");
            }
            if (top != null && !top.isNull() && !(top.isNumber() && top.doubleValue() == theta.doubleValue())) {
                throw invalid("rope_theta", top, "the same number as rope_parameters.rope_theta (" + theta + ")");
            }
            return theta.doubleValue();
        }

        boolean booleanOr(String key, boolean fallback) {
            JsonNode v = root.get(key);
            if (v == null || v.isNull()) return fallback;
            if (!v.isBoolean()) throw invalid(key, v, "true or false");
            return v.booleanValue();
        }

        String optionalText(String key) {
            JsonNode v = root.get(key);
            if (v == null || v.isNull()) return null;
            if (!v.isTextual()) throw invalid(key, v, "a string");
            return v.textValue();
        }

        /** A token id or a list of them (instruction-tuned gemma lists several eos ids). */
        List<Integer> tokenIds(String key) {
            JsonNode v = required(key, "a token id or a list of token ids");
            List<Integer> ids = new ArrayList<>();
            if (v.isArray()) {
                for (JsonNode e : v) {
                    if (!e.isIntegralNumber() || !e.canConvertToInt() || e.intValue() < 0) throw invalid(key, v, "a token id or a list of token ids");
                    ids.add(e.intValue());
                }
                if (ids.isEmpty()) throw invalid(key, v, "a token id or a non-empty list of token ids");
            } else {
                ids.add(nonNegativeInt(key));
            }
            return ids;
        }
    }
}
