package saelab.eval.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import saelab.eval.ReconstructionMetrics;
import saelab.eval.SpliceScores;
import saelab.eval.probe.FirstLetterAbsorption;
import saelab.eval.probe.LabelledTexts;
import saelab.eval.probe.SaeLatents;
import saelab.eval.probe.SparseProbing;
import saelab.eval.probe.TinyModels;
import saelab.eval.probe.WordList;
import saelab.eval.report.SeedSpread;
import saelab.model.GemmaConfig;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.harvest.HarvestException;
import saelab.model.harvest.HarvestManifest;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.SafetensorsFile;
import saelab.model.synthetic.RandomGemma2Checkpoint;
import saelab.model.synthetic.SyntheticTokenizer;
import saelab.model.tokenizer.GemmaTokenizer;
import saelab.train.checkpoint.SaeCheckpoint;

/**
 * The model experiment end to end at a tiny size: a random gemma-2 "tiny" checkpoint (4 layers,
 * hidden 64) with a synthetic tokenizer of 8192 tokens, a few hundred short documents, layer 1,
 * context 16, 3 variants × 2 seeds of 16 steps × 32 rows, m 128, k 8, 2 phases, 4 held-out
 * sequences; with the splice scores, sparse probing on 64 labelled texts, and first-letter
 * absorption on a sample of the vocabulary's whole words, whose embeddings are planted with
 * their first letter so that the letter probes work (as in FirstLetterAbsorptionTest).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelExperimentTest {
    static final String[] WORDS = {"the", "sparse", "autoencoder", "finds", "features", "in", "a", "model's", "residual",
            "stream", "of", "gemma", "tokens", "and", "layers", "reads", "writes", "42", "café", "quickly"};
    static final int LAYER = 1, CONTEXT = 16, STEPS = 16, BATCH = 32, VOCAB = 8192, ABSORPTION_WORDS = 80;
    /**
     * Planted on a word's first-letter coordinate: the residual after layer 1 holds ≈ 20 there (the
     * embedding is scaled by √h), far above the random embedding (std 0.3·√h ≈ 2.4) and the four
     * post-normed sublayer outputs added to it (RMS ≈ 1 each).
     */
    static final double LETTER_AMPLITUDE = 20;
    static final long HELD_OUT_TOKENS = 60; // rounded up to 4 sequences = 64 rows
    static final List<String> VARIANTS = List.of("topk", "standard", "adaptive");

    @TempDir
    static Path dir;
    Path checkpoint, data, out, words, probeData;
    ExperimentConfig cfg;
    Experiment.Result result;
    Path html;
    JsonNode root;

    static Path tinyCheckpoint(Path dir) {
        GemmaConfig config = TinyModels.withVocab(GemmaConfig.tiny(), VOCAB);
        // Weights large enough (std 0.3) that zeroing the residual moves the logits clearly.
        RandomGemma2Checkpoint.write(dir, RandomGemma2Checkpoint.Spec.of(config, Dtype.F32, 7).withStd(0.3, 0.3), b -> { });
        SyntheticTokenizer.write(dir, config.vocabSize(), 7);
        return dir;
    }

    /** Writes the vocabulary's whole words to {@code list} and adds {@link #LETTER_AMPLITUDE}/√h to each one's first-letter coordinate of its embedding. */
    static Path plantFirstLetters(Path model, Path list) throws Exception {
        GemmaTokenizer tokenizer = GemmaTokenizer.load(model);
        Files.write(list, TinyModels.vocabularyWords(tokenizer));
        WordList.Selection selection = WordList.singleTokenWords(WordList.read(list), tokenizer);
        int d = GemmaConfig.tiny().hiddenSize();
        float[] emb = TinyModels.embedding(model);
        for (int q = 0; q < selection.words().size(); q++) {
            emb[selection.tokenIds()[q] * d + selection.words().get(q).charAt(0) - 'a'] += (float) (LETTER_AMPLITUDE / Math.sqrt(d));
        }
        TinyModels.replaceEmbedding(model, emb);
        return list;
    }

    /** 64 texts: label "fox" for those that mention "the quick fox", "dog" for "the lazy dog", among random words. */
    static Path labelledTexts(Path file) throws Exception {
        SplittableRandom r = new SplittableRandom(11);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            StringBuilder sb = new StringBuilder(i % 2 == 0 ? "the quick fox" : "the lazy dog");
            for (int w = r.nextInt(6); w > 0; w--) sb.append(' ').append(WORDS[r.nextInt(WORDS.length)]);
            lines.add("{\"text\": \"" + sb + "\", \"label\": \"" + (i % 2 == 0 ? "fox" : "dog") + "\"}");
        }
        return Files.write(file, lines);
    }

    /** Documents of 1 to 40 words, one per line. */
    static Path documents(Path file, int count) throws Exception {
        SplittableRandom r = new SplittableRandom(5);
        List<String> docs = new ArrayList<>();
        for (int d = 0; d < count; d++) {
            StringBuilder sb = new StringBuilder();
            int words = 1 + r.nextInt(40);
            for (int w = 0; w < words; w++) sb.append(w == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
            docs.add(sb.toString());
        }
        return Files.writeString(file, String.join("\n", docs) + "\n");
    }

    static ExperimentConfig tiny(Path out, Path checkpoint, Path data, int layer, long tokens) {
        ModelData md = new ModelData(checkpoint, data, layer, CONTEXT, tokens, HELD_OUT_TOKENS, Dtype.F32, 16, 256);
        return ExperimentConfig.onModel(out, Variant.select(VARIANTS), List.of(0L, 1L), STEPS, BATCH, 2, 128, 8, 3, md, ExperimentConfig.DEFAULT_EV_MARGIN);
    }

    @BeforeAll
    void runTheTinyExperiment() throws Exception {
        checkpoint = tinyCheckpoint(Files.createDirectories(dir.resolve("model")));
        words = plantFirstLetters(checkpoint, dir.resolve("words.txt"));
        probeData = labelledTexts(dir.resolve("probe.jsonl"));
        data = documents(dir.resolve("docs.txt"), 60);
        out = dir.resolve("exp");
        cfg = tiny(out, checkpoint, data, LAYER, ModelData.oneEpochTokens(STEPS, BATCH, CONTEXT));
        long t0 = System.nanoTime();
        result = ModelExperiment.run(cfg, System.err, List.of(new SpliceMetric(), new SparseProbingMetric(probeData, LabelledTexts.read(probeData)),
                new FirstLetterAbsorptionMetric(words, ABSORPTION_WORDS)));
        html = ExperimentReport.write(result, out);
        System.err.printf("tiny model experiment: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        root = new ObjectMapper().readTree(out.resolve("results.json").toFile());
    }

    @Test
    void theReportFilesExistAndLeaveTheGroundTruthOut() throws Exception {
        for (String f : List.of("report.html", "results.json", "plots/pareto-l0-ev.png", "plots/pareto-l0-ce.png", "plots/latent-density.png",
                "plots/cofire-cos-phases.png", "plots/cofiring-hist-phase2.png", "harvest/manifest.json", "runs/adaptive-seed1/sae_weights.safetensors",
                "runs/standard-seed0/log.jsonl")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        assertFalse(Files.exists(out.resolve("plots/mcc-phases.png")), "no ground truth, no recovery plot");
        assertFalse(Files.exists(out.resolve("plots/absorption-phases.png")), "no synthetic absorption on a model");
        String page = Files.readString(html);
        assertTrue(page.contains("<th>KL-div score</th>") && page.contains("<th>CE-loss score</th>") && page.contains("<th>CE clean</th>"), "model columns");
        for (String gone : List.of("<th>MCC</th>", "<th>parent recall</th>", "<th>absorption</th>", "<th>uniqueness</th>")) {
            assertFalse(page.contains(gone), gone + " is a ground-truth column");
        }
        assertEquals(6, root.get("runs").size());
        for (JsonNode run : root.get("runs")) {
            for (String key : List.of(Snapshot.MCC, Snapshot.ABSORPTION, Snapshot.PARENT_RECALL, Snapshot.TRUE_PAIRS_ABOVE)) {
                assertFalse(run.get("final").has(key), key + " is absent, not zero");
                assertFalse(run.get("phases").get(0).has(key), key + " is absent per phase too");
            }
            assertEquals(Snapshot.DENSITY_BINS + 1, run.get("phases").get(1).get("density_histogram").size());
            long latents = 0;
            for (JsonNode c : run.get("phases").get(1).get("density_histogram")) latents += c.asLong();
            assertEquals(128, latents, "every latent in one density bin or dead");
            assertEquals(run.get("final").get(Snapshot.DEAD).asLong(), run.get("phases").get(1).get("density_histogram").get(Snapshot.DENSITY_BINS).asLong());
        }
        JsonNode m = root.get("config").get("model");
        assertEquals(LAYER, m.get("layer").asInt());
        assertEquals(64, m.get("held_out_rows").asInt());
        String conclusion = root.get("conclusion").asText();
        assertTrue(conclusion.contains("first-letter absorption ") && conclusion.contains("CE-loss score "),
                "the conclusion reads the first-letter absorption and the CE-loss score: " + conclusion);
        boolean verdictOnFirstLetter = false;
        for (JsonNode v : root.get("verdicts")) verdictOnFirstLetter |= v.get("metric").asText().equals(FirstLetterAbsorptionMetric.RATE);
        assertTrue(verdictOnFirstLetter, "the verdict table compares the first-letter absorption");
    }

    @Test
    void spliceScoresAreSaneAndTheSummaryShowsThem() throws Exception {
        String page = Files.readString(html);
        for (String v : VARIANTS) {
            List<JsonNode> of = new ArrayList<>();
            for (JsonNode run : root.get("runs")) if (run.get("variant").asText().equals(v)) of.add(run);
            assertEquals(2, of.size());
            for (JsonNode run : of) {
                JsonNode f = run.get("final");
                double kl = f.get(SpliceMetric.KL_SAE).asDouble(), klZero = f.get(SpliceMetric.KL_ABLATION).asDouble();
                double ceClean = f.get(SpliceMetric.CE_CLEAN).asDouble(), ceSae = f.get(SpliceMetric.CE_SAE).asDouble(), ceZero = f.get(SpliceMetric.CE_ABLATION).asDouble();
                for (double x : new double[] {kl, klZero, ceClean, ceSae, ceZero}) assertTrue(Double.isFinite(x) && x >= 0, v + ": " + f);
                assertTrue(klZero > 1e-3 && Math.abs(ceZero - ceClean) > 1e-3, "the zero ablation moves the model: " + f);
                // Every run sees the same held-out sequences: clean CE and the ablation do not depend on the SAE
                // (equal up to the forward pass's run-to-run agreement, ~1e-7 relative: see SpliceScoresTest).
                assertEquals(root.get("runs").get(0).get("final").get(SpliceMetric.CE_CLEAN).asDouble(), ceClean, 1e-6 * ceClean);
                assertEquals(root.get("runs").get(0).get("final").get(SpliceMetric.KL_ABLATION).asDouble(), klZero, 1e-6 * klZero);
                // The scores are the SAEBench formulas of the raw values beside them; KL ≥ 0 bounds the KL score by 1.
                assertEquals((klZero - kl) / klZero, f.get(SpliceMetric.KL_SCORE).asDouble(), 1e-12);
                assertEquals((ceZero - ceSae) / (ceZero - ceClean), f.get(SpliceMetric.CE_SCORE).asDouble(), 1e-12);
                assertTrue(f.get(SpliceMetric.KL_SCORE).asDouble() <= 1, v + " KL score " + f);
            }
            for (String key : List.of(SpliceMetric.KL_SCORE, SpliceMetric.CE_SCORE, Snapshot.EV, Snapshot.COFIRE_COS, SparseProbingMetric.key(1),
                    SparseProbingMetric.key(5), FirstLetterAbsorptionMetric.RATE, FirstLetterAbsorptionMetric.FRACTION)) {
                ExperimentReport.Column col = ExperimentReport.summaryColumns(result).stream().filter(c -> c.key().equals(key)).findFirst().orElseThrow();
                String cell = "<td>" + SeedSpread.of(of.stream().mapToDouble(n -> n.get("final").get(key).asDouble()).toArray()).format(col.digits()) + "</td>";
                assertTrue(page.contains(cell), v + " " + key + ": " + cell + " not in report.html");
            }
        }
    }

    @Test
    void aSavedCheckpointScoresWhatTheReportSays() throws Exception {
        // Independently of the experiment's code path: the held-out set read straight from the
        // shards (its first 4 sequences), the run's SAE from its saved checkpoint, one SpliceScores
        // pass over all 4 sequences (they fit one chunk), <bos> positions keeping their residual.
        Path harvest = out.resolve("harvest");
        HarvestManifest m = HarvestManifest.read(harvest);
        int rows = 64, d = m.hiddenSize(), bos = m.bosTokenId();
        int[] ids;
        float[] acts;
        try (SafetensorsFile f = SafetensorsFile.open(harvest.resolve(m.shards().getFirst().file()))) {
            ids = java.util.Arrays.copyOf(f.tensor(HarvestManifest.TOKEN_IDS).toIntArray(), rows);
            acts = java.util.Arrays.copyOf(f.tensor(HarvestManifest.ACTIVATIONS).toFloatArray(), rows * d);
        }
        SaeCheckpoint.Loaded ck = SaeCheckpoint.read(out.resolve("runs/standard-seed1"));
        assertEquals(STEPS, ck.step());
        assertTrue(ck.training().source().contains("#rows=64.."), "the runs trained on the rows after the held-out set: " + ck.training().source());
        JsonNode f = null;
        for (JsonNode run : root.get("runs")) if (run.get("variant").asText().equals("standard") && run.get("seed").asLong() == 1) f = run.get("final");
        SpliceScores want;
        try (Gemma2Model model = Gemma2Model.load(checkpoint)) {
            want = SpliceScores.measure(model, ids, 4, LAYER, x -> {
                float[] xHat = ck.sae().decode(ck.sae().encode(x, rows));
                for (int r = 0; r < rows; r++) if (ids[r] == bos) System.arraycopy(x, r * d, xHat, r * d, d);
                return xHat;
            });
        }
        // Two runs of the same forward passes agree to ~1e-7 relative (see SpliceScoresTest); values are O(1–10) nats.
        double[][] pairs = {{want.klScore(), f.get(SpliceMetric.KL_SCORE).asDouble()}, {want.ceScore(), f.get(SpliceMetric.CE_SCORE).asDouble()},
                {want.klSae(), f.get(SpliceMetric.KL_SAE).asDouble()}, {want.klAblation(), f.get(SpliceMetric.KL_ABLATION).asDouble()},
                {want.ceClean(), f.get(SpliceMetric.CE_CLEAN).asDouble()}, {want.ceSae(), f.get(SpliceMetric.CE_SAE).asDouble()},
                {want.ceAblation(), f.get(SpliceMetric.CE_ABLATION).asDouble()}};
        for (double[] p : pairs) assertEquals(p[0], p[1], 1e-6 * Math.max(1, Math.abs(p[0])), want + " vs " + f);
        // The core metrics are on the held-out rows that are not <bos>, through the same checkpoint.
        int kept = 0;
        for (int id : ids) if (id != bos) kept++;
        float[] x = new float[kept * d];
        for (int r = 0, k = 0; r < rows; r++) if (ids[r] != bos) System.arraycopy(acts, r * d, x, k++ * d, d);
        ReconstructionMetrics rec = ReconstructionMetrics.of(x, ck.sae().decode(ck.sae().encode(x, kept)), kept, d, null);
        assertEquals(rec.explainedVariance(), f.get(Snapshot.EV).asDouble(), 1e-12);
        assertEquals(rec.mse(), f.get(Snapshot.MSE).asDouble(), 1e-12);
        assertEquals(kept, root.get("config").get("model").get("held_out_rows_without_bos").asInt());
    }

    /** The final snapshot of one run in results.json. */
    JsonNode finalOf(String variant, long seed) {
        for (JsonNode run : root.get("runs")) if (run.get("variant").asText().equals(variant) && run.get("seed").asLong() == seed) return run.get("final");
        throw new AssertionError("no run " + variant + " seed " + seed);
    }

    @Test
    void probingAndAbsorptionOfASavedCheckpointAreWhatTheReportSays() throws Exception {
        // Independently of the experiment's code path (residuals computed once and reused): the
        // library's own run from each saved checkpoint, model passes and probes done afresh, with
        // saelab probe's and saelab absorption's settings. Both paths run the same forward passes on
        // the same batches and the same float64 fits, so the numbers agree exactly.
        JsonNode probing = root.get("model_metrics").get("sparse probing"), absorption = root.get("model_metrics").get("first-letter absorption");
        GemmaTokenizer tokenizer = GemmaTokenizer.load(checkpoint);
        WordList.Selection selection = WordList.singleTokenWords(WordList.read(words), tokenizer);
        try (Gemma2Model model = Gemma2Model.load(checkpoint)) {
            for (String[] run : new String[][] {{"topk", "1"}, {"standard", "0"}}) {
                Path ck = out.resolve("runs").resolve(run[0] + "-seed" + run[1]);
                SaeLatents latents = SaeLatents.read(ck);
                JsonNode f = finalOf(run[0], Long.parseLong(run[1]));
                SparseProbing.Result p = SparseProbing.run(model, tokenizer, latents, LabelledTexts.read(probeData),
                        SparseProbing.Settings.defaults(LAYER, SparseProbingMetric.SEED), done -> { });
                assertArrayEquals(new int[] {1, 2, 5, 10, 20, 50}, p.ks(), "k capped at min(m 128, d 64)");
                for (int q = 0; q < p.ks().length; q++) {
                    assertEquals(p.saeAccuracy()[q], f.get(SparseProbingMetric.key(p.ks()[q])).asDouble(), 0.0, run[0] + " top-" + p.ks()[q]);
                    assertEquals(p.residualAccuracy()[q], probing.get("residual_accuracy").get(q).asDouble(), 0.0, "residual top-" + p.ks()[q]);
                }
                // "the quick fox" vs "the lazy dog": the residual separates the labels.
                assertEquals(1.0, p.residualAccuracy()[p.ks().length - 1], 0.0, java.util.Arrays.toString(p.residualAccuracy()));
                if (run[0].equals("topk")) {
                    // Residual rows too many to keep (a budget of 0 floats): the texts go through the model again per SAE, same numbers.
                    SparseProbingMetric again = new SparseProbingMetric(probeData, LabelledTexts.read(probeData), 0);
                    again.prepare(cfg, model, text -> { }, text -> { });
                    SaeCheckpoint.Loaded loaded = SaeCheckpoint.read(ck);
                    var numbers = again.measure(new ModelMetric.Context(cfg, model, null, Files.createDirectories(dir.resolve("again")), text -> { }),
                            loaded.training(), loaded.params());
                    for (int k : p.ks()) assertEquals(f.get(SparseProbingMetric.key(k)).asDouble(), numbers.get(SparseProbingMetric.key(k)), 0.0);
                }
                JsonNode perRun = new ObjectMapper().readTree(ck.resolve(SparseProbingMetric.FILE).toFile());
                assertEquals(p.saeAccuracy()[0], perRun.get("saeAccuracy").get(0).asDouble(), 0.0);

                FirstLetterAbsorption.Result a = FirstLetterAbsorption.run(model, tokenizer, latents, selection,
                        FirstLetterAbsorption.Settings.defaults(LAYER, FirstLetterAbsorptionMetric.SEED).withMaxWords(ABSORPTION_WORDS), done -> { });
                assertTrue(a.lettersIncluded() >= 3, "the planted letters make probes that count: " + a.lettersIncluded());
                assertEquals(a.wordsUsed(), absorption.get("words_used").asInt());
                assertEquals(a.letters().size(), absorption.get("letters").size());
                assertEquals(a.meanAbsorptionRate(), f.get(FirstLetterAbsorptionMetric.RATE).asDouble(), 0.0, run[0]);
                assertEquals(a.meanAbsorptionFraction(), f.get(FirstLetterAbsorptionMetric.FRACTION).asDouble(), 0.0, run[0]);
                assertEquals(a.meanMainLatents(), f.get(FirstLetterAbsorptionMetric.MAIN_LATENTS).asDouble(), 0.0, run[0]);
                for (FirstLetterAbsorption.LetterResult l : a.letters()) {
                    JsonNode rate = f.get(FirstLetterAbsorptionMetric.rateKey(l.letter()));
                    if (Double.isNaN(l.absorptionRate())) assertTrue(rate.isNull(), "no true positive: null, not a number");
                    else assertEquals(l.absorptionRate(), rate.asDouble(), 0.0, "letter " + l.letter());
                }
                perRun = new ObjectMapper().readTree(ck.resolve(FirstLetterAbsorptionMetric.FILE).toFile());
                assertEquals(a.lettersIncluded(), perRun.get("lettersIncluded").asInt());
            }
        }
        String page = Files.readString(html);
        for (String s : List.of("<h2>Sparse probing</h2>", "<h2>First-letter absorption</h2>", "<th>probe top-1 acc</th>", "<th>probe top-5 acc</th>",
                "<th>first-letter absorption</th>", "<th>absorption fraction</th>", "<th>residual dims</th>", "<th>topk latents</th>", "<th>adaptive rate</th>")) {
            assertTrue(page.contains(s), s + " in report.html");
        }
        assertTrue(Files.size(out.resolve("plots/sparse-probing.png")) > 0);
        // The per-letter plot is drawn when some letter's rate is above 0 for TopK or adaptive (the variants it shows here).
        boolean anyAbsorbed = false;
        for (JsonNode run : root.get("runs")) {
            if (run.get("variant").asText().equals("standard")) continue;
            for (var e : run.get("final").properties()) {
                anyAbsorbed |= e.getKey().startsWith(FirstLetterAbsorptionMetric.RATE + "_") && e.getValue().asDouble() > 0;
            }
        }
        assertEquals(anyAbsorbed, Files.exists(out.resolve("plots/first-letter-absorption.png")));
        assertEquals(!anyAbsorbed, page.contains("No plot of the rate per letter: it is 0 for every letter"));
        // The residual baseline's row at k = 1 in the report is the number in results.json.
        assertTrue(page.contains(String.format(java.util.Locale.ROOT, "<td>1</td><td>%.3f</td>", probing.get("residual_accuracy").get(0).asDouble())));
    }

    @Test
    void aSecondRunReusesTheHarvestAndOtherSettingsAreRefused() throws Exception {
        Path manifest = out.resolve("harvest").resolve(HarvestManifest.FILE_NAME);
        FileTime before = Files.getLastModifiedTime(manifest);
        long[] harvested = {-1};
        HarvestManifest again = ModelExperiment.harvest(cfg, null, harvested);
        assertEquals(0, harvested[0], "nothing harvested again");
        assertEquals(before, Files.getLastModifiedTime(manifest), "the manifest is left as it was");
        assertEquals(HarvestManifest.read(out.resolve("harvest")), again);
        HarvestException e = assertThrows(HarvestException.class, () -> ModelExperiment.harvest(tiny(out, checkpoint, data, 2, cfg.model().tokens()), null, new long[1]));
        assertTrue(e.getMessage().contains("layer") && e.getMessage().contains("delete it to harvest afresh"), e.getMessage());
    }

    @Test
    void dataThatRunsOutIsAClearError() throws Exception {
        Path little = Files.writeString(dir.resolve("little.txt"), "the sparse autoencoder reads\nthe residual stream\n");
        ExperimentConfig big = tiny(dir.resolve("too-big"), checkpoint, little, LAYER, 1000);
        HarvestException e = assertThrows(HarvestException.class, () -> ModelExperiment.harvest(big, null, new long[1]));
        assertTrue(e.getMessage().contains("the data ran out") && e.getMessage().contains("--tokens"), e.getMessage());
    }
}
