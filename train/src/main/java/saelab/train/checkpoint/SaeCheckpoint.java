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
import saelab.tensor.Tensor;
import saelab.train.arch.Sae;
import saelab.train.arch.SaeSettings;
import saelab.train.sae.SaeParams;
import saelab.train.trainer.TrainConfig;

/**
 * An SAE in the SAELens layout, so the Python ecosystem can load what saelab trains:
 * {@code sae_weights.safetensors} with the SAE's named parameters (every architecture: W_enc [d, m],
 * W_dec [m, d], b_dec [d]; TopK and standard add b_enc [m]) as float32, and {@code cfg.json} with
 * SAELens's keys, the architecture's own ({@link Sae#saeLensFields}), and saelab's training config
 * under "saelab". Reading finds the architecture by cfg.json's "architecture"
 * ({@link CheckpointConfig#parse}) and has it {@link saelab.train.arch.SaeArchitecture#restore restore}
 * the SAE. Both files are written atomically (temporary file + rename).
 * Both files are written atomically (temporary file + rename).
 */
public final class SaeCheckpoint {
    private SaeCheckpoint() {}

    public static final String WEIGHTS = "sae_weights.safetensors";
    public static final String CONFIG = "cfg.json";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What a checkpoint holds. {@code training} is null for an SAE saelab did not train. */
    public record Loaded(Sae sae, JsonNode cfg, TrainConfig training, long step) {
        public SaeParams params() { return sae.params(); }
    }

    /** Writes every named parameter of the SAE (checkpoint order) and cfg.json with the architecture's own fields. */
    public static void write(Path dir, Sae sae, TrainConfig cfg, long step) {
        SaeParams p = sae.params();
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (int i = 0; i < p.names().size(); i++) {
            Tensor t = p.list().get(i);
            long[] shape = new long[t.rank()];
            for (int a = 0; a < shape.length; a++) shape[a] = t.dim(a);
            tensors.put(p.names().get(i), TensorData.f32(shape, t.toArray()));
        }
        saelab.model.safetensors.SafetensorsWriter.write(dir.resolve(WEIGHTS), tensors, Map.of("saelab_step", Long.toString(step)));
        writeJson(dir.resolve(CONFIG), saeLensConfig(cfg, sae, step));
    }

    /** SAELens's cfg.json keys for this SAE (architecture, d_in, d_sae, the architecture's fields, hook, model, dtype, ...). */
    static ObjectNode saeLensConfig(TrainConfig cfg, Sae sae, long step) {
        ObjectNode o = JSON.createObjectNode();
        o.put("architecture", cfg.architecture().name());
        o.put("d_in", cfg.dIn());
        o.put("d_sae", cfg.dSae());
        sae.saeLensFields(o);
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
        TrainConfig training = cfg.has("saelab") ? TrainConfigJson.fromJson(cfg.get("saelab")) : null;
        SaeSettings settings = training != null ? training.settings() : CheckpointConfig.parse(cfg, dir.resolve(CONFIG)).settings();
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(WEIGHTS))) {
            Map<String, float[]> tensors = new LinkedHashMap<>();
            for (String name : f.names()) {
                TensorView v = f.tensor(name);
                if (!v.dtype().isFloatingPoint()) throw new IllegalArgumentException(f.file() + ": " + name + " is " + v.dtype() + ", not floating point");
                tensors.put(name, v.toFloatArray());
            }
            Sae sae;
            try {
                sae = settings.architecture().restore(settings, d, m, tensors);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(f.file() + ": " + e.getMessage() + " (cfg.json: d_in " + d + ", d_sae " + m + ")", e);
            }
            long step = f.metadataLong("saelab_step").orElse(-1);
            return new Loaded(sae, cfg, training, step);
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
