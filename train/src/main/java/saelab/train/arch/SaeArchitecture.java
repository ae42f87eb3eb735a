package saelab.train.arch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import saelab.train.sae.SaeParams;
import saelab.train.trainer.DeviceTopKStep;
import saelab.train.trainer.TrainConfig;

/**
 * A kind of SAE, found by name in {@link Architectures}: its name as SAELens 6 writes
 * "architecture", its settings (with defaults and validation), and how to build an SAE fresh
 * or from checkpoint tensors. One class per architecture; nothing outside it branches on which
 * architecture a run has.
 */
public interface SaeArchitecture {

    /** Exactly as SAELens 6 writes cfg.json's "architecture": "topk", "standard", ... */
    String name();

    /** Other names accepted on the command line and in old files (e.g. "relu" for standard). */
    default List<String> aliases() { return List.of(); }

    /** One line for --help. */
    String summary();

    /** The settings table: keys as in cfg.json, help, defaults. */
    List<SettingSpec> settingSpecs();

    /**
     * The validated settings from values by key (text, as a user writes them); a missing key takes
     * its default for (d_in, d_sae); an unknown key or a bad value is a one-line error naming it.
     */
    SaeSettings settings(Map<String, String> values, int dIn, int dSae);

    /**
     * The settings from values offered by key for whatever architecture a caller has (a command's
     * options, an experiment's defaults): this architecture takes the keys it has and leaves the rest.
     */
    default SaeSettings settingsOffered(Map<String, String> offered, int dIn, int dSae) {
        Map<String, String> own = new LinkedHashMap<>();
        for (SettingSpec s : settingSpecs()) if (offered.containsKey(s.key())) own.put(s.key(), offered.get(s.key()));
        return settings(own, dIn, dSae);
    }

    /** The settings from a JSON object holding them under their keys (other keys are ignored). */
    default SaeSettings settings(JsonNode o, int dIn, int dSae) {
        Map<String, String> values = new LinkedHashMap<>();
        for (SettingSpec s : settingSpecs()) {
            JsonNode v = o.get(s.key());
            if (v != null && !v.isNull()) values.put(s.key(), v.asText());
        }
        return settings(values, dIn, dSae);
    }

    /** A fresh SAE for this configuration (whose settings are this architecture's), initialised from {@code seed}. */
    Sae create(TrainConfig cfg, long seed);

    /**
     * An SAE around these parameters, shared, not copied (a trainer's or a checkpoint's, for
     * encoding); they must be the ones {@link #create} makes, by name and shape.
     */
    Sae around(SaeSettings settings, SaeParams params);

    /** An SAE around checkpoint tensors by name (shapes checked, one line naming a missing or misshapen one). */
    Sae restore(SaeSettings settings, int dIn, int dSae, Map<String, float[]> tensors);

    /**
     * Whether the co-firing and orthogonal penalties can train with it: they act on fixed-k sparse
     * codes ({@link Loss#codeValues}), so only architectures that produce them can take one.
     */
    default boolean supportsPenalty() { return false; }

    /** Whether a resident device step ({@link DeviceTopKStep}) can run its updates. */
    default boolean residentCapable() { return false; }

    /** What a resident TopK step needs of these settings; only called when {@link #residentCapable}. */
    default DeviceTopKStep.TopK resident(SaeSettings settings) {
        throw new UnsupportedOperationException(name() + " has no resident device step");
    }
}
