package saelab.train.trainer;

import saelab.train.TestConfigs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import saelab.tensor.backend.Backends;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.sae.SaeParams;
import saelab.train.sae.TopKSae;
import saelab.train.source.SyntheticConfig;
import saelab.train.source.SyntheticSource;

/** Which step a trainer gets and what it says about it; when a resident step moves state up and down. */
class DeviceStepsTest {

    private static final TrainConfig PLAIN = ResidentStepProperties.config(3, 1.0, 0);
    private static final TrainConfig PENALISED = TrainerTestSupport.topk(64, 128, 8, 30, 64, 3, PenaltyConfig.adaptiveDefault());
    private static final String HOST = "training step: host autograd, kernels on cpu";

    private final List<Path> temps = new ArrayList<>();

    @AfterEach
    void cleanUp() throws IOException {
        for (Path p : temps) {
            try (var s = Files.walk(p)) {
                for (Path f : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            }
        }
    }

    /** A factory that counts how often it is asked and answers as told. */
    private static final class Counting implements DeviceTopKStep.Factory {
        final DeviceTopKStep.Opening answer;
        final RuntimeException failure;
        int asked;

        Counting(DeviceTopKStep.Opening answer, RuntimeException failure) {
            this.answer = answer;
            this.failure = failure;
        }

        @Override public DeviceTopKStep.Opening open(TrainConfig cfg, DeviceTopKStep.TopK topk, saelab.tensor.backend.Backend backend) {
            asked++;
            if (failure != null) throw failure;
            return answer;
        }
    }

    @Test
    void withoutAnyFactoryTheStepIsTheHostsAndTheLineSaysNoMore() {
        DeviceSteps.Choice c = DeviceSteps.choose(PLAIN, Backends.cpu(), List.of(), null);
        assertNull(c.step());
        assertEquals(HOST, c.engine());
    }

    @Test
    void aPenalisedConfigurationIsOfferedToTheFactoriesLikeAnyOther() {
        // The resident step computes the co-firing penalty too; a factory that cannot says so itself.
        HostDeviceTopKStep step = new HostDeviceTopKStep(PENALISED);
        Counting f = new Counting(DeviceTopKStep.Opening.of(step), null);
        DeviceSteps.Choice c = DeviceSteps.choose(PENALISED, Backends.cpu(), List.of(f), null);
        assertSame(step, c.step());
        assertEquals(1, f.asked);
        Counting refuses = new Counting(DeviceTopKStep.Opening.no("no pair pass on this device"), null);
        DeviceSteps.Choice no = DeviceSteps.choose(PENALISED, Backends.cpu(), List.of(refuses), null);
        assertNull(no.step());
        assertTrue(no.engine().startsWith(HOST + " (") && no.engine().contains("no pair pass on this device"), no.engine());
    }

    @Test
    void aStandardSaeStaysOnTheHostAndSaysWhy() {
        TrainConfig relu = TestConfigs.legacy("standard", 64, 128, 8, 3e-3, 30, 64, 3, 5, 20, 0, 128, 32, 0.04, 10,
                PenaltyConfig.none(), 1.0, 3, 0, "synthetic", "t", "t");
        Counting f = new Counting(DeviceTopKStep.Opening.of(new HostDeviceTopKStep(PLAIN)), null);
        DeviceSteps.Choice c = DeviceSteps.choose(relu, Backends.cpu(), List.of(f), null);
        assertNull(c.step());
        assertEquals(0, f.asked);
        assertTrue(c.engine().contains("resident step unavailable: the standard SAE has none"), c.engine());
    }

    @Test
    void theFirstFactoryWithAStepWinsAndTheOthersReasonsAreKeptWhenNoneHasOne() {
        Counting refuses = new Counting(DeviceTopKStep.Opening.no("backend cpu is not tornado"), null);
        Counting fails = new Counting(null, new IllegalStateException("driver gone"));
        HostDeviceTopKStep step = new HostDeviceTopKStep(PLAIN);
        Counting offers = new Counting(DeviceTopKStep.Opening.of(step), null), after = new Counting(DeviceTopKStep.Opening.of(step), null);

        DeviceSteps.Choice c = DeviceSteps.choose(PLAIN, Backends.cpu(), List.of(refuses, fails, offers, after), null);
        assertSame(step, c.step());
        assertEquals("training step: resident on " + step.device() + " (parameters and Adam state stay on the device)", c.engine());
        assertEquals(0, after.asked, "asked no further once one had a step");

        DeviceSteps.Choice none = DeviceSteps.choose(PLAIN, Backends.cpu(), List.of(refuses, fails), null);
        assertNull(none.step());
        assertTrue(none.engine().startsWith(HOST + " (resident step unavailable: "), none.engine());
        assertTrue(none.engine().contains("backend cpu is not tornado") && none.engine().contains("driver gone"), none.engine());
    }

    @Test
    void theEscapeHatchForcesTheHostAndIsNamedInTheLine() {
        assertEquals("SAELAB_RESIDENT=0", DeviceSteps.switchedOff(null, "0"));
        assertEquals("-Dsaelab.resident=false", DeviceSteps.switchedOff("false", "1"));
        assertNull(DeviceSteps.switchedOff("true", "0"), "the property wins over the environment");
        assertNull(DeviceSteps.switchedOff(null, null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceSteps.switchedOff(null, "maybe"));
        assertTrue(e.getMessage().contains("SAELAB_RESIDENT=maybe"), e.getMessage());

        Counting offers = new Counting(DeviceTopKStep.Opening.of(new HostDeviceTopKStep(PLAIN)), null);
        DeviceSteps.Choice c = DeviceSteps.choose(PLAIN, Backends.cpu(), List.of(offers), "SAELAB_RESIDENT=0");
        assertNull(c.step());
        assertEquals(0, offers.asked);
        assertTrue(c.engine().startsWith(HOST) && c.engine().contains("SAELAB_RESIDENT=0"), c.engine());
    }

    @Test
    void theClassPathsFactoryIsFoundWithServiceLoader() {
        // The test double is registered in META-INF/services and off unless enabled on this thread.
        assertTrue(SaeTrainer.create(PLAIN).engine().contains(HostDeviceTopKStep.Factory.OFF), SaeTrainer.create(PLAIN).engine());
        try (HostDeviceTopKStep.Scope scope = HostDeviceTopKStep.enable(); SaeTrainer t = SaeTrainer.create(PLAIN)) {
            assertEquals(1, scope.opened().size());
            assertEquals(DeviceSteps.resident(scope.last()).engine(), t.engine());
            try (SaeTrainer r = SaeTrainer.on(PLAIN, TopKSae.init(new TopKSae.Config(64, 128, 8), 1).params(), null)) {
                assertEquals(HOST, r.engine(), "an explicit host trainer, whatever the class path offers");
            }
            assertEquals(1, scope.opened().size(), "nothing opened for the explicit host trainer");
        }
    }

    @Test
    void aResidentStepThatLeavesOutThePenaltysSummaryIsRefused() {
        HostDeviceTopKStep forgetful = new HostDeviceTopKStep(PENALISED) {
            @Override public Outcome step(float[] x, int rows, Inputs in) {
                Outcome o = super.step(x, rows, in);
                return new Outcome(o.rowSquaredError(), o.auxk(), o.auxActive(), o.gradNorm(), o.kept(), o.fired());
            }
        };
        SaeTrainer t = SaeTrainer.on(PENALISED, TopKSae.init(new TopKSae.Config(64, 128, 8), 1).params(), forgetful);
        float[] x = new float[64 * 64];
        new SyntheticSource(SyntheticConfig.small(3)).batchAt(0, x, 64);
        var e = assertThrows(IllegalStateException.class, () -> t.step(x, 64));
        assertTrue(e.getMessage().contains("no co-firing summary"), e.getMessage());
    }

    @Test
    void stateMovesOnlyWhenTheOtherSideIsBehind() {
        SyntheticSource src = new SyntheticSource(SyntheticConfig.small(3));
        HostDeviceTopKStep dev = new HostDeviceTopKStep(PLAIN);
        SaeTrainer t = SaeTrainer.on(PLAIN, TopKSae.init(new TopKSae.Config(64, 128, 8), 3).params(), dev);
        float[] x = new float[64 * 64];
        src.batchAt(-1, x, 64);
        t.initialize(x, 64);
        assertEquals(0, dev.uploads, "nothing goes up before a step");
        for (int s = 0; s < 20; s++) {
            src.batchAt(s, x, 64);
            t.step(x, 64);
        }
        assertEquals(1, dev.uploads, "one upload for 20 steps");
        assertEquals(0, dev.downloads, "no reads, no downloads");

        t.params();
        assertEquals(1, dev.downloads, "a read after a step downloads");
        t.params();
        t.optimizer();
        t.sae();
        t.evaluate(x, 64);
        assertEquals(1, dev.downloads, "reads without a step in between do not");

        src.batchAt(20, x, 64);
        t.step(x, 64);
        assertEquals(1, dev.uploads, "the device stayed current through the reads");
        t.reconstruct(x, 64);
        assertEquals(2, dev.downloads, "reconstruct reads the parameters");

        // restore and initialize change the host: the next step uploads again, and only then.
        AdamStateCopy a = AdamStateCopy.of(t);
        t.restore(t.step(), a.steps, a.first, a.second, t.tokensSinceFired().clone());
        assertEquals(2, dev.downloads, "the host was already current");
        assertEquals(1, dev.uploads);
        src.batchAt(21, x, 64);
        t.step(x, 64);
        assertEquals(2, dev.uploads, "restore made the device stale");
        t.initialize(x, 64);
        assertEquals(3, dev.downloads, "initialize brings the host up to date before it writes b_dec");
        src.batchAt(22, x, 64);
        t.step(x, 64);
        assertEquals(3, dev.uploads, "initialize made the device stale");
        assertEquals(23, dev.steps);

        src.batchAt(23, x, 64);
        t.step(x, 64);
        assertTrue(t.resident(), "a device step runs the updates");
        t.close();
        assertTrue(dev.closed);
        assertFalse(t.resident(), "after close the host runs them");
        assertEquals(4, dev.downloads, "close hands the state back first");
        src.batchAt(24, x, 64);
        StepStats after = t.step(x, 64);
        assertEquals(24, dev.steps, "after close the trainer steps on the host");
        assertEquals(24, after.step());
        assertFalse(Double.isNaN(after.loss()));
    }

    @Test
    void aBatchOfAnotherSizeStepsOnTheHostAndTheDeviceTakesItsResultNext() {
        SyntheticSource src = new SyntheticSource(SyntheticConfig.small(3));
        SaeParams init = TopKSae.init(new TopKSae.Config(64, 128, 8), 5).params();
        HostDeviceTopKStep dev = new HostDeviceTopKStep(PLAIN);
        SaeTrainer t = SaeTrainer.on(PLAIN, init.copy(), dev);
        SaeTrainer host = SaeTrainer.on(PLAIN, init.copy(), null);
        float[] x = new float[64 * 64];
        for (int s = 0; s < 3; s++) {
            int rows = s == 1 ? 40 : 64; // step 1 has a short batch, which the device step was not built for
            src.batchAt(s, x, 64);
            StepStats a = t.step(x, rows), b = host.step(x, rows);
            assertEquals(b.loss(), a.loss(), 1e-5 * b.loss(), "loss at step " + s);
        }
        assertEquals(2, dev.steps, "the short batch did not go to the device");
        assertEquals(2, dev.uploads, "the host's update of the short batch went up before the next device step");
        // Same arithmetic on both sides, and sums that do not depend on JIT timing (VectorOps.sumLanes): equal bits.
        assertArrayEquals(host.params().wDec().data(), t.params().wDec().data(), "same decoder as the host run");
    }

    @Test
    void aRunWithoutReadsUploadsOnceAndDownloadsForItsOneCheckpoint() throws IOException {
        Path dir = Files.createTempDirectory("saelab-resident-test");
        temps.add(dir);
        TrainConfig cfg = TestConfigs.legacy("topk", 64, 128, 8, 3e-3, 20, 64, 3, 5, 20, 1.0 / 32, 128, 32, 0, 0,
                PenaltyConfig.none(), 1.0, 5, 0, "synthetic", "t", "t");
        List<String> started = new ArrayList<>();
        TrainingRun.Listener listener = new TrainingRun.Listener() {
            @Override public void onStep(StepStats stats, long tokens, double seconds) {}
            @Override public void onStart(SaeTrainer trainer) { started.add(trainer.engine()); }
        };
        try (HostDeviceTopKStep.Scope scope = HostDeviceTopKStep.enable()) {
            SaeTrainer t = TrainingRun.start(cfg, new SyntheticSource(SyntheticConfig.small(3)), new TrainingRun.Options(dir, 0, listener));
            HostDeviceTopKStep dev = scope.last();
            assertEquals(List.of(t.engine()), started, "the listener heard of the engine once, before the steps");
            assertEquals(20, dev.steps);
            assertEquals(1, dev.uploads);
            assertEquals(1, dev.downloads);
            assertTrue(dev.closed);
            assertNotNull(t.params());
            assertEquals(1, dev.downloads, "the closed trainer holds the final state on the host");
        }
    }

    /** A copy of a trainer's Adam state, to restore it unchanged. */
    private record AdamStateCopy(long steps, float[][] first, float[][] second) {
        static AdamStateCopy of(SaeTrainer t) {
            float[][] m = new float[4][], v = new float[4][];
            for (int i = 0; i < 4; i++) { m[i] = t.optimizer().firstMoment(i).clone(); v[i] = t.optimizer().secondMoment(i).clone(); }
            return new AdamStateCopy(t.optimizer().steps(), m, v);
        }
    }
}
