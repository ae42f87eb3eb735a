package saelab.eval.saebench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import saelab.train.trainer.TrainConfig;

/**
 * Which SAE a result file is about: SAEBench's release and id (its file name and sae_lens_*_id
 * fields) and its sae_cfg_dict, the SAELens config fields SAEBench records.
 */
public record SaeIdentity(String release, String saeId, ObjectNode cfgDict) {
    private static final Pattern LAYER = Pattern.compile("blocks\\.(\\d+)\\.");

    /** From saelab's training config; {@code context} is the model's sequence length (null on synthetic data). */
    public static SaeIdentity of(String release, String saeId, TrainConfig cfg, Integer context) {
        ObjectNode d = SaeBenchFile.JSON.createObjectNode();
        String arch = cfg.architecture().name();
        fill(d, cfg.modelName(), cfg.dIn(), cfg.dSae(), cfg.hookName(), context, arch, activationFnStr(arch),
                cfg.source(), cfg.steps() * cfg.batch());
        return new SaeIdentity(release, saeId, d);
    }

    /** From an SAE folder's SAELens cfg.json (as saelab train writes it, or SAELens; absent architecture and activation are SAELens's defaults, standard and relu). */
    public static SaeIdentity ofCfgJson(String release, String saeId, JsonNode cfg) {
        ObjectNode d = SaeBenchFile.JSON.createObjectNode();
        Long tokens = cfg.has("training_tokens") ? cfg.get("training_tokens").asLong() : null;
        fill(d, cfg.path("model_name").asText(null), cfg.path("d_in").asInt(), cfg.path("d_sae").asInt(), cfg.path("hook_name").asText(null),
                cfg.has("context_size") ? cfg.get("context_size").asInt() : null, cfg.path("architecture").asText("standard"),
                cfg.path("activation_fn").asText(cfg.path("activation_fn_str").asText("relu")), cfg.path("dataset_path").asText(null), tokens);
        return new SaeIdentity(release, saeId, d);
    }

    /** SAELens 5's activation_fn_str, which SAEBench records: the standard SAE's is relu, the others are named as their architecture. */
    static String activationFnStr(String architecture) {
        return "standard".equals(architecture) ? "relu" : architecture;
    }

    private static void fill(ObjectNode d, String model, int dIn, int dSae, String hook, Integer context, String architecture,
                             String activation, String dataset, Long trainingTokens) {
        d.put("model_name", model);
        d.put("d_in", dIn);
        d.put("d_sae", dSae);
        Matcher m = hook == null ? null : LAYER.matcher(hook);
        if (m != null && m.find()) d.put("hook_layer", Integer.parseInt(m.group(1)));
        else d.putNull("hook_layer");
        d.put("hook_name", hook);
        if (context == null) d.putNull("context_size");
        else d.put("context_size", context);
        d.putNull("hook_head_index");
        d.put("architecture", architecture);
        d.put("apply_b_dec_to_input", true);
        d.putNull("finetuning_scaling_factor");
        d.put("activation_fn_str", activation);
        d.put("prepend_bos", true);
        d.put("normalize_activations", "none");
        d.put("dtype", "float32");
        d.put("device", "cpu");
        d.put("dataset_path", dataset == null ? "" : dataset);
        d.put("dataset_trust_remote_code", false); // nothing is downloaded
        d.putArray("seqpos_slice").addNull();
        if (trainingTokens == null) d.putNull("training_tokens");
        else d.put("training_tokens", trainingTokens);
        d.putNull("sae_lens_training_version");
        d.putNull("neuronpedia_id");
    }
}
