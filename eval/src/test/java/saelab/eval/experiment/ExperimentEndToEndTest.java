package saelab.eval.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import saelab.train.sae.SparseCodes;
import saelab.train.arch.Sae;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.eval.report.SeedSpread;
import saelab.train.source.SyntheticConfig;
import saelab.train.source.SyntheticSource;
import saelab.train.trainer.SaeTrainer;
import saelab.train.trainer.TrainConfig;

class ExperimentEndToEndTest {

    static ExperimentConfig tiny(Path out, List<Variant> vs) {
        return ExperimentConfig.synthetic(out, vs, List.of(0L, 1L), 12, 128, 2, 512, 256, 8, "small", 0, 0.9, ExperimentConfig.DEFAULT_EV_MARGIN);
    }

    /** Every registered architecture trains in the experiment through its preset and is scored like the others. */
    @Test
    void everyArchitectureRunsInTheExperiment(@TempDir Path dir) throws Exception {
        List<String> ids = List.of("topk", "standard", "batchtopk", "matryoshka", "jumprelu", "gated");
        ExperimentConfig cfg = tiny(dir, Variant.select(ids));
        Experiment.Result r = Experiment.run(cfg, null);
        assertEquals(12, r.runs().size());
        for (Experiment.RunResult run : r.runs()) {
            Snapshot last = run.last();
            assertTrue(Double.isFinite(last.get(Snapshot.EV)) && Double.isFinite(last.get(Snapshot.MCC)) && last.get(Snapshot.L0) > 0,
                    run.variant() + ": " + last.metrics());
            String arch = Variant.select(List.of(run.variant())).getFirst().architecture().name();
            assertEquals(arch, saelab.train.checkpoint.SaeCheckpoint.read(run.dir()).training().architecture().name(), run.variant());
        }
        assertTrue(Files.size(ExperimentReport.write(r, dir)) > 10_000);
    }

    @Test
    void tinyExperimentWritesEveryRunAndTheReportShowsItsNumbers(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = tiny(dir, Variant.select(List.of("topk", "adaptive")));
        Experiment.Result r = Experiment.run(cfg, null);
        Path html = ExperimentReport.write(r, dir);
        assertTrue(Files.size(html) > 10_000);
        for (String f : List.of("results.json", "ground-truth.safetensors", "plots/pareto-ev-mcc.png", "plots/pareto-ev-absorption.png",
                "plots/pareto-l0-ev.png", "plots/cofiring-hist-phase1.png", "plots/cofiring-hist-phase2.png", "plots/lambda2.png", "plots/threshold.png",
                "plots/recon-loss.png", "plots/penalty-share.png", "plots/active-latents.png", "plots/cofire-cos-phases.png", "plots/mcc-phases.png",
                "runs/adaptive-seed1/sae_weights.safetensors", "runs/topk-seed0/log.jsonl")) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        // The true features others can score the checkpoints with: the source's directions and parents, exactly.
        SyntheticSource src = new SyntheticSource(cfg.syntheticConfig());
        try (var gt = saelab.model.safetensors.SafetensorsFile.open(dir.resolve(GroundTruthFile.NAME))) {
            assertArrayEquals(src.directions(), gt.tensor(GroundTruthFile.DIRECTIONS).toFloatArray());
            assertArrayEquals(new long[] {src.features(), src.dim()}, gt.tensor(GroundTruthFile.DIRECTIONS).shape());
            int[] parent = gt.tensor(GroundTruthFile.PARENT).toIntArray();
            assertEquals(src.features(), parent.length);
            long roots = 0;
            for (int i = 0; i < parent.length; i++) { assertEquals(src.parentOf(i), parent[i]); if (parent[i] < 0) roots++; }
            assertTrue(roots < parent.length, "the small preset has hierarchies");
        }
        String page = Files.readString(html);
        JsonNode root = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        JsonNode runs = root.get("runs");
        assertEquals(4, runs.size());
        // Each run's headline numbers at its top level, equal to its final snapshot's.
        for (JsonNode run : runs) {
            for (String key : List.of("mcc", "explained_variance", "l0", "absorption")) {
                assertEquals(run.get("final").get(key).asDouble(), run.get(key).asDouble(), 0, key);
            }
            assertTrue(run.has("penalty_active_fraction"));
        }
        // Seeds pair across variants: the same seed trained on the same stream of batches (cfg.json records it).
        for (long seed : List.of(0L, 1L)) {
            String spec = "synthetic:small@0/" + seed;
            for (String v : List.of("topk", "adaptive")) {
                assertTrue(Files.readString(dir.resolve("runs/" + v + "-seed" + seed + "/cfg.json")).contains(spec), v + " seed " + seed + " trains on " + spec);
            }
        }
        // The verdict table as data: adaptive vs topk on MCC, absorption and EV, paired over both seeds.
        JsonNode verdicts = root.get("verdicts");
        assertEquals(3, verdicts.size());
        for (JsonNode v : verdicts) {
            assertEquals("adaptive", v.get("a").asText());
            assertEquals(2, v.get("seeds").asInt());
            assertTrue(List.of("better", "worse", "equivalent", "inconclusive").contains(v.get("verdict").asText()));
            assertEquals(v.get("metric").asText().equals(Snapshot.EV), v.has("within_margin"), "only reconstruction has a margin");
        }
        assertTrue(page.indexOf("<h2>Verdict</h2>") < page.indexOf("<h2>Summary"), "the verdict comes first");
        for (String f : List.of("report.html", "results.json", "plots/pareto-ev-mcc.png", GroundTruthFile.NAME)) {
            assertTrue(Files.getPosixFilePermissions(dir.resolve(f)).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ),
                    f + " is readable by others, not owner-only as a temporary file is created");
        }
        for (String v : List.of("topk", "adaptive")) {
            List<JsonNode> of = new ArrayList<>();
            for (JsonNode run : runs) if (run.get("variant").asText().equals(v)) of.add(run);
            assertEquals(List.of(0L, 1L), of.stream().map(n -> n.get("seed").asLong()).toList());
            for (JsonNode run : of) {
                for (Iterator<Map.Entry<String, JsonNode>> it = run.get("final").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    assertTrue(e.getValue().isNumber() && Double.isFinite(e.getValue().asDouble()), v + " " + e.getKey() + " = " + e.getValue());
                }
                assertEquals(2, run.get("phases").size());
                assertEquals(12, run.get("phases").get(1).get("step").asLong());
                assertEquals(Separation.BINS, run.get("phases").get(0).get("cofiring_histogram").size());
                assertTrue(run.get("curve").size() >= 12);
            }
            // The summary row holds each metric as the spread of the runs' numbers in results.json.
            for (ExperimentReport.Column col : ExperimentReport.SUMMARY) {
                double[] xs = of.stream().mapToDouble(n -> n.get("final").get(col.key()).asDouble()).toArray();
                String cell = "<td>" + SeedSpread.of(xs).format(col.digits()) + "</td>";
                assertTrue(page.contains(cell), v + " " + col.key() + ": " + cell + " not in report.html");
                assertEquals(SeedSpread.of(xs).mean(), root.get("summary").get(v).get(col.key()).get("mean").asDouble(), 1e-12);
            }
        }
        String conclusion = root.get("conclusion").asText();
        assertTrue(conclusion.startsWith("adaptive vs topk: "), conclusion);
        assertTrue(page.contains(HtmlEscape.of(conclusion)), "the conclusion is in the page");
        // Phases come from one uninterrupted run: the λ2 schedule is read at each phase's p.
        JsonNode adaptive0 = runs.get(2);
        assertEquals(0.1 * 0.25, adaptive0.get("phases").get(0).get("lambda2").asDouble(), 1e-12);
        assertEquals(0.0, adaptive0.get("phases").get(1).get("lambda2").asDouble(), 1e-12);
    }

    @Test
    void codesDecodeToWhatTheTrainerReconstructs() {
        SyntheticSource src = new SyntheticSource(SyntheticConfig.small(0));
        SyntheticSource.Batch b = src.batchAt(ExperimentConfig.HELD_OUT_INDEX, 64);
        for (Variant v : Variant.select(List.of("topk", "standard"))) {
            TrainConfig cfg = v.trainConfig(tiny(Path.of("unused"), List.of(v)), src.dim(), 3);
            SaeTrainer t = SaeTrainer.create(cfg);
            float[] x0 = new float[cfg.batch() * cfg.dIn()];
            src.batchAt(0, x0, cfg.batch());
            t.initialize(x0, cfg.batch());
            t.step(x0, cfg.batch());
            Sae.Reconstruction want = t.reconstruct(b.x(), 64);
            SparseCodes c = t.sae().encode(b.x(), 64);
            float[] got = t.sae().decode(c);
            for (int i = 0; i < got.length; i++) assertEquals(want.xHat()[i], got[i], 1e-4, v + " at " + i);
            long firing = 0;
            for (float f : c.val()) if (f > 0) firing++;
            assertEquals(want.l0(), (double) firing / 64, 1e-9, v + " L0");
        }
    }

    @Test
    void defaultVariantsCoverTheBaselinesAndAtLeastThreeSchedules() {
        List<String> ids = Variant.defaults().stream().map(Variant::id).toList();
        assertTrue(ids.containsAll(List.of("topk", "static", "adaptive", "adaptive-min", "adaptive-jaccard", "orthogonal")));
        assertTrue(Variant.all().stream().anyMatch(v -> v.id().equals("standard")), "ReLU + L1 can still be named");
        assertTrue(ids.stream().filter(i -> i.startsWith("adaptive-")).count() >= 3);
        Variant tuned = Variant.select(List.of("adaptive-tuned")).getFirst();
        assertEquals(0.15 * 0.25, tuned.penaltyConfig().lambda2At(0.5), 1e-12);
        assertEquals(0.08 * Math.pow(0.5, 0.2), tuned.penaltyConfig().thresholdAt(0.5), 1e-12);
        ExperimentConfig ten = ExperimentConfig.synthetic(Path.of("x"), Variant.defaults(), List.of(0L), 10, 8, 3, 8, 16, 4, "small", 0, 0.9, ExperimentConfig.DEFAULT_EV_MARGIN);
        assertArrayEquals(new long[] {3, 6, 10}, new long[] {ten.phaseEnd(1), ten.phaseEnd(2), ten.phaseEnd(3)});
    }

    /** The report's HTML escaping, for finding text in the page. */
    static final class HtmlEscape {
        static String of(String s) { return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;"); }
    }
}
