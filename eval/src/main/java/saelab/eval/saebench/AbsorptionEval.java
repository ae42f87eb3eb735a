package saelab.eval.saebench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import saelab.eval.probe.FirstLetterAbsorption;

/**
 * SAEBench's absorption_first_letter file from saelab's {@link FirstLetterAbsorption.Result}.
 * Metric and detail names are the seed baseline's (mean_absorption_score, mean_num_split_features;
 * per letter absorption_rate, num_absorption, num_probe_true_positives, num_split_features), with
 * the names later SAEBench versions use for the same numbers beside them (mean_full_absorption_score,
 * mean_absorption_fraction_score, full_absorption_rate, num_full_absorption, mean_absorption_fraction).
 * The absorption rate is the full-absorption rate: absorbed words over the probe's true positives.
 * Only the letters saelab included (probe F1 above the bar) are listed, as SAEBench does.
 */
public final class AbsorptionEval {
    private AbsorptionEval() {}

    public static Path write(Path root, SaeIdentity sae, String model, FirstLetterAbsorption.Result r, FirstLetterAbsorption.Settings s) {
        return SaeBenchFile.write(root, sae, document(sae, model, r, s));
    }

    static ObjectNode document(SaeIdentity sae, String model, FirstLetterAbsorption.Result r, FirstLetterAbsorption.Settings s) {
        ObjectNode cfg = SaeBenchFile.JSON.createObjectNode();
        cfg.put("model_name", model);
        cfg.put("random_seed", r.seed());
        cfg.put("f1_jump_threshold", s.f1Jump());
        cfg.put("max_k_value", s.maxK());
        cfg.put("prompt_template", r.template().strip());
        cfg.putNull("prompt_token_pos"); // saelab reads the word's own token, not a fixed offset from the end
        cfg.put("llm_batch_size", s.batch());
        cfg.put("llm_dtype", "float32");
        cfg.put("k_sparse_probe_l1_decay", s.l1Decay());
        cfg.putNull("k_sparse_probe_batch_size"); // full-batch L-BFGS, not minibatches
        cfg.putNull("k_sparse_probe_num_epochs");

        ObjectNode metrics = SaeBenchFile.JSON.createObjectNode();
        ObjectNode mean = metrics.putObject("mean");
        SaeBenchFile.number(mean, "mean_absorption_score", r.meanAbsorptionRate());
        SaeBenchFile.number(mean, "mean_num_split_features", r.meanMainLatents());
        SaeBenchFile.number(mean, "mean_full_absorption_score", r.meanAbsorptionRate());
        SaeBenchFile.number(mean, "mean_absorption_fraction_score", r.meanAbsorptionFraction());

        ArrayNode details = SaeBenchFile.JSON.createArrayNode();
        for (FirstLetterAbsorption.LetterResult l : r.letters()) {
            if (!l.included()) continue;
            ObjectNode d = details.addObject();
            d.put("first_letter", String.valueOf(l.letter()));
            SaeBenchFile.number(d, "absorption_rate", l.absorptionRate());
            d.put("num_absorption", l.fullAbsorptions());
            d.put("num_probe_true_positives", l.probeTruePositives());
            d.put("num_split_features", l.mainLatents().length);
            SaeBenchFile.number(d, "mean_absorption_fraction", l.meanAbsorptionFraction());
            SaeBenchFile.number(d, "full_absorption_rate", l.absorptionRate());
            d.put("num_full_absorption", l.fullAbsorptions());
        }
        return SaeBenchFile.document(SaeBenchFile.ABSORPTION, cfg, metrics, details, sae);
    }
}
