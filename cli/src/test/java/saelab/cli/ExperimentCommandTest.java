package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import java.util.ArrayList;
import java.util.List;
import saelab.eval.experiment.FirstLetterAbsorptionMetric;
import saelab.eval.experiment.ModelData;
import saelab.eval.experiment.ModelMetric;
import saelab.eval.experiment.SparseProbingMetric;
import saelab.eval.experiment.Variant;
import saelab.eval.probe.FirstLetterAbsorption;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.Dtype;
import saelab.model.synthetic.RandomGemma2Checkpoint;
import saelab.model.synthetic.SyntheticTokenizer;
import saelab.model.tokenizer.GemmaTokenizer;

class ExperimentCommandTest {

    @Test
    void tinyExperimentFromTheCommandLineWritesTheReport(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("exp");
        ExperimentCommand cmd = new ExperimentCommand();
        int rc = new CommandLine(cmd).execute("--quick", "--steps", "8", "--batch", "64", "--m", "128", "--eval-rows", "256",
                "--variants", "topk,static", "--quiet", "--out", out.toString());
        assertEquals(0, rc);
        assertEquals(out.resolve("report.html"), cmd.lastReport);
        assertTrue(Files.readString(out.resolve("report.html")).contains("static"));
        assertTrue(Files.readString(out.resolve("results.json")).contains("\"conclusion\""));

        // The same folder again: refused in one line, the finished experiment untouched; --overwrite replaces it.
        byte[] results = Files.readAllBytes(out.resolve("results.json"));
        Object[] again = execute(new ExperimentCommand(), "--quick", "--steps", "8", "--batch", "64", "--m", "128", "--eval-rows", "256",
                "--variants", "topk", "--quiet", "--out", out.toString());
        assertEquals(2, again[0]);
        assertTrue(((String) again[1]).contains("already holds an experiment") && ((String) again[1]).contains("--overwrite"), (String) again[1]);
        assertEquals(1, ((String) again[1]).strip().lines().filter(l -> l.startsWith("saelab experiment:")).count(), (String) again[1]);
        assertArrayEquals(results, Files.readAllBytes(out.resolve("results.json")));
        Object[] replaced = execute(new ExperimentCommand(), "--quick", "--steps", "8", "--batch", "64", "--m", "128", "--eval-rows", "256",
                "--variants", "topk", "--quiet", "--overwrite", "--out", out.toString());
        assertEquals(0, replaced[0], (String) replaced[1]);
        assertFalse(Files.exists(out.resolve("runs/static-seed0")), "the replaced experiment's runs are gone, not mixed in");
        assertTrue(Files.exists(out.resolve("runs/topk-seed0/sae_weights.safetensors")));
    }

    @Test
    void defaultsAreTheFullComparison() {
        ExperimentCommand cmd = new ExperimentCommand();
        new CommandLine(cmd).parseArgs();
        var cfg = cmd.config();
        assertEquals(saelab.eval.experiment.Variant.defaults(), cfg.variants());
        assertEquals("bench", cfg.preset());
        var size = saelab.eval.experiment.ExperimentConfig.Sizes.forPreset("bench");
        assertEquals(size.seeds(), cfg.seeds().size());
        assertEquals(size.steps(), cfg.steps());
        assertEquals(List.of(size.m(), size.k(), size.batch()), List.of(cfg.m(), cfg.k(), cfg.batch()));
        assertEquals(4, cfg.phases());
        assertEquals(8192, cfg.evalRows());
        // The help names every variant --variants accepts.
        String help = new CommandLine(new ExperimentCommand()).getUsageMessage();
        for (var v : saelab.eval.experiment.Variant.all()) assertTrue(help.contains(v.id()), v.id() + " missing from --help");
        assertTrue(cfg.out().toString().startsWith("runs/experiment-"));
    }

    /** Runs the command with stderr captured; returns (exit code, what it printed). */
    static Object[] execute(ExperimentCommand cmd, String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = new CommandLine(cmd).execute(args);
        } finally {
            System.setErr(old);
        }
        String printed = buf.toString(StandardCharsets.UTF_8);
        System.err.print(printed);
        return new Object[] {rc, printed};
    }

    @Test
    void tinyModelExperimentFromTheCommandLine(@TempDir Path dir) throws Exception {
        GemmaConfig config = GemmaConfig.tiny();
        Path model = Files.createDirectories(dir.resolve("model"));
        RandomGemma2Checkpoint.write(model, RandomGemma2Checkpoint.Spec.of(config, Dtype.F32, 3).withStd(0.3, 0.3), b -> { });
        SyntheticTokenizer.write(model, config.vocabSize(), 3);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 40; i++) text.append("the sparse autoencoder reads the residual stream of layer ").append(i).append(" and writes features\n");
        Path data = Files.writeString(dir.resolve("tiny.txt"), text);
        // The word list: the whole words of the tiny synthetic vocabulary (a few dozen), first-letter absorption's input.
        GemmaTokenizer tokenizer = GemmaTokenizer.load(model);
        List<String> vocabulary = new ArrayList<>();
        for (int id = 0; id < tokenizer.vocabSize(); id++) {
            String t = tokenizer.token(id);
            if (t.length() > 1 && t.startsWith("▁") && t.substring(1).chars().allMatch(c -> c >= 'a' && c <= 'z')) vocabulary.add(t.substring(1));
        }
        Path words = Files.write(dir.resolve("words.txt"), vocabulary);
        Path out = dir.resolve("exp");
        ExperimentCommand cmd = new ExperimentCommand();
        Object[] r = execute(cmd, "--model", model.toString(), "--data", data.toString(), "--layer", "1", "--context", "16", "--heldout-tokens", "32",
                "--m", "64", "--k", "4", "--steps", "8", "--batch", "32", "--seeds", "2", "--phases", "2", "--variants", "topk,adaptive", "--out", out.toString(),
                "--words", words.toString(), "--absorption-words", "25");
        String printed = (String) r[1];
        assertEquals(0, r[0], printed);
        assertEquals(out.resolve("report.html"), cmd.lastReport);
        String page = Files.readString(out.resolve("report.html"));
        assertTrue(page.contains("<th>KL-div score</th>") && !page.contains("<th>Hungarian cos</th>"), "model columns, no ground truth");
        assertTrue(page.contains("<th>first-letter absorption</th>") && page.contains("<h2>First-letter absorption</h2>"), "absorption ran: --words");
        assertTrue(page.contains("Sparse probing was not run. To run it, give the experiment --probe-data FILE.jsonl"), "no --probe-data: says how");
        assertFalse(page.contains("<th>probe top-1 acc</th>"));
        JsonNode root = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertEquals(4, root.get("runs").size());
        for (JsonNode run : root.get("runs")) {
            double kl = run.get("final").get("kl_div_score").asDouble(), ce = run.get("final").get("ce_loss_score").asDouble();
            assertTrue(Double.isFinite(kl) && kl <= 1 && Double.isFinite(ce), run.get("final").toString());
            assertTrue(run.get("final").has("first_letter_absorption_rate"), run.get("final").toString());
        }
        JsonNode absorption = root.get("model_metrics").get("first-letter absorption");
        assertEquals(words.toAbsolutePath().toString(), absorption.get("word_list").asText());
        assertEquals(25, absorption.get("words_used").asInt(), "--absorption-words caps the words");
        assertFalse(root.get("model_metrics").get("sparse probing").get("run").asBoolean());
        assertEquals("[\"splice\",\"first-letter absorption\"]", root.get("config").get("model").get("model_metrics").toString());
        assertTrue(printed.contains("first-letter absorption: " + words.toAbsolutePath()) && printed.contains("sparse probing: not run"), printed);
        // --tokens defaulted to one pass over 8 × 32 rows without <bos>: ⌈256 / 15⌉ = 18 sequences of 16 tokens.
        assertEquals(32 + 18 * 16, root.get("config").get("model").get("harvest_tokens").asLong());
        assertTrue(printed.contains("harvest: done:") && printed.contains("KL-div score") && printed.contains("[4/4] adaptive"), printed);
    }

    @Test
    void theModelMetricsFollowTheFlags(@TempDir Path dir) throws Exception {
        Path probe = Files.writeString(dir.resolve("p.jsonl"), "{\"text\": \"a\", \"label\": 0}\n{\"text\": \"b\", \"label\": 1}\n");
        ExperimentCommand cmd = new ExperimentCommand();
        new CommandLine(cmd).parseArgs("--model", "/m", "--data", "d.txt", "--probe-data", probe.toString(), "--no-absorption");
        cmd.config();
        List<ModelMetric> metrics = cmd.modelMetrics();
        assertEquals(List.of("splice", "sparse probing", "first-letter absorption"), metrics.stream().map(ModelMetric::name).toList());
        assertTrue(metrics.get(1) instanceof SparseProbingMetric);
        assertFalse(metrics.get(2).ran(), "--no-absorption");
        ExperimentCommand missing = new ExperimentCommand();
        new CommandLine(missing).parseArgs("--model", "/m", "--data", "d.txt", "--words", dir.resolve("none.txt").toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, missing::modelMetrics);
        assertTrue(e.getMessage().contains("none.txt: no such word list file"), e.getMessage());
        ExperimentCommand capped = new ExperimentCommand();
        new CommandLine(capped).parseArgs("--model", "/m", "--data", "d.txt", "--words", probe.toString(), "--absorption-words", "7");
        assertTrue(capped.modelMetrics().get(2).ran() && capped.modelMetrics().get(2) instanceof FirstLetterAbsorptionMetric);
        var defaults = (FirstLetterAbsorptionMetric) capped.modelMetrics().get(2);
        assertEquals(FirstLetterAbsorption.MainLatentRanking.L1_PROBE, defaults.mainLatents());
        assertEquals(FirstLetterAbsorption.DEFAULT_ICL_EXAMPLES, defaults.iclExamples());
        ExperimentCommand saeBench = new ExperimentCommand();
        new CommandLine(saeBench).parseArgs("--model", "/m", "--data", "d.txt", "--words", probe.toString(),
                "--absorption-main-latents", "mean-diff", "--absorption-icl-examples", "10");
        saeBench.config();
        var chosen = (FirstLetterAbsorptionMetric) saeBench.modelMetrics().get(2);
        assertEquals(FirstLetterAbsorption.MainLatentRanking.MEAN_DIFF, chosen.mainLatents());
        assertEquals(10, chosen.iclExamples());
    }

    /** Without --quick too, a model's sizes follow its width (the seed's at d 2304) and a 4-layer model is read at its last layer. */
    @Test
    void modelSizesFollowTheModelsWidth(@TempDir Path dir) throws Exception {
        GemmaConfig config = GemmaConfig.tiny();
        Path model = Files.createDirectories(dir.resolve("model"));
        RandomGemma2Checkpoint.write(model, RandomGemma2Checkpoint.Spec.of(config, Dtype.F32, 3).withStd(0.3, 0.3), b -> { });
        ExperimentCommand cmd = new ExperimentCommand();
        new CommandLine(cmd).parseArgs("--model", model.toString(), "--data", "docs.txt");
        var cfg = cmd.config();
        assertEquals(saelab.train.presets.Presets.latents(config.hiddenSize(), null), cfg.m());
        assertEquals(saelab.train.presets.Presets.targetL0(config.hiddenSize()), cfg.k());
        assertTrue(cfg.m() < 1000 && cfg.k() < 20, "d " + config.hiddenSize() + ": m " + cfg.m() + ", k " + cfg.k());
        assertEquals(config.numHiddenLayers() - 1, cfg.model().layer());
        assertEquals(ModelData.SEED_STEPS, cfg.steps(), "only the sizes follow the model, the schedule stays the seed's");
    }

    @Test
    void modelDefaultsAreTheSeedExperimentsAndFlagsAreChecked() {
        ExperimentCommand cmd = new ExperimentCommand();
        new CommandLine(cmd).parseArgs("--model", "/models/gemma-2-2b", "--data", "docs.txt");
        var cfg = cmd.config();
        assertEquals(ModelData.SEED_STEPS, cfg.steps());
        assertEquals(2048, cfg.batch());
        assertEquals(16384, cfg.m());
        assertEquals(320, cfg.k());
        assertEquals(12, cfg.model().layer());
        assertEquals(128, cfg.model().context());
        assertEquals(8192, cfg.model().heldOutRows());
        // 2441 × 2048 rows without <bos>: ⌈4,999,168 / 127⌉ = 39,364 sequences of 128.
        assertEquals(39_364L * 128, cfg.model().tokens());
        assertEquals(2e-4, Variant.select(java.util.List.of("topk")).getFirst().modelLr(16384), 1e-15);
        assertEquals(3e-4 * 2, Variant.select(java.util.List.of("standard")).getFirst().modelLr(4096), 1e-15);
        for (String[] bad : new String[][] {{"--layer", "3"}, {"--model", "/m"}, {"--model", "/m", "--data", "d.txt", "--eval-rows", "100"},
                {"--probe-data", "p.jsonl"}, {"--no-absorption"}, {"--model", "/m", "--data", "d.txt", "--no-absorption", "--words", "w.txt"},
                {"--model", "/m", "--data", "d.txt", "--probe-data", "/no/such/file.jsonl"}, {"--absorption-icl-examples", "10"},
                {"--model", "/m", "--data", "d.txt", "--absorption-main-latents", "l2"},
                {"--model", "/m", "--data", "d.txt", "--absorption-icl-examples", "-1"},
                {"--model", "/m", "--data", "d.txt", "--no-absorption", "--absorption-main-latents", "mean-diff"}}) {
            Object[] r = execute(new ExperimentCommand(), bad);
            assertEquals(2, r[0], String.join(" ", bad));
            assertTrue(((String) r[1]).contains("--"), (String) r[1]);
        }
    }
}
