package saelab.train.trainer;

import saelab.train.TestConfigs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static saelab.train.Props.qt;

import com.fasterxml.jackson.databind.JsonNode;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static saelab.train.Props.qt;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import saelab.train.checkpoint.SaeCheckpoint;
import saelab.train.checkpoint.TrainerState;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.sae.SaeParams;
import saelab.train.sae.TopKSae;
import saelab.train.source.SyntheticConfig;
import saelab.train.source.SyntheticSource;

/**
 * A TopK trainer whose steps run on a {@link DeviceTopKStep} (here {@link HostDeviceTopKStep}, the
 * CPU math on the step's own copies) trains exactly as the host trainer, with or without a
 * co-firing penalty: same statistics, same parameters and Adam state, whatever is read or
 * checkpointed in between, and resumes alike.
 */
class ResidentStepProperties {

    /**
     * d 64, m 128, k 8, 30 steps × 64 rows: a latent is dead after one batch without firing, so the
     * auxiliary loss runs on some steps and not on others; lr warms up over 5 steps and decays from step 20;
     * clipping at 1.
     */
    static TrainConfig config(long seed, double clip, long checkpointEvery) {
        return config(seed, clip, checkpointEvery, PenaltyConfig.none());
    }

    static TrainConfig config(long seed, double clip, long checkpointEvery, PenaltyConfig penalty) {
        return config(new TrainerProperties.Sizes(64, 128, 8, 64), seed, clip, checkpointEvery, penalty);
    }

    static TrainConfig config(TrainerProperties.Sizes sz, long seed, double clip, long checkpointEvery, PenaltyConfig penalty) {
        return TestConfigs.legacy("topk", sz.d(), sz.m(), sz.k(), 3e-3, 30, sz.rows(), seed, 5, 20, 1.0 / 32, sz.rows(),
                Math.max(1, sz.d() / 2), 0, 0, penalty, clip, 3, checkpointEvery, "synthetic", "t", "t");
    }

    /**
     * d 9 to 64 (odd widths and widths off the 8- or 16-float vector among them: the first d columns of the
     * synthetic data), m 40 to 140, k 2 to 8, 17 to 64 rows a step; seeds 0..1000, clipping on
     * or off, every penalty setting: the same statistics step by step and the same final state.
     */
    @Test
    void aRunThroughTheResidentStepEqualsTheHostRun() {
        Gen<TrainerProperties.Sizes> sizes = integers().between(9, 64).zip(integers().between(40, 140), integers().between(2, 8),
                integers().between(17, 64), TrainerProperties.Sizes::new);
        qt(4701, 16).forAll(integers().between(0, 1000), booleans().all(), TrainerProperties.penalties(), sizes).checkAssert((seed, clip, pen, sz) -> {
            int d = sz.d(), rows = sz.rows();
            TrainConfig cfg = config(sz, seed, clip ? 1.0 : 0, 0, pen.config());
            SyntheticSource src = new SyntheticSource(SyntheticConfig.small(seed));
            SaeParams init = TopKSae.init(new TopKSae.Config(d, sz.m(), sz.k()), seed).params();
            HostDeviceTopKStep dev = new HostDeviceTopKStep(cfg);
            SaeTrainer host = SaeTrainer.on(cfg, init.copy(), null), resident = SaeTrainer.on(cfg, init.copy(), dev);
            float[] x = TrainerProperties.columns(src, -1, rows, d);
            host.initialize(x, rows);
            resident.initialize(x, rows);
            int auxSteps = 0, clippedSteps = 0, penalisedSteps = 0;
            // u = 2⁻²⁴. The host sums the squared error in float tensor ops (d terms per row, then a
            // mean of the rows); the resident path sums per-row errors in double after rounding each
            // to float. A float sum of n non-negative terms is within n·u relative of exact, so
            // |Δrecon| ≤ (d + rows + 1)·u·recon; the loss adds α·AuxK and λ2·P (the same in both) in
            // float on the host: two more roundings. These are worst cases; asserted within them.
            double reconBound = reconBound(d, rows), lossBound = lossBound(d, rows);
            for (int s = 0; s < cfg.steps(); s++) {
                x = TrainerProperties.columns(src, s, rows, d);
                boolean logged = s % 3 == 0; // the penalty's statistics cover every pair only on logged steps
                StepStats h = host.step(x, rows, logged), r = resident.step(x, rows, logged);
                String at = "step " + s;
                // Computed from the same integers or by the same code on bitwise equal state: exact.
                assertEquals(h.step(), r.step(), at);
                assertEquals(h.progress(), r.progress(), at);
                assertEquals(h.lr(), r.lr(), at);
                assertEquals(h.term("auxk"), r.term("auxk"), at + ": AuxK");
                assertEquals(h.terms().get(1).weight(), r.terms().get(1).weight(), at + ": auxk_alpha");
                assertEquals(h.penaltyTerm(), r.penaltyTerm(), at + ": λ2·P");
                assertEquals(h.lambda2(), r.lambda2(), at);
                assertEquals(h.threshold(), r.threshold(), at);
                assertEquals(h.rawPenalty(), r.rawPenalty(), at);
                assertEquals(h.coFiringPairs(), r.coFiringPairs(), at);
                assertEquals(h.penalizedPairs(), r.penalizedPairs(), at);
                assertEquals(h.meanC(), r.meanC(), at);
                assertEquals(h.l0(), r.l0(), at + ": L0");
                assertEquals(h.activeLatents(), r.activeLatents(), at);
                assertEquals(h.deadLatents(), r.deadLatents(), at);
                assertEquals(h.gradNorm(), r.gradNorm(), at + ": grad norm"); // NaN for both without clipping
                assertEquals(h.recon(), r.recon(), reconBound * h.recon(), at + ": recon");
                assertEquals(h.loss(), r.loss(), lossBound * h.loss(), at + ": loss");
                assertEquals(h.explainedVariance(), r.explainedVariance(), evBound(h.explainedVariance()), at + ": explained variance");
                if (h.term("auxk") > 0) auxSteps++;
                if (h.gradNorm() > 1.0) clippedSteps++;
                if (h.penaltyTerm() > 0) penalisedSteps++;
            }
            // Not vacuous: the auxiliary loss ran on some steps and not on others (measured at the
            // original d 64, m 128, k 8, 64 rows: 25–29 of 30), clipping bit, and so did a penalty.
            assertTrue(auxSteps > 0 && auxSteps < cfg.steps(), "steps with AuxK: " + auxSteps);
            if (clip) assertTrue(clippedSteps > 0, "no step was clipped");
            if (pen.which() != 0) assertTrue(penalisedSteps > 0, "the penalty never bit");
            assertEquals(1, dev.uploads, "uploads");
            assertEquals(0, dev.downloads, "nothing read the parameters during the run");
            assertSameState(host, resident);
            assertEquals(1, dev.downloads, "one download for all those reads");
        });
    }

    /** Stop after 1 to 29 of 30 steps, with every penalty kind. */
    @Test
    void checkpointsAndResumesThroughTheResidentStepEqualTheHostRun() {
        AtomicInteger runs = new AtomicInteger();
        qt(4702, 6).forAll(integers().between(1, 29), integers().between(0, 2)).checkAssert((stopAt, which) -> {
            runs.incrementAndGet();
            Path host = TrainerProperties.temp(), hostSplit = TrainerProperties.temp(), resident = TrainerProperties.temp(),
                    residentAtEnd = TrainerProperties.temp(), residentSplit = TrainerProperties.temp(), crossed = TrainerProperties.temp();
            try {
                checkpointsAndResumes(stopAt, which, host, hostSplit, resident, residentAtEnd, residentSplit, crossed);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                TrainerProperties.delete(host, hostSplit, resident, residentAtEnd, residentSplit, crossed);
            }
        });
        assertTrue(runs.get() >= 4, "only " + runs.get() + " examples ran");
    }

    private static void checkpointsAndResumes(int stopAt, int which, Path host, Path hostSplit, Path resident, Path residentAtEnd,
                                              Path residentSplit, Path crossed) throws IOException {
        SyntheticSource src = new SyntheticSource(SyntheticConfig.small(11));
        PenaltyConfig pen = TrainerProperties.penalty(which, false, true);
        TrainConfig every7 = config(9, 1.0, 7, pen), atEnd = config(9, 1.0, 0, pen);

        SaeTrainer h = TrainingRun.start(every7, src, TrainingRun.Options.to(host));
        assertTrue(h.engine().startsWith("training step: host"), h.engine());
        TrainingRun.start(every7, src, new TrainingRun.Options(hostSplit, stopAt, null));
        Files.createDirectories(crossed);
        for (String f : List.of(SaeCheckpoint.WEIGHTS, SaeCheckpoint.CONFIG, TrainerState.FILE, TrainingLog.FILE)) {
            Files.copy(hostSplit.resolve(f), crossed.resolve(f));
        }
        SaeTrainer hs = TrainingRun.resume(src, TrainingRun.Options.to(hostSplit));

        try (HostDeviceTopKStep.Scope scope = HostDeviceTopKStep.enable()) {
            SaeTrainer r = TrainingRun.start(every7, src, TrainingRun.Options.to(resident));
            assertTrue(r.engine().startsWith("training step: resident on"), r.engine());
            HostDeviceTopKStep dev = scope.last();
            // Checkpoints at steps 7, 14, 21, 28 and 30 read the state mid-run: one download each.
            assertEquals(1, dev.uploads, "uploads");
            assertEquals(5, dev.downloads, "downloads");
            assertTrue(dev.closed, "the run closed its step");
            SaeTrainer r0 = TrainingRun.start(atEnd, src, TrainingRun.Options.to(residentAtEnd));
            assertEquals(1, scope.last().downloads, "only the final checkpoint read the state");

            TrainingRun.start(every7, src, new TrainingRun.Options(residentSplit, stopAt, null));
            SaeTrainer rs = TrainingRun.resume(src, TrainingRun.Options.to(residentSplit));
            SaeTrainer rc = TrainingRun.resume(src, TrainingRun.Options.to(crossed));
            assertEquals(5, scope.opened().size(), "one step per start or resume");
            for (HostDeviceTopKStep s : scope.opened()) assertTrue(s.closed, "every run closed its step");

            List<String> names = List.of("resident", "resident, checkpoint at end", "host split", "resident split", "host split resumed resident");
            List<SaeTrainer> others = List.of(r, r0, hs, rs, rc);
            for (int i = 0; i < others.size(); i++) {
                int at = i;
                assertDoesNotThrow(() -> assertSameState(h, others.get(at)), names.get(at) + " (stop at " + stopAt + ")");
            }
        }
        for (Path dir : List.of(hostSplit, resident, residentAtEnd, residentSplit, crossed)) {
            assertArrayEquals(Files.readAllBytes(host.resolve(SaeCheckpoint.WEIGHTS)), Files.readAllBytes(dir.resolve(SaeCheckpoint.WEIGHTS)), dir + ": weights");
            assertArrayEquals(Files.readAllBytes(host.resolve(TrainerState.FILE)), Files.readAllBytes(dir.resolve(TrainerState.FILE)), dir + ": trainer state");
        }
        for (Path dir : List.of(resident, residentSplit, crossed)) assertSameLog(host, dir);
    }

    /** Parameters, Adam's moments and t, the firing counters and the step, bit for bit. */
    static void assertSameState(SaeTrainer a, SaeTrainer b) {
        for (int i = 0; i < 4; i++) {
            String name = SaeParams.NAMES.get(i);
            assertArrayEquals(a.params().list().get(i).toArray(), b.params().list().get(i).toArray(), name);
            assertArrayEquals(a.optimizer().firstMoment(i), b.optimizer().firstMoment(i), "Adam m of " + name);
            assertArrayEquals(a.optimizer().secondMoment(i), b.optimizer().secondMoment(i), "Adam v of " + name);
        }
        assertEquals(a.optimizer().steps(), b.optimizer().steps(), "Adam t");
        assertEquals(a.step(), b.step(), "step");
        assertArrayEquals(a.tokensSinceFired(), b.tokensSinceFired(), "tokens since fired");
    }

    /** Relative bound on |Δrecon| between the host and the resident path, u = 2⁻²⁴ (derived in the first property). */
    static double reconBound(int d, int rows) { return (d + rows + 1) * 0x1p-24; }

    /** Relative bound on |Δloss|: recon's, and two more float additions on the host. */
    static double lossBound(int d, int rows) { return (d + rows + 3) * 0x1p-24; }

    /**
     * Absolute bound on |ΔEV|. EV = 1 − res/tot with the same tot (double); the host's res is a
     * double sum of the squared errors, the resident one rounds each row's sum to float first (u
     * relative), so |ΔEV| ≤ u·res/tot = u·(1 − EV), plus double rounding (1e-12 covers it). A
     * batch without variance has EV NaN on both paths.
     */
    static double evBound(double ev) { return Double.isNaN(ev) ? 0 : 0x1p-24 * (1 - ev) + 1e-12; }

    /** Line for line, field for field; wall-clock fields skipped, the double-summed ones within their bounds. */
    private static void assertSameLog(Path want, Path got) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> a = Files.readAllLines(want.resolve(TrainingLog.FILE)), b = Files.readAllLines(got.resolve(TrainingLog.FILE));
        assertEquals(a.size(), b.size(), got + ": log lines");
        for (int i = 0; i < a.size(); i++) {
            JsonNode x = json.readTree(a.get(i)), y = json.readTree(b.get(i));
            assertEquals(x.size(), y.size(), got + " line " + (i + 1) + ": fields");
            for (Iterator<String> it = x.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                String at = got + " line " + (i + 1) + " " + f;
                if (f.equals("elapsed_s") || f.endsWith("per_s")) continue;
                double w = x.get(f).asDouble();
                // The configuration of these runs: d 64, 64 rows.
                if (f.equals("recon_loss")) assertEquals(w, y.get(f).asDouble(), reconBound(64, 64) * Math.abs(w), at);
                else if (f.equals("loss")) assertEquals(w, y.get(f).asDouble(), lossBound(64, 64) * Math.abs(w), at);
                else if (f.equals("explained_variance")) assertEquals(w, y.get(f).asDouble(), evBound(w), at);
                else assertEquals(x.get(f), y.get(f), at);
            }
        }
    }
}
