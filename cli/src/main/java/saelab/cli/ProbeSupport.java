package saelab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import saelab.model.GemmaConfig;
import saelab.model.gemma2.CheckpointException;
import saelab.model.safetensors.SafetensorsException;
import saelab.model.tokenizer.TokenizerException;
import saelab.train.checkpoint.SaeCheckpoint;
import saelab.train.checkpoint.SaeLensConfigJson;

/** What the probe and absorption commands share: their error reporting, the layer from the SAE's hook name, default output paths. */
final class ProbeSupport {
    private ProbeSupport() {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HOOK = Pattern.compile("blocks\\.(\\d+)\\.hook_resid_post");

    /**
     * Runs a command's body; an error from bad input (flags, files, checkpoints, tokenizer, model
     * config) becomes one line "command: message" on stderr and exit status 1.
     */
    static int reportingErrors(String command, IntSupplier body) {
        try {
            return body.getAsInt();
        } catch (IllegalArgumentException | UncheckedIOException | SafetensorsException | CheckpointException
                 | TokenizerException | GemmaConfig.ConfigException e) {
            System.err.println(command + ": " + e.getMessage());
            return 1;
        }
    }

    /**
     * --layer if given, else L of the SAE's hook "blocks.L.hook_resid_post" (SAELens 6: metadata.hook_name;
     * before 6: the top-level hook_name or hook_point), else an error saying so.
     */
    static int layer(Integer given, Path sae) {
        if (given != null) return given;
        Path cfg = sae.resolve(SaeCheckpoint.CONFIG);
        String hook;
        try {
            JsonNode node = JSON.readTree(cfg.toFile());
            hook = SaeLensConfigJson.read(node, cfg).hookName();
        } catch (IOException e) {
            throw new UncheckedIOException(cfg + ": cannot read: " + e.getMessage(), e);
        }
        if (hook == null) throw new IllegalArgumentException(cfg + ": no hook_name (neither metadata.hook_name nor a top-level one): give --layer");
        Matcher m = HOOK.matcher(hook);
        if (!m.matches()) throw new IllegalArgumentException(cfg + ": hook_name '" + hook + "' does not name a layer (blocks.L.hook_resid_post): give --layer");
        return Integer.parseInt(m.group(1));
    }

    static Path defaultOut(String kind) {
        return Path.of("runs", kind + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".json");
    }
}
