package saelab.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * SAELens's cfg.json, read in both of its layouts and written in the 6.x one. Read from SAELens 6.18.0
 * ({@code sae_lens/saes/sae.py} SAEConfig/SAEMetadata, {@code topk_sae.py}, {@code jumprelu_sae.py},
 * {@code batchtopk_sae.py}, {@code matryoshka_batchtopk_sae.py}, {@code gated_sae.py},
 * {@code loading/pretrained_sae_loaders.py}, {@code llm_sae_training_runner.py}) and 5.11.0 ({@code sae.py}).
 *
 * <p><b>Which layout.</b> {@code handle_config_defaulting} takes {@code sae_lens_version} from the top
 * level, else from {@code metadata}; absent or below 6.0.0-rc.0 the file goes through
 * {@code handle_pre_6_0_config} (the pre-6 layout), else through the 6.x path.
 *
 * <p><b>6.x layout</b> (what {@code save_inference_model} writes at the end of training; {@code to_dict}):
 * <pre>
 * top level, every architecture: d_in, d_sae, dtype ("float32"; DTYPE_MAP also takes float64, float16,
 *     bfloat16 and "torch."-prefixed names), device, apply_b_dec_to_input (true), normalize_activations
 *     ("none" | "expected_average_only_in" | "constant_norm_rescale" | "layer_norm"),
 *     reshape_activations ("none" | "hook_z"), architecture, metadata
 * topk:      + k (int), rescale_acts_by_decoder_norm (bool; inference default false, training default
 *              true — training folds the norms into the weights before saving, so W_dec rows are unit)
 * standard, jumprelu, gated: no fields of their own
 * batchtopk, matryoshka_batchtopk: training-only names; save_inference_model writes them as "jumprelu"
 *     with a per-latent threshold (a TrainingSAE's own save_model writes k (float), topk_threshold_lr,
 *     rescale_acts_by_decoder_norm, aux_loss_coefficient, decoder_init_norm, matryoshka_widths, ...)
 * metadata (SAEMetadata, free-form; the runner sets): sae_lens_version, sae_lens_training_version,
 *     model_name, model_class_name, hook_name, hook_head_index, context_size, seqpos_slice,
 *     model_from_pretrained_kwargs, prepend_bos, exclude_special_tokens, sequence_separator_token,
 *     disable_concat_sequences, dataset_path (training_tokens lives in runner_cfg.json, not here)
 * tensors: W_enc [d_in, d_sae], b_enc [d_sae], W_dec [d_sae, d_in], b_dec [d_in];
 *     jumprelu + threshold [d_sae]; gated: b_gate, r_mag, b_mag [d_sae] instead of b_enc
 * </pre>
 * SAELens 6 keeps only its config dataclass's fields from the top level ({@code filter_valid_dataclass_fields})
 * and any key under metadata, so saelab's own "saelab" key and metadata.training_tokens are ignored by it.
 *
 * <p><b>Pre-6 layout</b> (5.x {@code SAEConfig.to_dict}, 4.x alike): everything at the top level —
 * architecture, d_in, d_sae, dtype, device, model_name, hook_name, hook_layer, hook_head_index,
 * activation_fn_str (5.x; "relu", "tanh-relu", "topk"), activation_fn_kwargs ({"k": ...} for topk),
 * apply_b_dec_to_input, finetuning_scaling_factor (bool; a scaling_factor tensor multiplies the latents
 * before decoding), sae_lens_training_version, prepend_bos, dataset_path, dataset_trust_remote_code,
 * context_size, normalize_activations (a bool in old files: true = expected_average_only_in),
 * neuronpedia_id, model_from_pretrained_kwargs, seqpos_slice. Older files say hook_point,
 * hook_point_head_index. SAELens 6 renames those, defaults architecture to "standard", turns
 * activation_fn "topk" with activation_fn_kwargs.k into architecture "topk" with k, and sets
 * reshape_activations "hook_z" when the hook name contains "hook_z".
 *
 * <p><b>What saelab refuses</b> (each changes what the encoder or decoder computes and saelab does
 * not implement it): normalize_activations other than "none", reshape_activations other than "none",
 * a non-null hook_head_index, finetuning_scaling_factor true, an activation_fn other than relu or topk,
 * and rescale_acts_by_decoder_norm true on an architecture whose SAELens config has no such field.
 * apply_b_dec_to_input false and rescale_acts_by_decoder_norm true (TopK family) are honoured by
 * folding them into the weights ({@link SaeLensFolds}).
 */
public final class SaeLensConfigJson {
    private SaeLensConfigJson() {}

    /** The SAELens version whose cfg.json layout {@link #write} produces. */
    public static final String WRITTEN_VERSION = "6.18.0";

    /** TopKSAEConfig.k's default in SAELens 6. */
    static final int SAELENS_TOPK_DEFAULT_K = 100;

    /** Architectures whose SAELens config has rescale_acts_by_decoder_norm (the TopK family). */
    static final Set<String> RESCALING_ARCHITECTURES = Set.of("topk", "batchtopk", "matryoshka_batchtopk");

    /** SAELens's LLM_METADATA_KEYS: top-level keys of a pre-6 file that SAELens 6 moves under metadata. */
    private static final Set<String> METADATA_KEYS = Set.of("model_name", "hook_name", "model_class_name",
            "hook_head_index", "model_from_pretrained_kwargs", "prepend_bos", "exclude_special_tokens",
            "neuronpedia_id", "context_size", "seqpos_slice", "dataset_path", "sae_lens_version",
            "sae_lens_training_version", "hook_name_out", "hook_head_index_out", "training_tokens");

    /** Top-level keys read here, or known to describe training only; the rest belongs to the architecture. */
    private static final Set<String> NOT_ARCHITECTURE = Set.of("architecture", "d_in", "d_sae", "dtype", "device",
            "apply_b_dec_to_input", "normalize_activations", "reshape_activations", "rescale_acts_by_decoder_norm",
            "metadata", "saelab", "activation_fn", "activation_fn_kwargs", "finetuning_scaling_factor",
            "hook_layer", "hook_point_layer", "dataset_trust_remote_code", "training_steps", "hook_point",
            "hook_point_head_index", "activation_fn_str");

    private static final Set<String> DTYPES = Set.of("float32", "float64", "float16", "bfloat16",
            "torch.float32", "torch.float64", "torch.float16", "torch.bfloat16");

    /** Reads {@code root} (the contents of {@code file}, named in every error). */
    public static SaeLensConfig read(JsonNode root, Path file) {
        Fields f = new Fields(file);
        if (root == null || !root.isObject()) throw f.error("cfg.json must be a JSON object");
        JsonNode meta = root.path("metadata");
        if (!meta.isMissingNode() && !meta.isNull() && !meta.isObject()) throw f.error("'metadata' must be an object, got " + meta);
        String version = f.string(root, "sae_lens_version");
        if (version == null && meta.isObject()) version = f.string(meta, "sae_lens_version");
        boolean v6;
        try {
            v6 = version != null && SaeLensVersion.atLeast6(version);
        } catch (IllegalArgumentException e) {
            throw f.error("sae_lens_version " + e.getMessage());
        }
        ObjectNode top = v6 ? root.deepCopy() : renamedPre6((ObjectNode) root, f);

        String hookName = f.metadataString(top, meta, "hook_name");
        String architecture = v6 ? f.requiredString(top, "architecture") : preSixArchitecture(top, f);
        int dIn = f.positiveInt(top, "d_in"), dSae = f.positiveInt(top, "d_sae");

        String dtype = f.stringOr(top, "dtype", "float32");
        if (!DTYPES.contains(dtype)) throw f.error("dtype '" + dtype + "' is not one SAELens knows (float32, float64, float16, bfloat16)");
        boolean applyBDec = f.bool(top, "apply_b_dec_to_input", true);
        String normalize = normalizeActivations(top, v6, f);
        if (!normalize.equals("none")) {
            String why = normalize.equals("expected_average_only_in")
                    ? "the norm scaling factor it needs is not in the checkpoint; fold it into W_enc, W_dec and b_dec first"
                    : "saelab does not rescale inputs at run time";
            throw f.error("normalize_activations is '" + normalize + "'; saelab supports only 'none' (" + why + ")");
        }
        String reshape = top.has("reshape_activations") ? f.requiredString(top, "reshape_activations")
                : (!v6 && hookName != null && hookName.contains("hook_z") ? "hook_z" : "none");
        if (!reshape.equals("none")) {
            throw f.error("reshape_activations is '" + reshape + "' (hook " + hookName + "); saelab supports only 'none' (residual-stream SAEs)");
        }
        JsonNode head = f.metadataNode(top, meta, "hook_head_index");
        if (head != null && !head.isNull()) throw f.error("hook_head_index is " + head + "; saelab supports only null (SAEs on a whole hook, not one attention head)");
        if (f.bool(top, "finetuning_scaling_factor", false)) {
            throw f.error("finetuning_scaling_factor is true; saelab supports only false (it decodes with W_dec alone, without a latent scale)");
        }
        checkActivationFn(top, architecture, v6, f);
        boolean rescale = f.bool(top, "rescale_acts_by_decoder_norm", false);
        if (rescale && !RESCALING_ARCHITECTURES.contains(architecture)) {
            throw f.error("rescale_acts_by_decoder_norm is true but architecture '" + architecture
                    + "' has no such setting in SAELens (only " + String.join(", ", RESCALING_ARCHITECTURES.stream().sorted().toList()) + ")");
        }

        Map<String, JsonNode> archFields = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = top.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!NOT_ARCHITECTURE.contains(e.getKey()) && !METADATA_KEYS.contains(e.getKey())) archFields.put(e.getKey(), e.getValue());
        }
        // TopKSAEConfig's default, which SAELens 6 uses for a topk file without k
        if (v6 && architecture.equals("topk") && !archFields.containsKey("k")) archFields.put("k", JsonNodeFactory.instance.numberNode(SAELENS_TOPK_DEFAULT_K));
        JsonNode context = f.metadataNode(top, meta, "context_size");
        JsonNode tokens = f.metadataNode(top, meta, "training_tokens");
        return new SaeLensConfig(architecture, dIn, dSae, dtype, applyBDec, normalize, rescale, hookName,
                f.metadataString(top, meta, "model_name"),
                context == null || context.isNull() ? null : (int) f.integer(context, "context_size", 1, Integer.MAX_VALUE),
                f.metadataString(top, meta, "dataset_path"),
                tokens == null || tokens.isNull() ? null : f.integer(tokens, "training_tokens", 0, Long.MAX_VALUE),
                version, archFields);
    }

    /**
     * SAELens 6's 6.x cfg.json for {@code c}, with saelab's training config (or null) under "saelab".
     * metadata.sae_lens_version is always {@link #WRITTEN_VERSION}, so SAELens reads the file with its 6.x path.
     */
    public static ObjectNode write(SaeLensConfig c, JsonNode saelabTraining) {
        for (String k : c.architectureFields().keySet()) {
            if (NOT_ARCHITECTURE.contains(k) || METADATA_KEYS.contains(k)) throw new IllegalArgumentException("architecture field '" + k + "' would overwrite a common cfg.json key");
        }
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("d_in", c.dIn());
        o.put("d_sae", c.dSae());
        o.put("dtype", c.dtype());
        o.put("device", "cpu");
        o.put("apply_b_dec_to_input", c.applyBDecToInput());
        o.put("normalize_activations", c.normalizeActivations());
        o.put("reshape_activations", "none");
        o.setAll(c.architectureFields());
        if (RESCALING_ARCHITECTURES.contains(c.architecture())) o.put("rescale_acts_by_decoder_norm", c.rescaleActsByDecoderNorm());
        else if (c.rescaleActsByDecoderNorm()) throw new IllegalArgumentException("architecture '" + c.architecture() + "' cannot rescale by decoder norms in SAELens");
        ObjectNode m = o.putObject("metadata");
        m.put("sae_lens_version", WRITTEN_VERSION); // the layout written here, whatever the source file had
        m.putNull("sae_lens_training_version"); // not trained by SAELens
        m.put("model_name", c.modelName());
        m.put("hook_name", c.hookName());
        m.putNull("hook_head_index");
        if (c.contextSize() == null) m.putNull("context_size"); else m.put("context_size", c.contextSize());
        m.put("dataset_path", c.datasetPath());
        m.put("prepend_bos", true);
        if (c.trainingTokens() == null) m.putNull("training_tokens"); else m.put("training_tokens", c.trainingTokens());
        o.put("architecture", c.architecture());
        if (saelabTraining != null) o.set("saelab", saelabTraining);
        return o;
    }

    /** handle_pre_6_0_config's renames (hook_point → hook_name, ...); the file's own keys win over renamed ones. */
    private static ObjectNode renamedPre6(ObjectNode root, Fields f) {
        ObjectNode top = root.deepCopy();
        Map<String, String> renames = Map.of("hook_point", "hook_name", "hook_point_head_index", "hook_head_index", "activation_fn_str", "activation_fn");
        for (Map.Entry<String, String> r : renames.entrySet()) {
            if (!top.has(r.getKey())) continue;
            if (top.has(r.getValue()) && !top.get(r.getValue()).equals(top.get(r.getKey()))) {
                throw f.error("'" + r.getKey() + "' (" + top.get(r.getKey()) + ") and '" + r.getValue() + "' (" + top.get(r.getValue()) + ") disagree");
            }
            top.set(r.getValue(), top.get(r.getKey()));
        }
        return top;
    }

    /** Pre-6: architecture defaults to standard; activation_fn "topk" with activation_fn_kwargs.k makes it topk with that k. */
    private static String preSixArchitecture(ObjectNode top, Fields f) {
        String arch = f.stringOr(top, "architecture", "standard");
        if ("topk".equals(f.string(top, "activation_fn"))) {
            JsonNode kwK = top.path("activation_fn_kwargs").path("k");
            if (kwK.isMissingNode() || kwK.isNull()) {
                if (!arch.equals("topk")) throw f.error("activation_fn is 'topk' without activation_fn_kwargs.k (architecture '" + arch + "')");
            } else {
                long k = f.integer(kwK, "activation_fn_kwargs.k", 1, Integer.MAX_VALUE);
                if (top.has("k") && f.integer(top.get("k"), "k", 1, Integer.MAX_VALUE) != k) {
                    throw f.error("k (" + top.get("k") + ") and activation_fn_kwargs.k (" + k + ") disagree");
                }
                top.put("k", (int) k);
                arch = "topk";
            }
        }
        return arch;
    }

    private static String normalizeActivations(ObjectNode top, boolean v6, Fields f) {
        JsonNode n = top.get("normalize_activations");
        if (n == null || (n.isNull() && !v6)) return "none";
        if (n.isBoolean() && !v6) return n.booleanValue() ? "expected_average_only_in" : "none"; // SAELens's reading of old files
        if (!n.isTextual()) throw f.error("normalize_activations must be a string, got " + n);
        return n.textValue();
    }

    /** activation_fn: relu, or topk on a TopK-family architecture; a pre-6 "tanh-relu" or the like would be ignored by SAELens 6. */
    private static void checkActivationFn(ObjectNode top, String architecture, boolean v6, Fields f) {
        String fn = f.string(top, "activation_fn");
        if (fn == null || fn.equals("relu") && !RESCALING_ARCHITECTURES.contains(architecture)) return;
        if (fn.equals("topk") && RESCALING_ARCHITECTURES.contains(architecture)) return;
        throw f.error("activation_fn is '" + fn + "' with architecture '" + architecture
                + "'; saelab supports relu (standard, jumprelu, gated) and topk (topk" + (v6 ? "" : " with activation_fn_kwargs.k") + ")");
    }

    /** Strict typed access to cfg.json values; each error is one line naming the file and key. */
    private record Fields(Path file) {
        IllegalArgumentException error(String what) {
            return new IllegalArgumentException(file + ": " + what);
        }

        String string(JsonNode o, String key) {
            JsonNode n = o.get(key);
            if (n == null || n.isNull()) return null;
            if (!n.isTextual()) throw error(key + " must be a string, got " + n);
            return n.textValue();
        }

        String stringOr(JsonNode o, String key, String dflt) {
            String s = string(o, key);
            return s == null ? dflt : s;
        }

        String requiredString(JsonNode o, String key) {
            String s = string(o, key);
            if (s == null) throw error("no '" + key + "' (expected a string)");
            return s;
        }

        boolean bool(JsonNode o, String key, boolean dflt) {
            JsonNode n = o.get(key);
            if (n == null || n.isNull()) return dflt;
            if (!n.isBoolean()) throw error(key + " must be true or false, got " + n);
            return n.booleanValue();
        }

        int positiveInt(JsonNode o, String key) {
            JsonNode n = o.get(key);
            if (n == null || n.isNull()) throw error("no '" + key + "' (expected a positive integer)");
            return (int) integer(n, key, 1, Integer.MAX_VALUE);
        }

        long integer(JsonNode n, String key, long min, long max) {
            if (!n.isIntegralNumber() || !n.canConvertToLong()) throw error(key + " must be an integer, got " + n);
            long v = n.longValue();
            if (v < min || v > max) throw error(key + " must be in [" + min + ", " + max + "], got " + v);
            return v;
        }

        /** metadata.key, else the top-level key (pre-6 files; saelab's own pre-6 files); both present must agree. */
        JsonNode metadataNode(JsonNode top, JsonNode meta, String key) {
            JsonNode inMeta = meta.isObject() ? meta.get(key) : null;
            JsonNode atTop = top.get(key);
            if (inMeta != null && atTop != null && !inMeta.equals(atTop)) {
                throw error("metadata." + key + " (" + inMeta + ") and top-level " + key + " (" + atTop + ") disagree");
            }
            return inMeta != null ? inMeta : atTop;
        }

        String metadataString(JsonNode top, JsonNode meta, String key) {
            JsonNode n = metadataNode(top, meta, key);
            if (n == null || n.isNull()) return null;
            if (!n.isTextual()) throw error(key + " must be a string, got " + n);
            return n.textValue();
        }
    }
}
