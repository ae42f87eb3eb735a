package saelab.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.SafetensorsWriter;
import saelab.model.safetensors.TensorData;
import saelab.model.synthetic.RandomGemma2Checkpoint;
import saelab.model.synthetic.SyntheticTokenizer;
import saelab.model.tokenizer.GemmaTokenizer;

/** `saelab probe` and `saelab absorption` end to end on a tiny random model and a random ReLU SAE. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProbeCommandsTest {
    static final int M = 40;
    @TempDir
    static Path dir;
    Path model, sae;
    int d;

    @BeforeAll
    void setUp() throws Exception {
        model = dir.resolve("model");
        GemmaConfig config = GemmaConfig.tiny();
        d = config.hiddenSize();
        RandomGemma2Checkpoint.write(model, RandomGemma2Checkpoint.Spec.of(config, Dtype.F32, 2), b -> { });
        SyntheticTokenizer.write(model, config.vocabSize(), 2);
        sae = dir.resolve("sae");
        Files.createDirectories(sae);
        SplittableRandom r = new SplittableRandom(3);
        float[] wEnc = new float[d * M], wDec = new float[M * d];
        for (int i = 0; i < wEnc.length; i++) { wEnc[i] = (float) (0.3 * r.nextGaussian()); wDec[i] = (float) r.nextGaussian(); }
        SafetensorsWriter.write(sae.resolve("sae_weights.safetensors"), Map.of(
                "W_enc", TensorData.f32(new long[] {d, M}, wEnc), "b_enc", TensorData.f32(new long[] {M}, new float[M]),
                "W_dec", TensorData.f32(new long[] {M, d}, wDec), "b_dec", TensorData.f32(new long[] {d}, new float[d])));
        Files.writeString(sae.resolve("cfg.json"), "{\"architecture\": \"standard\", \"d_in\": " + d + ", \"d_sae\": " + M
                + ", \"hook_name\": \"blocks.1.hook_resid_post\", \"apply_b_dec_to_input\": true}");
    }

    static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    @Test
    void probeWritesTheTableAsJson() throws Exception {
        Path data = dir.resolve("data.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 40; i++) lines.add("{\"text\": \"the " + (i % 2 == 0 ? "quick fox" : "lazy dog") + " number " + i + "\", \"label\": " + (i % 2) + "}");
        Files.write(data, lines);
        Path out = dir.resolve("probe.json");
        assertEquals(0, run("probe", "--model", model.toString(), "--sae", sae.toString(), "--data", data.toString(), "--out", out.toString()));
        JsonNode j = new ObjectMapper().readTree(out.toFile());
        assertEquals(1, j.get("layer").asInt(), "layer from the SAE's hook_name");
        assertEquals(8, j.get("test").asInt());
        assertEquals("[1,2,5,10,20,40]", j.get("ks").toString());
        // "quick fox" vs "lazy dog": the words differ between the classes, so the pooled residual separates them.
        assertEquals(1.0, j.get("residualAccuracy").get(5).asDouble(), 0.13);
        assertEquals(1, j.get("tasks").size());
        // SAEBench's file beside it, with the same accuracies.
        JsonNode sb = new ObjectMapper().readTree(dir.resolve("eval_results/sparse_probing/saelab_" + sae.getFileName() + "_eval_results.json").toFile());
        assertEquals("sparse_probing", sb.get("eval_type_id").asText());
        assertEquals(j.get("saeAccuracy").get(0).asDouble(), sb.at("/eval_result_metrics/sae/sae_top_1_test_accuracy").asDouble(), 0);
        assertEquals(j.get("residualAccuracy").get(2).asDouble(), sb.at("/eval_result_metrics/llm/llm_top_5_test_accuracy").asDouble(), 0);
        assertTrue(sb.at("/eval_result_metrics/sae/sae_top_50_test_accuracy").isNull(), "k = 50 was capped to 40 here: not evaluated");
    }

    @Test
    void absorptionRunsOnTheSyntheticVocabulary() throws Exception {
        GemmaTokenizer tok = GemmaTokenizer.load(model);
        List<String> words = new ArrayList<>();
        for (int id = 0; id < tok.vocabSize(); id++) {
            String t = tok.token(id);
            if (t.length() > 1 && t.startsWith("▁") && t.substring(1).chars().allMatch(Character::isLetter)) words.add(t.substring(1));
        }
        Path list = dir.resolve("words.txt");
        Files.write(list, words);
        Path out = dir.resolve("absorption.json");
        assertEquals(0, run("absorption", "--model", model.toString(), "--sae", sae.toString(), "--words", list.toString(), "--out", out.toString()));
        JsonNode j = new ObjectMapper().readTree(out.toFile());
        assertEquals(j.get("train").asInt() + j.get("test").asInt(), j.get("wordsUsed").asInt());
        assertTrue(j.get("letters").size() > 0);
        for (JsonNode l : j.get("letters")) {
            assertTrue(l.get("fullAbsorptions").asInt() <= l.get("probeTruePositives").asInt());
        }
        assertEquals("l1-probe", j.get("mainLatentRanking").asText(), "SAEBench's ranking by default");
        assertEquals(0, j.get("iclExamples").asInt());
        JsonNode sb = new ObjectMapper().readTree(dir.resolve("eval_results/absorption_first_letter/saelab_" + sae.getFileName() + "_eval_results.json").toFile());
        double rate = j.get("meanAbsorptionRate").asDouble();
        JsonNode written = sb.at("/eval_result_metrics/mean/mean_absorption_score");
        // No letter passing the probe-F1 bar leaves the mean undefined: SAEBench's file says null, not a number.
        if (Double.isNaN(rate)) assertTrue(written.isNull(), written.toString());
        else assertEquals(rate, written.asDouble(), 0);
        assertEquals(j.get("lettersIncluded").asInt(), sb.get("eval_result_details").size());
        // The other ranking and SAEBench's prompts, on a sample: the JSON says which were used.
        Path other = dir.resolve("absorption-icl.json");
        assertEquals(0, run("absorption", "--model", model.toString(), "--sae", sae.toString(), "--words", list.toString(), "--max-words", "15",
                "--main-latents", "mean-diff", "--icl-examples", "2", "--out", other.toString()));
        JsonNode k = new ObjectMapper().readTree(other.toFile());
        assertEquals("mean-diff", k.get("mainLatentRanking").asText());
        assertEquals(2, k.get("iclExamples").asInt());
        assertTrue(k.get("wordsUsed").asInt() >= 12 && k.get("wordsUsed").asInt() <= 15, k.get("wordsUsed").toString());
    }

    @Test
    void badInputExitsWithTwo() throws Exception {
        Path data = dir.resolve("bad.jsonl");
        Files.writeString(data, "{\"text\": \"a\", \"label\": 0}\nnot json\n");
        assertEquals(2, run("probe", "--model", model.toString(), "--sae", sae.toString(), "--data", data.toString(), "--out", dir.resolve("x.json").toString()));
        assertFalse(Files.exists(dir.resolve("x.json")));
        assertEquals(2, run("absorption", "--model", model.toString(), "--sae", sae.toString(), "--words", dir.resolve("missing.txt").toString()));
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            Path list = Files.write(dir.resolve("few.txt"), List.of("a"));
            assertEquals(2, run("absorption", "--model", model.toString(), "--sae", sae.toString(), "--words", list.toString(), "--main-latents", "l2"));
            assertEquals(2, run("absorption", "--model", model.toString(), "--sae", sae.toString(), "--words", list.toString(), "--icl-examples", "-1"));
        } finally {
            System.setErr(old);
        }
        String said = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(said.contains("--main-latents: main-latent ranking must be l1-probe or mean-diff, got 'l2'"), said);
        assertTrue(said.contains("--icl-examples must be ≥ 0, got -1"), said);
    }
}
