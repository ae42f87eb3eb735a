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
 * W_dec [m, d], b_dec [d]; TopK and standard add b_enc [m]) as float32, and {@code cfg.json} in
 * SAELens 6's layout ({@link SaeLensConfigJson}: common keys, the architecture's own from
 * {@link Sae#saeLensFields}, hook and model under "metadata", sae_lens_version) with saelab's training
 * config under "saelab". Reading takes SAELens's 6.x and pre-6 layouts ({@link CheckpointConfig#parse}),
 * refuses settings saelab cannot honour, folds the ones it can into the weights ({@link SaeLensFolds}),
 * and has the architecture {@link saelab.train.arch.SaeArchitecture#restore restore} the SAE.
 * Both files are written atomically (temporary file + rename).
 */
public final class SaeCheckpoint {
    private SaeCheckpoint() {}

    public static final String WEIGHTS = "sae_weights.safetensors";
    public static final String CONFIG = "cfg.json";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What a checkpoint holds: the SAE, cfg.json as JSON and as read; {@code training} is null for an SAE saelab did not train. */
    public record Loaded(Sae sae, JsonNode cfg, SaeLensConfig saeLens, TrainConfig training, long step) {
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

    /**
     * SAELens 6's cfg.json for this SAE ({@link SaeLensConfigJson#write}): the architecture's own keys
     * ({@link Sae#saeLensFields}), hook and model under metadata, the training tokens (steps × batch) the
     * checkpoint has seen, the activation source as dataset_path (and its context size when it names
     * one), and saelab's training config under "saelab".
     */
    static ObjectNode saeLensConfig(TrainConfig cfg, Sae sae, long step) {
        ObjectNode fields = JSON.createObjectNode();
        sae.saeLensFields(fields);
        Map<String, JsonNode> archFields = new LinkedHashMap<>();
        fields.fields().forEachRemaining(e -> archFields.put(e.getKey(), e.getValue()));
        SaeLensConfig c = SaeLensConfig.saelab(sae.saeLensArchitecture(), cfg.dIn(), cfg.dSae(), archFields, cfg.hookName(),
                cfg.modelName(), contextSize(cfg.source()), cfg.source(), Math.max(0, step) * cfg.batch());
        return SaeLensConfigJson.write(c, TrainConfigJson.toJson(cfg));
    }

    private static final java.util.regex.Pattern CONTEXT = java.util.regex.Pattern.compile("(?:^|;)context=(\\d+)");

    /** The context size a model source names ("model:...;context=128@..."), or null. */
    static Integer contextSize(String source) {
        java.util.regex.Matcher m = CONTEXT.matcher(source == null ? "" : source);
        return m.find() ? Integer.valueOf(m.group(1)) : null;
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
        CheckpointConfig.Parsed parsed = CheckpointConfig.parse(cfg, dir.resolve(CONFIG)); // refuses what saelab cannot honour
        SaeLensConfig saeLens = parsed.saeLens();
        int d = saeLens.dIn(), m = saeLens.dSae();
        TrainConfig training = cfg.has("saelab") ? TrainConfigJson.fromJson(cfg.get("saelab")) : null;
        SaeSettings settings = training != null ? training.settings() : parsed.settings();
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(WEIGHTS))) {
            Map<String, float[]> tensors = new LinkedHashMap<>();
            for (String name : f.names()) {
                TensorView v = f.tensor(name);
                if (!v.dtype().isFloatingPoint()) throw new IllegalArgumentException(f.file() + ": " + name + " is " + v.dtype() + ", not floating point");
                tensors.put(name, v.toFloatArray());
            }
            // SAELens settings saelab honours by rewriting the weights into its own encoding (SaeLensFolds)
            SaeLensFolds.dropUnitScalingFactor(tensors, f.file());
            if (!saeLens.applyBDecToInput()) SaeLensFolds.foldInputBias(tensors, d, m, f.file());
            if (saeLens.rescaleActsByDecoderNorm()) SaeLensFolds.foldDecoderNorms(tensors, d, m, f.file());
            Sae sae;
            try {
                sae = settings.architecture().restore(settings, d, m, tensors);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(f.file() + ": " + e.getMessage() + " (cfg.json: d_in " + d + ", d_sae " + m + ")", e);
            }
            long step = f.metadataLong("saelab_step").orElse(-1);
            return new Loaded(sae, cfg, saeLens, training, step);
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
