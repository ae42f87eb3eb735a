package saelab.train.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterTry;
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

    private final List<Path> temps = new ArrayList<>();

    private Path temp() throws IOException {
        Path p = Files.createTempDirectory("saelab-resident-test");
        temps.add(p);
        return p;
    }

    @AfterTry
    void cleanUp() throws IOException {
        for (Path p : temps) {
            try (var s = Files.walk(p)) {
                for (Path f : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            }
        }
        temps.clear();
    }

    /**
     * d 64, m 128, k 8, 30 steps × 64 rows: a latent is dead after one batch without firing, so the
     * auxiliary loss runs on some steps and not on others; lr warms up over 5 steps and decays from step 20;
     * clipping at 1.
     */
    static TrainConfig config(long seed, double clip, long checkpointEvery) {
        return config(seed, clip, checkpointEvery, PenaltyConfig.none());
    }

    static TrainConfig config(long seed, double clip, long checkpointEvery, PenaltyConfig penalty) {
        return new TrainConfig(TrainConfig.Architecture.TOPK, 64, 128, 8, 3e-3, 30, 64, seed, 5, 20, 1.0 / 32, 64, 32, 0, 0,
                penalty, clip, 3, checkpointEvery, "synthetic", "t", "t");
    }

    @Property(tries = 12, seed = "4701")
    void aRunThroughTheResidentStepEqualsTheHostRun(@ForAll @IntRange(min = 0, max = 1000) int seed, @ForAll boolean clip,
                                                    @ForAll @IntRange(min = 0, max = 2) int which, @ForAll boolean decoder,
                                                    @ForAll boolean minNorm) {
        TrainConfig cfg = config(seed, clip ? 1.0 : 0, 0, TrainerProperties.penalty(which, decoder, minNorm));
        SyntheticSource src = new SyntheticSource(SyntheticConfig.small(seed));
        SaeParams init = TopKSae.init(new TopKSae.Config(64, 128, 8), seed).params();
        HostDeviceTopKStep dev = new HostDeviceTopKStep(cfg);
        TopKTrainer host = TopKTrainer.on(cfg, init.copy(), null), resident = TopKTrainer.on(cfg, init.copy(), dev);
        float[] x = new float[64 * 64];
        src.batchAt(-1, x, 64);
        host.initialize(x, 64);
        resident.initialize(x, 64);
        int auxSteps = 0, clippedSteps = 0, penalisedSteps = 0;
        for (int s = 0; s < cfg.steps(); s++) {
            src.batchAt(s, x, 64);
            boolean logged = s % 3 == 0; // the penalty's statistics cover every pair only on logged steps
            StepStats h = host.step(x, 64, logged), r = resident.step(x, 64, logged);
            String at = "step " + s;
            // Computed from the same integers or by the same code on bitwise equal state: exact.
            assertEquals(h.step(), r.step(), at);
            assertEquals(h.progress(), r.progress(), at);
            assertEquals(h.lr(), r.lr(), at);
            assertEquals(h.sparsityTerm(), r.sparsityTerm(), at + ": AuxK");
            assertEquals(h.sparsityWeight(), r.sparsityWeight(), at);
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
            // The host sums the squared error in float tensor ops (64 terms per row, then a mean of
            // 64 rows); the resident path sums per-row errors in double. Each float sum of n
            // non-negative terms is within n·2⁻²⁴ relative of exact: (64 + 64)·6e-8 < 1e-5.
            assertEquals(h.recon(), r.recon(), 1e-5 * h.recon(), at + ": recon");
            // The loss adds α·AuxK and λ2·P (the same in both) in float on the host: the same bound.
            assertEquals(h.loss(), r.loss(), 1e-5 * h.loss(), at + ": loss");
            // EV = 1 − res/tot with the same tot; res differs only by rounding each row's sum to
            // float on the device (2⁻²⁴ relative), so |ΔEV| ≤ 6e-8·res/tot, far below 1e-6 while EV > −15.
            assertEquals(h.explainedVariance(), r.explainedVariance(), 1e-6, at + ": explained variance");
            if (h.sparsityTerm() > 0) auxSteps++;
            if (h.gradNorm() > 1.0) clippedSteps++;
            if (h.penaltyTerm() > 0) penalisedSteps++;
        }
        // Not vacuous: the auxiliary loss ran on some steps and not on others (measured: 25–29 of
        // 30), clipping bit, and so did a penalty (18–30 steps).
        assertTrue(auxSteps > 0 && auxSteps < cfg.steps(), "steps with AuxK: " + auxSteps);
        if (clip) assertTrue(clippedSteps > 0, "no step was clipped");
        if (which != 0) assertTrue(penalisedSteps > 0, "the penalty never bit");
        assertEquals(1, dev.uploads, "uploads");
        assertEquals(0, dev.downloads, "nothing read the parameters during the run");
        assertSameState(host, resident);
        assertEquals(1, dev.downloads, "one download for all those reads");
    }

    @Property(tries = 4, seed = "4702")
    void checkpointsAndResumesThroughTheResidentStepEqualTheHostRun(@ForAll @IntRange(min = 1, max = 29) int stopAt,
                                                                    @ForAll @IntRange(min = 0, max = 2) int which) throws IOException {
        SyntheticSource src = new SyntheticSource(SyntheticConfig.small(11));
        PenaltyConfig pen = TrainerProperties.penalty(which, false, true);
        TrainConfig every7 = config(9, 1.0, 7, pen), atEnd = config(9, 1.0, 0, pen);
        Path host = temp(), hostSplit = temp(), resident = temp(), residentAtEnd = temp(), residentSplit = temp(), crossed = temp();

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

    /** Sums the resident path forms in double (see the first property for the bounds). */
    private static final Map<String, Double> RELATIVE = Map.of("loss", 1e-5, "recon_loss", 1e-5);
    private static final Set<String> ABSOLUTE_1E6 = Set.of("explained_variance");

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
                if (RELATIVE.containsKey(f)) assertEquals(x.get(f).asDouble(), y.get(f).asDouble(), RELATIVE.get(f) * Math.abs(x.get(f).asDouble()), at);
                else if (ABSOLUTE_1E6.contains(f)) assertEquals(x.get(f).asDouble(), y.get(f).asDouble(), 1e-6, at);
                else assertEquals(x.get(f), y.get(f), at);
            }
        }
    }
}
