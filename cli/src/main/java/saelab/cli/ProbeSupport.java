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
     * config) becomes one line "saelab command: message" on stderr: exit status 2 for a bad flag
     * or input path, 1 for a file that fails while it is read.
     */
    static int reportingErrors(String command, IntSupplier body) {
        try {
            return body.getAsInt();
        } catch (IllegalArgumentException e) {
            System.err.println("saelab " + command + ": " + CliErrors.oneLine(e.getMessage()) + " (see saelab " + command + " --help)");
            return CliErrors.USAGE;
        } catch (UncheckedIOException | SafetensorsException | CheckpointException | TokenizerException | GemmaConfig.ConfigException e) {
            System.err.println("saelab " + command + ": " + CliErrors.describe(e));
            return CliErrors.RUNTIME;
        }
    }

    /** The input paths of probe and absorption: a model folder, an SAE folder with its cfg.json, the data file; one line for the first that is wrong. */
    static void requireInputs(Path model, Path sae, Path data) {
        Sources.requireFolder("--model", model, "a gemma-2 checkpoint folder (config.json, tokenizer.json, *.safetensors)");
        Sources.requireFolder("--sae", sae, "an SAE folder written by saelab train (cfg.json, sae_weights.safetensors)");
        if (sae != null && !java.nio.file.Files.isRegularFile(sae.resolve(SaeCheckpoint.CONFIG))) {
            throw new IllegalArgumentException("--sae " + sae + ": holds no " + SaeCheckpoint.CONFIG
                    + "; expected an SAE folder written by saelab train (cfg.json, sae_weights.safetensors)");
        }
        Sources.requireFile("--data", data, "a .jsonl file with one {\"text\": …, \"label\": …} per line");
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
            throw new UncheckedIOException(cfg + ": cannot read: " + saelab.model.IoErrors.reason(e), e);
        }
        if (hook == null) throw new IllegalArgumentException(cfg + ": no hook_name (neither metadata.hook_name nor a top-level one): give --layer");
        Matcher m = HOOK.matcher(hook);
        if (!m.matches()) throw new IllegalArgumentException(cfg + ": hook_name '" + hook + "' does not name a layer (blocks.L.hook_resid_post): give --layer");
        return Integer.parseInt(m.group(1));
    }

    /** SAEBench's eval_results/ folder beside a command's own results file. */
    static Path saeBenchRoot(Path resultsFile) {
        Path parent = resultsFile.toAbsolutePath().getParent();
        return parent.resolve(saelab.eval.saebench.SaeBenchFile.ROOT);
    }

    /** The SAE's SAEBench identity: release "saelab", id its folder's name, sae_cfg_dict from its cfg.json. */
    static saelab.eval.saebench.SaeIdentity identity(Path sae) {
        Path cfg = sae.resolve(SaeCheckpoint.CONFIG);
        try {
            Path name = sae.toAbsolutePath().normalize().getFileName();
            return saelab.eval.saebench.SaeIdentity.ofCfgJson("saelab", name == null ? "sae" : name.toString(), JSON.readTree(cfg.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(cfg + ": cannot read: " + saelab.model.IoErrors.reason(e), e);
        }
    }

    static Path defaultOut(String kind) {
        return Path.of("runs", kind + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".json");
    }
}
