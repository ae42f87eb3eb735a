package saelab.eval.saebench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Map;
import saelab.eval.experiment.Snapshot;
import saelab.eval.experiment.SpliceMetric;

/**
 * SAEBench's core eval file from saelab's final metrics of one SAE (the keys of {@link Snapshot}
 * and {@link SpliceMetric}): the seed's metric groups and names (model behaviour and performance
 * preservation, reconstruction quality, shrinkage, sparsity, token statistics) and SAEBench's
 * misc_metrics. KL and CE are null without a model (synthetic data); the l2 norms, the 1% and
 * normalised frequencies and the max-cosine statistics are not computed by saelab: null.
 */
public final class CoreEval {
    private CoreEval() {}

    /**
     * @param model           the model's name or the synthetic source
     * @param dataset         the held-out data (data file or source spec)
     * @param context         tokens per sequence (null on synthetic data)
     * @param reconstructionTokens tokens the KL/CE splice scores ran on (0 when they did not run)
     * @param sparsityTokens  rows the reconstruction and sparsity metrics were measured on
     */
    public record Setup(String model, String dataset, Integer context, long reconstructionTokens, long sparsityTokens) {}

    public static Path write(Path root, SaeIdentity sae, Map<String, Double> m, Setup setup) {
        return SaeBenchFile.write(root, sae, document(sae, m, setup));
    }

    static ObjectNode document(SaeIdentity sae, Map<String, Double> m, Setup s) {
        boolean spliced = m.containsKey(SpliceMetric.KL_SCORE);
        ObjectNode cfg = SaeBenchFile.JSON.createObjectNode();
        cfg.put("model_name", s.model());
        cfg.put("llm_dtype", "float32");
        cfg.putNull("batch_size_prompts");
        cfg.putNull("n_eval_reconstruction_batches");
        cfg.putNull("n_eval_sparsity_variance_batches");
        cfg.put("dataset", s.dataset());
        if (s.context() == null) cfg.putNull("context_size");
        else cfg.put("context_size", s.context());
        cfg.put("compute_kl", spliced);
        cfg.put("compute_ce_loss", spliced);
        cfg.put("compute_l2_norms", false);
        cfg.put("compute_sparsity_metrics", true);
        cfg.put("compute_variance_metrics", true);
        cfg.put("compute_featurewise_density_statistics", false);
        cfg.put("compute_featurewise_weight_based_metrics", false);
        cfg.put("exclude_special_tokens_from_reconstruction", true);
        cfg.put("verbose", false);

        ObjectNode metrics = SaeBenchFile.JSON.createObjectNode();
        ObjectNode behaviour = metrics.putObject("model_behavior_preservation");
        SaeBenchFile.number(behaviour, "kl_div_score", m.get(SpliceMetric.KL_SCORE));
        SaeBenchFile.number(behaviour, "kl_div_with_ablation", m.get(SpliceMetric.KL_ABLATION));
        SaeBenchFile.number(behaviour, "kl_div_with_sae", m.get(SpliceMetric.KL_SAE));
        ObjectNode performance = metrics.putObject("model_performance_preservation");
        SaeBenchFile.number(performance, "ce_loss_score", m.get(SpliceMetric.CE_SCORE));
        SaeBenchFile.number(performance, "ce_loss_with_ablation", m.get(SpliceMetric.CE_ABLATION));
        SaeBenchFile.number(performance, "ce_loss_with_sae", m.get(SpliceMetric.CE_SAE));
        SaeBenchFile.number(performance, "ce_loss_without_sae", m.get(SpliceMetric.CE_CLEAN));
        ObjectNode reconstruction = metrics.putObject("reconstruction_quality");
        SaeBenchFile.number(reconstruction, "explained_variance", m.get(Snapshot.EV));
        SaeBenchFile.number(reconstruction, "explained_variance_legacy", m.get(Snapshot.EV_LEGACY));
        SaeBenchFile.number(reconstruction, "mse", m.get(Snapshot.MSE));
        SaeBenchFile.number(reconstruction, "cossim", m.get(Snapshot.COSINE));
        ObjectNode shrinkage = metrics.putObject("shrinkage");
        shrinkage.putNull("l2_norm_in");
        shrinkage.putNull("l2_norm_out");
        SaeBenchFile.number(shrinkage, "l2_ratio", m.get(Snapshot.L2_RATIO));
        SaeBenchFile.number(shrinkage, "relative_reconstruction_bias", m.get(Snapshot.REL_BIAS));
        ObjectNode sparsity = metrics.putObject("sparsity");
        SaeBenchFile.number(sparsity, "l0", m.get(Snapshot.L0));
        SaeBenchFile.number(sparsity, "l1", m.get(Snapshot.L1));
        ObjectNode tokens = metrics.putObject("token_stats");
        tokens.put("total_tokens_eval_reconstruction", s.reconstructionTokens());
        tokens.put("total_tokens_eval_sparsity_variance", s.sparsityTokens());
        ObjectNode misc = metrics.putObject("misc_metrics");
        int latents = sae.cfgDict().path("d_sae").asInt();
        misc.putNull("freq_over_1_percent");
        // SAEBench's frequencies are fractions of the latents: saelab counts dense (> 10% of rows) and active (fired at least once) latents.
        SaeBenchFile.number(misc, "freq_over_10_percent", m.containsKey(Snapshot.DENSE) && latents > 0 ? m.get(Snapshot.DENSE) / latents : null);
        misc.putNull("normalized_freq_over_1_percent");
        misc.putNull("normalized_freq_over_10_percent");
        misc.putNull("average_max_encoder_cosine_sim");
        misc.putNull("average_max_decoder_cosine_sim");
        SaeBenchFile.number(misc, "frac_alive", m.containsKey(Snapshot.ACTIVE) && latents > 0 ? m.get(Snapshot.ACTIVE) / latents : null);
        return SaeBenchFile.document(SaeBenchFile.CORE, cfg, metrics, SaeBenchFile.JSON.createArrayNode(), sae);
    }
}
