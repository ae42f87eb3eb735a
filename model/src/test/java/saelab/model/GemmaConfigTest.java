package saelab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GemmaConfigTest {
    @TempDir Path dir;

    /** google/gemma-2-2b's config.json as published. */
    static final String GEMMA_2_2B = """
            {
              "architectures": ["Gemma2ForCausalLM"],
              "attention_bias": false,
              "attention_dropout": 0.0,
              "attn_logit_softcapping": 50.0,
              "bos_token_id": 2,
              "cache_implementation": "hybrid",
              "eos_token_id": 1,
              "final_logit_softcapping": 30.0,
              "head_dim": 256,
              "hidden_act": "gelu_pytorch_tanh",
              "hidden_activation": "gelu_pytorch_tanh",
              "hidden_size": 2304,
              "initializer_range": 0.02,
              "intermediate_size": 9216,
              "max_position_embeddings": 8192,
              "model_type": "gemma2",
              "num_attention_heads": 8,
              "num_hidden_layers": 26,
              "num_key_value_heads": 4,
              "pad_token_id": 0,
              "query_pre_attn_scalar": 256,
              "rms_norm_eps": 1e-06,
              "rope_theta": 10000.0,
              "sliding_window": 4096,
              "torch_dtype": "float32",
              "transformers_version": "4.42.4",
              "use_cache": true,
              "vocab_size": 256000
            }
            """;

    private Path config(String json) throws IOException {
        return Files.writeString(dir.resolve(GemmaConfig.FILE_NAME), json);
    }

    @Test
    void readsThePublishedGemma2Config() throws IOException {
        config(GEMMA_2_2B);
        GemmaConfig c = GemmaConfig.read(dir);
        assertEquals(GemmaConfig.gemma2_2b(), c);
        assertEquals(2, c.queriesPerKeyValueHead());
    }

    @Test
    void writeThenReadIsIdentity() {
        for (GemmaConfig c : List.of(GemmaConfig.tiny(), GemmaConfig.gemma2_2b(),
                new GemmaConfig(7, 6, 5, 1, 6, 3, 2, 2.5, 1e-5, 500.0, null, null, 3, 16, "gelu", false, 4,
                        List.of(1, 107), null, null))) {
            Path file = c.write(dir);
            assertEquals(c, GemmaConfig.read(file));
        }
    }

    @Test
    void softcapsMayBeNullOrAbsent() throws IOException {
        config(GEMMA_2_2B.replace("\"attn_logit_softcapping\": 50.0,", "\"attn_logit_softcapping\": null,")
                .replace("\"final_logit_softcapping\": 30.0,", ""));
        GemmaConfig c = GemmaConfig.read(dir);
        assertNull(c.attnLogitSoftcapping());
        assertNull(c.finalLogitSoftcapping());
    }

    @Test
    void hiddenActOnlyAndDtypeSpelledTheNewWay() throws IOException {
        config(GEMMA_2_2B.replace("\"hidden_activation\": \"gelu_pytorch_tanh\",", "")
                .replace("\"torch_dtype\"", "\"dtype\"").replace("\"eos_token_id\": 1", "\"eos_token_id\": [1, 107]"));
        GemmaConfig c = GemmaConfig.read(dir);
        assertEquals("gelu_pytorch_tanh", c.hiddenActivation());
        assertEquals("float32", c.torchDtype());
        assertEquals(List.of(1, 107), c.eosTokenIds());
    }

    @Test
    void ropeThetaInTransformers5Layout() throws IOException {
        String v5 = GEMMA_2_2B.replace("\"rope_theta\": 10000.0,",
                "\"rope_parameters\": {\"rope_theta\": 12345.5, \"rope_type\": \"default\"},");
        assertTrue(!v5.contains("\"rope_theta\": 10000.0"), "the 4.x key is gone");
        config(v5);
        assertEquals(12345.5, GemmaConfig.read(dir).ropeTheta());
        config(v5.replace(", \"rope_type\": \"default\"", ""));
        assertEquals(12345.5, GemmaConfig.read(dir).ropeTheta());
        // Both layouts at once (as a 4.x file touched by 5.x might be) must agree.
        config(v5.replace("\"rope_parameters\"", "\"rope_theta\": 12345.5, \"rope_parameters\""));
        assertEquals(12345.5, GemmaConfig.read(dir).ropeTheta());
        assertRejected(v5.replace("\"rope_parameters\"", "\"rope_theta\": 10000, \"rope_parameters\""),
                "'rope_theta' is 10000", "same number as rope_parameters.rope_theta (12345.5)");
        assertRejected(v5.replace("\"default\"", "\"linear\""), "'rope_parameters.rope_type' is \"linear\"", "\"default\"");
        assertRejected(v5.replace("12345.5", "\"big\""), "'rope_parameters.rope_theta' is \"big\"", "positive number");
        assertRejected(v5.replace("\"rope_theta\": 12345.5, ", ""), "missing key 'rope_parameters.rope_theta'");
        assertRejected(v5.replace("{\"rope_theta\": 12345.5, \"rope_type\": \"default\"}", "7"), "'rope_parameters' is 7", "an object");
        assertRejected(GEMMA_2_2B.replace("\"rope_theta\": 10000.0,", ""), "missing key 'rope_theta' (or 'rope_parameters.rope_theta')");
    }

    private void assertRejected(String json, String... fragments) throws IOException {
        Path file = config(json);
        var e = assertThrows(GemmaConfig.ConfigException.class, () -> GemmaConfig.read(dir));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "should say '" + f + "': " + e.getMessage());
    }

    @Test
    void missingOrInvalidKeysAreNamed() throws IOException {
        assertRejected(GEMMA_2_2B.replace("\"hidden_size\": 2304,", ""), "missing key 'hidden_size'", "positive integer");
        assertRejected(GEMMA_2_2B.replace("\"head_dim\": 256,", "\"head_dim\": \"256\","), "'head_dim'", "\"256\"", "positive integer");
        assertRejected(GEMMA_2_2B.replace("\"num_hidden_layers\": 26,", "\"num_hidden_layers\": 0,"), "'num_hidden_layers'", "positive");
        assertRejected(GEMMA_2_2B.replace("\"rms_norm_eps\": 1e-06,", "\"rms_norm_eps\": -1,"), "'rms_norm_eps'", "positive number");
        assertRejected(GEMMA_2_2B.replace("\"query_pre_attn_scalar\": 256,", ""), "'query_pre_attn_scalar'");
        assertRejected(GEMMA_2_2B.replace("\"sliding_window\": 4096,", "\"sliding_window\": 4096.5,"), "'sliding_window'");
        assertRejected(GEMMA_2_2B.replace("\"num_key_value_heads\": 4,", "\"num_key_value_heads\": 3,"), "multiple of num_key_value_heads");
        assertRejected(GEMMA_2_2B.replace("\"tie_word_embeddings\"", "x").replace("\"use_cache\": true,", "\"tie_word_embeddings\": 1,"), "'tie_word_embeddings'");
        assertRejected(GEMMA_2_2B.replace("\"hidden_act\": \"gelu_pytorch_tanh\",", "").replace("\"hidden_activation\": \"gelu_pytorch_tanh\",", ""), "'hidden_activation'");
        assertRejected(GEMMA_2_2B.replace("\"gemma2\"", "\"llama\""), "model_type", "\"gemma2\"");
        assertRejected(GEMMA_2_2B.replace("\"eos_token_id\": 1,", "\"eos_token_id\": [],"), "'eos_token_id'");
        assertRejected("{\"vocab_size\": ", "not valid JSON");
        assertRejected("[]", "JSON object");
    }

    @Test
    void aMissingFileIsNamed() {
        var e = assertThrows(GemmaConfig.ConfigException.class, () -> GemmaConfig.read(dir.resolve("nope.json")));
        assertTrue(e.getMessage().contains("nope.json"), e.getMessage());
    }
}
