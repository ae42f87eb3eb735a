package saelab.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Objects;

/**
 * What an SAELens cfg.json says about an SAE, in either layout (see {@link SaeLensConfigJson} for the
 * keys SAELens writes). Only settings saelab can honour survive reading: an unsupported input
 * normalisation, head index, reshaping or finetuning scale is refused by the reader.
 *
 * @param architecture             SAELens's architecture name ("topk", "standard", "jumprelu", "gated", ...)
 * @param dIn                      activation width
 * @param dSae                     latents
 * @param dtype                    the dtype SAELens computes in ("float32", ...); saelab computes in float32
 * @param applyBDecToInput         whether b_dec is subtracted from the input before the encoder
 * @param normalizeActivations     always "none" once read (the others are refused)
 * @param rescaleActsByDecoderNorm pre-activations are multiplied by the decoder row norms before the
 *                                 activation and divided again before decoding (TopK family only)
 * @param hookName                 the model hook the SAE reads, e.g. "blocks.6.hook_resid_post"; null if unknown
 * @param modelName                null if unknown
 * @param contextSize              tokens per training sequence; null if unknown
 * @param datasetPath              null if unknown
 * @param trainingTokens           tokens the SAE was trained on; null if unknown (SAELens keeps this in
 *                                 runner_cfg.json, not cfg.json; saelab writes it into metadata)
 * @param saeLensVersion           the version whose layout the file has; null for a file without one
 *                                 (read, as SAELens does, with the pre-6.0 layout)
 * @param architectureFields       the remaining top-level keys, which belong to the architecture
 *                                 ("k" for topk, "matryoshka_widths", training coefficients, ...)
 */
public record SaeLensConfig(String architecture, int dIn, int dSae, String dtype, boolean applyBDecToInput,
                            String normalizeActivations, boolean rescaleActsByDecoderNorm, String hookName,
                            String modelName, Integer contextSize, String datasetPath, Long trainingTokens,
                            String saeLensVersion, Map<String, JsonNode> architectureFields) {

    public SaeLensConfig {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(normalizeActivations, "normalizeActivations");
        if (dIn <= 0 || dSae <= 0) throw new IllegalArgumentException("d_in and d_sae must be positive, got " + dIn + " and " + dSae);
        architectureFields = Map.copyOf(architectureFields);
    }

    /** A config as saelab writes it: float32, b_dec subtracted, no normalisation, no rescaling, SAELens 6 layout. */
    public static SaeLensConfig saelab(String architecture, int dIn, int dSae, Map<String, JsonNode> architectureFields,
                                       String hookName, String modelName, Integer contextSize, String datasetPath,
                                       Long trainingTokens) {
        return new SaeLensConfig(architecture, dIn, dSae, "float32", true, "none", false, hookName, modelName,
                contextSize, datasetPath, trainingTokens, SaeLensConfigJson.WRITTEN_VERSION, architectureFields);
    }

    /** True when SAELens 6 reads this file with its 6.x path (the version is 6.0.0-rc.0 or later). */
    public boolean v6Layout() {
        return saeLensVersion != null && SaeLensVersion.atLeast6(saeLensVersion);
    }
}
