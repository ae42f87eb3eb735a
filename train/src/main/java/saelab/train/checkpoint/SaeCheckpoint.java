package saelab.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import saelab.model.AtomicFiles;
import saelab.model.safetensors.SafetensorsFile;
import saelab.model.safetensors.TensorData;
import saelab.model.safetensors.TensorView;
import saelab.train.sae.SaeParams;
import saelab.train.trainer.TrainConfig;

/**
 * An SAE in the SAELens layout, so the Python ecosystem can load what saelab trains:
 * {@code sae_weights.safetensors} with W_enc [d, m], b_enc [m], W_dec [m, d], b_dec [d] (float32)
 * and {@code cfg.json} with SAELens's keys plus saelab's own training config under "saelab".
 * Both files are written atomically (temporary file + rename).
 */
public final class SaeCheckpoint {
    private SaeCheckpoint() {}

    public static final String WEIGHTS = "sae_weights.safetensors";
    public static final String CONFIG = "cfg.json";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What a checkpoint holds. {@code training} is null for an SAE saelab did not train. */
    public record Loaded(SaeParams params, JsonNode cfg, TrainConfig training, long step) {}

    public static void write(Path dir, SaeParams p, TrainConfig cfg, long step) {
        int d = p.dIn(), m = p.dSae();
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("W_enc", TensorData.f32(new long[] {d, m}, p.wEnc().toArray()));
        tensors.put("b_enc", TensorData.f32(new long[] {m}, p.bEnc().toArray()));
        tensors.put("W_dec", TensorData.f32(new long[] {m, d}, p.wDec().toArray()));
        tensors.put("b_dec", TensorData.f32(new long[] {d}, p.bDec().toArray()));
        saelab.model.safetensors.SafetensorsWriter.write(dir.resolve(WEIGHTS), tensors, Map.of("saelab_step", Long.toString(step)));
        writeJson(dir.resolve(CONFIG), saeLensConfig(cfg, step));
    }

    /** SAELens's cfg.json keys for this SAE (d_in, d_sae, architecture, k, hook, model, dtype, ...). */
    static ObjectNode saeLensConfig(TrainConfig cfg, long step) {
        ObjectNode o = JSON.createObjectNode();
        o.put("architecture", cfg.architecture().saeLensName());
        o.put("d_in", cfg.dIn());
        o.put("d_sae", cfg.dSae());
        if (cfg.architecture() == TrainConfig.Architecture.TOPK) {
            o.put("k", cfg.k());
            o.put("activation_fn", "topk");
            o.putObject("activation_fn_kwargs").put("k", cfg.k());
        } else {
            o.put("activation_fn", "relu");
        }
        o.put("apply_b_dec_to_input", true);
        o.put("normalize_activations", "none");
        o.put("dtype", "float32");
        o.put("device", "cpu");
        o.put("hook_name", cfg.hookName());
        o.put("model_name", cfg.modelName());
        o.put("prepend_bos", true);
        o.put("training_steps", step);
        o.set("saelab", TrainConfigJson.toJson(cfg));
        return o;
    }

    static void writeJson(Path file, JsonNode node) {
        try {
            AtomicFiles.write(file, JSON.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write JSON: " + e.getMessage(), e);
        }
    }

    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(WEIGHTS)) && Files.isRegularFile(dir.resolve(CONFIG));
    }

    public static Loaded read(Path dir) {
        if (!exists(dir)) throw new IllegalArgumentException(dir + ": no SAE checkpoint here (expected " + WEIGHTS + " and " + CONFIG + ")");
        JsonNode cfg;
        try {
            cfg = JSON.readTree(dir.resolve(CONFIG).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(dir.resolve(CONFIG) + ": cannot read: " + e.getMessage(), e);
        }
        int d = cfg.path("d_in").asInt(-1), m = cfg.path("d_sae").asInt(-1);
        if (d <= 0 || m <= 0) throw new IllegalArgumentException(dir.resolve(CONFIG) + ": d_in and d_sae must be positive integers");
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(WEIGHTS))) {
            SaeParams p = SaeParams.of(d, m, load(f, "W_enc", d, m), load(f, "b_enc", m), load(f, "W_dec", m, d), load(f, "b_dec", d));
            long step = f.metadataLong("saelab_step").orElse(-1);
            TrainConfig training = cfg.has("saelab") ? TrainConfigJson.fromJson(cfg.get("saelab")) : null;
            return new Loaded(p, cfg, training, step);
        }
    }

    static float[] load(SafetensorsFile f, String name, long... shape) {
        TensorView v = f.find(name).orElseThrow(() -> new IllegalArgumentException(f.file() + ": no tensor '" + name + "'"));
        if (!java.util.Arrays.equals(v.shape(), shape)) {
            throw new IllegalArgumentException(f.file() + ": " + name + " has shape " + java.util.Arrays.toString(v.shape())
                    + ", cfg.json implies " + java.util.Arrays.toString(shape));
        }
        if (!v.dtype().isFloatingPoint()) throw new IllegalArgumentException(f.file() + ": " + name + " is " + v.dtype() + ", not floating point");
        return v.toFloatArray();
    }

}
