package saelab.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import saelab.train.arch.Architectures;
import saelab.train.arch.SaeArchitecture;
import saelab.train.arch.SaeSettings;

/**
 * The seam between a parsed cfg.json and the architecture registry: what SAE a checkpoint holds
 * (architecture, its settings, hook, model), whoever wrote it. This reads the keys saelab's own
 * cfg.json and SAELens's pre-6 layout share (top-level "architecture", "hook_name",
 * "model_name", the architecture's settings at the top level; SAELens's "standard" with
 * activation_fn "topk" is TopK); a reader of another layout (SAELens 6's "metadata") produces
 * the same {@link Parsed} and the rest of saelab takes it from there.
 */
public final class CheckpointConfig {
    private CheckpointConfig() {}

    /**
     * @param architecture the registry's architecture
     * @param settings     its settings as the file gives them (defaults for what it omits)
     * @param hookName     the hook the SAE reads, or null when the file names none
     * @param modelName    the model, or null when the file names none
     */
    public record Parsed(SaeArchitecture architecture, SaeSettings settings, String hookName, String modelName) {}

    /** @param where the file, for messages */
    public static Parsed parse(JsonNode cfg, Path where) {
        int d = cfg.path("d_in").asInt(-1), m = cfg.path("d_sae").asInt(-1);
        if (d <= 0 || m <= 0) throw new IllegalArgumentException(where + ": d_in and d_sae must be positive integers");
        String name = cfg.path("architecture").asText("standard");
        String activation = cfg.path("activation_fn").asText("");
        // SAELens before 6 wrote TopK SAEs as "standard" with activation_fn "topk" and its k in activation_fn_kwargs.
        if (activation.equals("topk") && !name.equals("topk")) name = "topk";
        SaeArchitecture arch;
        try {
            arch = Architectures.byName(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        JsonNode settings = cfg;
        if (!cfg.has("k") && cfg.path("activation_fn_kwargs").has("k")) {
            ObjectNode copy = cfg.deepCopy();
            copy.set("k", cfg.path("activation_fn_kwargs").get("k"));
            settings = copy;
        }
        SaeSettings s;
        try {
            s = arch.settings(settings, d, m);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        return new Parsed(arch, s, text(cfg, "hook_name"), text(cfg, "model_name"));
    }

    private static String text(JsonNode cfg, String key) {
        JsonNode n = cfg.get(key);
        return n == null || n.isNull() ? null : n.asText();
    }
}
