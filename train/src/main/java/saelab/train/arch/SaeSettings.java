package saelab.train.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An architecture's own settings (TopK: k, auxk_alpha, k_aux; standard: l1_coefficient,
 * l1_warmup_steps), as a validated record. {@link #toJson} writes them under their
 * {@link SettingSpec} keys; {@link SaeArchitecture#settings(com.fasterxml.jackson.databind.JsonNode, int, int)}
 * reads them back to an equal record.
 */
public interface SaeSettings {
    SaeArchitecture architecture();

    /** Puts every setting under its key. */
    void toJson(ObjectNode o);

    /** One line for the user, e.g. "k 32, auxk_alpha 0.03125, k_aux 256". */
    String describe();

    /** Checks the settings against the SAE's shape, one line naming the key when they do not fit. */
    default void check(int dIn, int dSae) {}
}
