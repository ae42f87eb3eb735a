package saelab.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Every cfg.json setting that changes the encoding and that saelab does not implement is refused in one line naming it. */
class SaeLensConfigRefusalTest {

    /** The fixture {@code name} with {@code edit} applied, read; the error message, which must name the file. */
    static String refusal(String name, Consumer<ObjectNode> edit) {
        ObjectNode o = (ObjectNode) SaeLensConfigJsonTest.fixture(name);
        SaeLensConfigJson.read(o.deepCopy(), Path.of(name)); // the unedited fixture reads
        edit.accept(o);
        String msg = assertThrows(IllegalArgumentException.class, () -> SaeLensConfigJson.read(o, Path.of(name))).getMessage();
        assertTrue(msg.startsWith(name + ": "), msg);
        assertFalse(msg.contains("\n"), "one line: " + msg);
        assertFalse(msg.contains("Exception"), msg);
        return msg;
    }

    static void assertMentions(String msg, String... parts) {
        for (String p : parts) assertTrue(msg.contains(p), "'" + p + "' in: " + msg);
    }

    static ObjectNode meta(ObjectNode o) {
        return (ObjectNode) o.get("metadata");
    }

    @Test
    void normalizeActivationsOtherThanNone() {
        for (String mode : new String[] {"expected_average_only_in", "constant_norm_rescale", "layer_norm"}) {
            assertMentions(refusal("v6-topk.json", o -> o.put("normalize_activations", mode)), "normalize_activations", mode, "only 'none'");
        }
        // a pre-6 boolean true is SAELens's old spelling of expected_average_only_in
        assertMentions(refusal("pre6-2x-hook-point.json", o -> o.put("normalize_activations", true)), "expected_average_only_in");
        assertMentions(refusal("v6-topk.json", o -> o.put("normalize_activations", false)), "normalize_activations must be a string");
    }

    @Test
    void reshapeActivationsHookZ() {
        assertMentions(refusal("v6-standard.json", o -> o.put("reshape_activations", "hook_z")), "reshape_activations", "hook_z", "only 'none'");
        // pre-6: SAELens derives hook_z reshaping from the hook name
        assertMentions(refusal("pre6-5x-topk.json", o -> o.put("hook_name", "blocks.6.attn.hook_z")), "reshape_activations", "hook_z");
    }

    @Test
    void hookHeadIndex() {
        assertMentions(refusal("v6-topk.json", o -> meta(o).put("hook_head_index", 3)), "hook_head_index is 3", "only null");
        assertMentions(refusal("pre6-2x-hook-point.json", o -> o.put("hook_point_head_index", 5)), "hook_head_index is 5");
    }

    @Test
    void finetuningScalingFactor() {
        assertMentions(refusal("pre6-5x-topk.json", o -> o.put("finetuning_scaling_factor", true)), "finetuning_scaling_factor is true", "only false");
    }

    @Test
    void activationFunctionsOtherThanReluAndTopK() {
        assertMentions(refusal("pre6-4x-jumprelu.json", o -> o.put("activation_fn_str", "tanh-relu")), "activation_fn is 'tanh-relu'", "relu");
        assertMentions(refusal("pre6-4x-jumprelu.json", o -> o.put("activation_fn_str", "topk")), "activation_fn is 'topk' without activation_fn_kwargs.k");
        assertMentions(refusal("pre6-5x-topk.json", o -> o.put("k", 31)), "k (31) and activation_fn_kwargs.k (32) disagree");
    }

    @Test
    void rescaleOnAnArchitectureWithoutIt() {
        assertMentions(refusal("v6-standard.json", o -> o.put("rescale_acts_by_decoder_norm", true)),
                "rescale_acts_by_decoder_norm is true", "'standard'", "topk");
        assertMentions(refusal("v6-jumprelu-from-batchtopk.json", o -> o.put("rescale_acts_by_decoder_norm", true)), "'jumprelu'");
    }

    @Test
    void numbersAndBooleansAreParsedStrictly() {
        assertMentions(refusal("v6-topk.json", o -> o.put("d_in", true)), "d_in must be an integer, got true");
        assertMentions(refusal("v6-topk.json", o -> o.put("d_in", 768.0)), "d_in must be an integer, got 768.0");
        assertMentions(refusal("v6-topk.json", o -> o.put("d_sae", "16384")), "d_sae must be an integer");
        assertMentions(refusal("v6-topk.json", o -> o.put("d_sae", 0)), "d_sae must be in [1,");
        assertMentions(refusal("v6-topk.json", o -> o.remove("d_in")), "no 'd_in'");
        assertMentions(refusal("v6-topk.json", o -> o.put("apply_b_dec_to_input", 1)), "apply_b_dec_to_input must be true or false, got 1");
        assertMentions(refusal("v6-topk.json", o -> o.put("rescale_acts_by_decoder_norm", "true")), "rescale_acts_by_decoder_norm must be true or false");
        assertMentions(refusal("v6-topk.json", o -> meta(o).put("context_size", 128.5)), "context_size must be an integer");
        assertMentions(refusal("v6-topk.json", o -> meta(o).put("hook_name", 8)), "hook_name must be a string");
        assertMentions(refusal("v6-topk.json", o -> o.put("dtype", "int8")), "dtype 'int8'");
    }

    @Test
    void versionAndLayoutErrors() {
        assertMentions(refusal("v6-topk.json", o -> meta(o).put("sae_lens_version", "six")), "sae_lens_version", "'six' is not a version number");
        assertMentions(refusal("v6-topk.json", o -> o.remove("architecture")), "no 'architecture'");
        assertMentions(refusal("v6-topk.json", o -> o.put("hook_name", "blocks.9.hook_resid_post")),
                "metadata.hook_name (\"blocks.8.hook_resid_post\") and top-level hook_name (\"blocks.9.hook_resid_post\") disagree");
        assertMentions(refusal("pre6-2x-hook-point.json", o -> o.put("hook_name", "blocks.4.hook_resid_pre")), "'hook_point'", "'hook_name'", "disagree");
        assertMentions(refusal("v6-topk.json", o -> o.put("metadata", 3)), "'metadata' must be an object");
    }

    @Test
    void versionDecidesTheLayoutAsPep440Does() {
        // in v6 the pre-6 default "architecture: standard" does not apply, so a missing architecture is an error only there
        ObjectNode pre = (ObjectNode) SaeLensConfigJsonTest.fixture("pre6-2x-hook-point.json");
        for (String v : new String[] {"5.11.0", "6.0.0b1", "6.0.0.dev3", "6.0.0rc0.dev1", "0.1"}) {
            pre.put("sae_lens_version", v);
            assertEquals("standard", SaeLensConfigJson.read(pre, Path.of("c.json")).architecture(), v);
        }
        for (String v : new String[] {"6.0.0-rc.0", "6.0.0rc0", "6.0.0", "6", "6.18.0", "7.0.0a1", "10.0", "6.0.0.post1"}) {
            pre.put("sae_lens_version", v);
            assertThrows(IllegalArgumentException.class, () -> SaeLensConfigJson.read(pre, Path.of("c.json")), v);
            assertTrue(SaeLensVersion.atLeast6(v), v);
        }
    }

    @Test
    void writerRefusesWhatSaeLensCannotRead() {
        SaeLensConfig rescaledStandard = new SaeLensConfig("standard", 4, 8, "float32", true, "none", true, "h", "m", null, null, null,
                SaeLensConfigJson.WRITTEN_VERSION, java.util.Map.of());
        assertMentions(assertThrows(IllegalArgumentException.class, () -> SaeLensConfigJson.write(rescaledStandard, null)).getMessage(), "'standard'");
        SaeLensConfig clash = SaeLensConfig.saelab("topk", 4, 8, java.util.Map.<String, JsonNode>of("d_in", com.fasterxml.jackson.databind.node.IntNode.valueOf(5)),
                "h", "m", null, null, null);
        assertMentions(assertThrows(IllegalArgumentException.class, () -> SaeLensConfigJson.write(clash, null)).getMessage(), "'d_in'");
    }
}
