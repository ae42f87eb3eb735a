package saelab.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static saelab.train.Props.qt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Fixtures are written by hand from SAELens 6.18 / 6.5 / 5.11 / 4.x / 2.x to_dict and save_inference_model. */
class SaeLensConfigJsonTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode fixture(String name) {
        try (InputStream in = SaeLensConfigJsonTest.class.getResourceAsStream("/saelens/" + name)) {
            if (in == null) throw new IllegalStateException("missing fixture " + name);
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static SaeLensConfig read(String name) {
        return SaeLensConfigJson.read(fixture(name), Path.of(name));
    }

    @Test
    void saeLens6TopKTakesHookAndModelFromMetadata() {
        SaeLensConfig c = read("v6-topk.json");
        assertEquals("topk", c.architecture());
        assertEquals(768, c.dIn());
        assertEquals(16384, c.dSae());
        assertEquals("blocks.8.hook_resid_post", c.hookName());
        assertEquals("gpt2", c.modelName());
        assertEquals(128, c.contextSize());
        assertEquals("apollo-research/Skylion007-openwebtext-tokenizer-gpt2", c.datasetPath());
        assertNull(c.trainingTokens(), "SAELens keeps training tokens in runner_cfg.json");
        assertTrue(c.rescaleActsByDecoderNorm());
        assertTrue(c.applyBDecToInput());
        assertEquals("6.18.0", c.saeLensVersion());
        assertTrue(c.v6Layout());
        assertEquals(Map.of("k", IntNode.valueOf(64)), c.architectureFields());
    }

    @Test
    void saeLens6TopKWithoutKTakesSaeLensDefault() {
        ObjectNode o = (ObjectNode) fixture("v6-topk.json");
        o.remove("k");
        assertEquals(IntNode.valueOf(100), SaeLensConfigJson.read(o, Path.of("c.json")).architectureFields().get("k"), "TopKSAEConfig.k = 100");
    }

    @Test
    void saeLens6StandardWithoutInputBias() {
        SaeLensConfig c = read("v6-standard.json");
        assertEquals("standard", c.architecture());
        assertFalse(c.applyBDecToInput());
        assertFalse(c.rescaleActsByDecoderNorm());
        assertEquals("blocks.12.hook_resid_post", c.hookName());
        assertEquals(1024, c.contextSize());
        assertTrue(c.architectureFields().isEmpty(), c.architectureFields().toString());
    }

    @Test
    void saeLens6BatchTopKIsSavedAsJumpReluWithNoFieldsOfItsOwn() {
        SaeLensConfig c = read("v6-jumprelu-from-batchtopk.json");
        assertEquals("jumprelu", c.architecture());
        assertEquals("blocks.0.hook_mlp_out", c.hookName());
        assertTrue(c.architectureFields().isEmpty(), c.architectureFields().toString());
    }

    @Test
    void trainingConfigKeepsItsArchitectureFields() {
        SaeLensConfig c = read("v6-matryoshka-training.json");
        assertEquals("matryoshka_batchtopk", c.architecture());
        assertTrue(c.rescaleActsByDecoderNorm());
        assertEquals(Set.of("decoder_init_norm", "k", "use_sparse_activations", "aux_loss_coefficient", "topk_threshold_lr", "matryoshka_widths"),
                c.architectureFields().keySet());
        assertEquals(List.of(128, 512, 4096), JSON.convertValue(c.architectureFields().get("matryoshka_widths"), List.class));
    }

    @Test
    void preSix5xTopKTakesKFromActivationKwargs() {
        SaeLensConfig c = read("pre6-5x-topk.json");
        assertEquals("topk", c.architecture());
        assertEquals(IntNode.valueOf(32), c.architectureFields().get("k"));
        assertEquals(Set.of("k"), c.architectureFields().keySet(), "hook_layer, neuronpedia_id, ... are not the architecture's");
        assertEquals("blocks.6.hook_resid_post", c.hookName());
        assertEquals("gpt2-small", c.modelName());
        assertNull(c.saeLensVersion());
        assertFalse(c.v6Layout());
    }

    @Test
    void preSix4xJumpReluWithNullNormalisation() {
        SaeLensConfig c = read("pre6-4x-jumprelu.json");
        assertEquals("jumprelu", c.architecture());
        assertEquals("none", c.normalizeActivations());
        assertFalse(c.applyBDecToInput());
        assertEquals("blocks.20.hook_resid_post", c.hookName());
        assertTrue(c.architectureFields().isEmpty(), c.architectureFields().toString());
    }

    @Test
    void preSixHookPointIsRenamedAndFalseNormalisationIsNone() {
        SaeLensConfig c = read("pre6-2x-hook-point.json");
        assertEquals("standard", c.architecture(), "no architecture key: SAELens defaults to standard");
        assertEquals("blocks.3.hook_resid_pre", c.hookName());
        assertEquals("torch.float32", c.dtype());
        assertEquals("none", c.normalizeActivations());
    }

    @Test
    void saelabFilesWithoutAVersionStillRead() {
        SaeLensConfig c = read("saelab-before-v6.json");
        assertEquals("topk", c.architecture());
        assertEquals(IntNode.valueOf(8), c.architectureFields().get("k"));
        assertEquals("blocks.4.hook_resid_post", c.hookName());
    }

    @Test
    void writeThenReadIsIdentity() {
        List<String> archs = List.of("topk", "standard", "jumprelu", "gated", "batchtopk");
        qt(20261204L, 60).forAll(integers().between(1, 4096), integers().between(1, 1 << 16), integers().between(0, 5 * 41 - 1),
                        longs().between(0, 1L << 40))
                .checkAssert((d, m, archAndLayer, tokens) -> {
                    String name = archs.get(archAndLayer / 41);
                    int layer = archAndLayer % 41;
                    Map<String, JsonNode> fields = name.contains("topk") ? Map.of("k", IntNode.valueOf(1 + m / 3)) : Map.of();
                    SaeLensConfig c = new SaeLensConfig(name, d, m, "float32", layer % 2 == 0, "none",
                            name.contains("topk") && layer % 3 == 0, "blocks." + layer + ".hook_resid_post", "gpt2",
                            layer == 0 ? null : 64 * layer, layer == 1 ? null : "some/dataset", layer == 2 ? null : tokens,
                            SaeLensConfigJson.WRITTEN_VERSION, fields);
                    ObjectNode json = SaeLensConfigJson.write(c, JSON.createObjectNode().put("lr", 1e-3));
                    assertEquals(c, SaeLensConfigJson.read(json, Path.of("w.json")));
                    assertEquals(1e-3, json.get("saelab").get("lr").doubleValue());
                });
    }

    @Test
    void writtenTopKHasExactlyTheKeysSaeLens6Reads() {
        SaeLensConfig c = SaeLensConfig.saelab("topk", 64, 256, Map.of("k", IntNode.valueOf(8)), "blocks.3.hook_resid_post",
                "pythia-70m", 128, "synthetic:small", 1_000_000L);
        ObjectNode o = SaeLensConfigJson.write(c, null);
        // TopKSAEConfig's dataclass fields plus architecture and metadata: filter_valid_dataclass_fields keeps them all
        assertEquals(new TreeSet<>(List.of("d_in", "d_sae", "dtype", "device", "apply_b_dec_to_input", "normalize_activations",
                "reshape_activations", "k", "rescale_acts_by_decoder_norm", "metadata", "architecture")), fieldNames(o));
        assertEquals("6.18.0", o.get("metadata").get("sae_lens_version").textValue(), "selects SAELens's 6.x path");
        assertEquals("blocks.3.hook_resid_post", o.get("metadata").get("hook_name").textValue());
        assertFalse(o.has("hook_name"), "6.x keeps the hook under metadata only");
        assertEquals(1_000_000L, o.get("metadata").get("training_tokens").longValue());
        assertFalse(o.get("rescale_acts_by_decoder_norm").booleanValue());
    }

    @Test
    void writtenStandardHasNoTopKKeys() {
        ObjectNode o = SaeLensConfigJson.write(SaeLensConfig.saelab("standard", 8, 32, Map.of(), "h", "m", null, null, null), null);
        assertFalse(o.has("k"));
        assertFalse(o.has("rescale_acts_by_decoder_norm"), "StandardSAEConfig has no such field");
        assertEquals("standard", o.get("architecture").textValue());
    }

    static TreeSet<String> fieldNames(JsonNode o) {
        TreeSet<String> s = new TreeSet<>();
        o.fieldNames().forEachRemaining(s::add);
        return s;
    }
}
