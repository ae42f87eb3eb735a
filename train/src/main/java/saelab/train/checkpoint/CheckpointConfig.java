package saelab.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import saelab.train.arch.Architectures;
import saelab.train.arch.SaeArchitecture;
import saelab.train.arch.SaeSettings;

/**
 * The seam between a parsed cfg.json and the architecture registry: what SAE a checkpoint holds
 * (architecture, its settings, hook, model), whoever wrote it. {@link SaeLensConfigJson} reads the file
 * in SAELens's 6.x or pre-6 layout (refusing what saelab cannot honour); the registry finds the
 * architecture by its name and reads its settings from the architecture's own keys.
 */
public final class CheckpointConfig {
    private CheckpointConfig() {}

    /**
     * @param architecture the registry's architecture
     * @param settings     its settings as the file gives them (defaults for what it omits)
     * @param hookName     the hook the SAE reads (SAELens 6: metadata.hook_name), or null when the file names none
     * @param modelName    the model, or null when the file names none
     * @param saeLens      everything the file says, as read
     */
    public record Parsed(SaeArchitecture architecture, SaeSettings settings, String hookName, String modelName, SaeLensConfig saeLens) {}

    /** @param where the file, for messages */
    public static Parsed parse(JsonNode cfg, Path where) {
        SaeLensConfig c = SaeLensConfigJson.read(cfg, where);
        SaeArchitecture arch;
        SaeSettings s;
        try {
            arch = Architectures.byName(c.architecture());
            ObjectNode fields = JsonNodeFactory.instance.objectNode();
            fields.setAll(c.architectureFields());
            s = arch.settings(fields, c.dIn(), c.dSae());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        return new Parsed(arch, s, c.hookName(), c.modelName(), c);
    }
}
