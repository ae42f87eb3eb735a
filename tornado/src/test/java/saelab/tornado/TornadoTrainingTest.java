package saelab.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import saelab.tensor.backend.Backend;
import saelab.tensor.backend.Backends;
import saelab.train.penalty.kernels.CoFiring;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.schedule.Schedules;
import saelab.train.source.SyntheticConfig;
import saelab.train.source.SyntheticSource;
import saelab.train.trainer.SaeTrainer;
import saelab.train.trainer.StepStats;
import saelab.train.arch.TopKSettings;
import saelab.train.trainer.TrainConfig;

/**
 * A whole TopK SAE training run with the adaptive co-firing penalty (min-count normalisation, so
 * it is active from the start; activation or decoder overlap) on the tornado backend and on the CPU backend, from the same
 * initialisation and data: every kernel the trainer dispatches (encoder GEMM, TopK, co-firing
 * pass and gradient) runs on the device in the first, so the two loss curves must agree.
 *
 * <p>Tolerance. The device GEMM sums in a different order, so pre-activations differ from the
 * CPU's by ≲ d·u relative (d = 32, u = 2⁻²⁴: ~2e-6; the decoder overlap's dot products likewise); TopK then selects the same latents unless two
 * pre-activations of a row lie that close, and Adam carries the tiny weight differences forward.
 * Over 40 steps that stays far below 1e-3 relative on each step's loss; a kernel bug (a wrong
 * selection, a missing gradient term) moves the loss by percents.
 */
class TornadoTrainingTest {
    @Test
    void activationOverlapRunMatchesTheCpuStepByStep() {
        lossesMatchTheCpuRunStepByStep(PenaltyConfig.OverlapTarget.ACTIVATION, false);
    }

    @Test
    void decoderOverlapRunMatchesTheCpuStepByStep() {
        lossesMatchTheCpuRunStepByStep(PenaltyConfig.OverlapTarget.DECODER, false);
    }

    /** The trainer's own choice on the tornado backend: the resident step, reading the state back mid-run. */
    @Test
    void residentRunThroughTheTrainerMatchesTheCpuStepByStep() {
        lossesMatchTheCpuRunStepByStep(PenaltyConfig.OverlapTarget.ACTIVATION, true);
    }

    /**
     * @param resident false: the host step with its kernels offloaded one by one (SaeTrainer.on
     *                 without a device step); true: SaeTrainer.create, which takes the resident step
     */
    private static void lossesMatchTheCpuRunStepByStep(PenaltyConfig.OverlapTarget target, boolean resident) {
        TornadoBackend tornado = TornadoUnderTest.backend();
        PenaltyConfig penalty = new PenaltyConfig(PenaltyConfig.Kind.ADAPTIVE, Schedules.parse("quadratic(0.1)"),
                Schedules.parse("linear(0.1)"), target, CoFiring.Normalization.MIN_COUNT);
        int d = 32, m = 128, k = 8, batch = 256;
        int steps = 40;
        TrainConfig cfg = new TrainConfig(new TopKSettings(k, 1.0 / 32, d / 2), d, m, 3e-3, steps, batch, 7, 2, 32,
                20L * batch, penalty, 1.0, 10, 0, "synthetic", "test", "test");
        SyntheticConfig data = SyntheticConfig.independent(200, d, 3, 1.0, 0.2, 5);
        double[] cpu = run(cfg, data, Backends.cpu(), false);
        long t0 = System.nanoTime();
        long gemms = tornado.gemmOnDevice, topKs = tornado.topKOnDevice, coFirings = tornado.coFiringOnDevice;
        double[] dev = run(cfg, data, tornado, resident);
        if (resident) {
            // The whole step ran in the resident task graph: the per-kernel backend was not called.
            assertEquals(0, tornado.gemmOnDevice - gemms, "no per-call GEMM");
            assertEquals(0, tornado.topKOnDevice - topKs, "no per-call TopK");
        } else {
            // Each step: the encoder GEMM, TopK and the penalty's pass ran on the device, not on a CPU fallback.
            assertTrue(tornado.gemmOnDevice - gemms >= steps, "encoder GEMMs on the device");
            assertTrue(tornado.topKOnDevice - topKs >= steps, "TopK on the device");
            assertTrue(tornado.coFiringOnDevice - coFirings >= steps, "co-firing passes on the device");
        }
        System.out.printf("training run (%s overlap, %s) on %s: %d steps in %.1f s; final loss cpu %.6f tornado %.6f%n",
                target, resident ? "resident step" : "per-kernel", tornado.device(), steps, (System.nanoTime() - t0) / 1e9,
                cpu[cpu.length - 1], dev[dev.length - 1]);
        double worst = 0;
        for (int s = 0; s < steps; s++) {
            assertEquals(cpu[s], dev[s], 1e-3 * Math.abs(cpu[s]), "loss at step " + s);
            worst = Math.max(worst, Math.abs(cpu[s] - dev[s]) / Math.abs(cpu[s]));
        }
        System.out.printf("largest relative loss difference over the run: %.2e%n", worst);
        assertTrue(cpu[steps - 1] < cpu[0], "the run trains (loss falls), so the comparison is not of constants");
    }

    private static double[] run(TrainConfig cfg, SyntheticConfig data, Backend backend, boolean resident) {
        Backend before = Backends.current();
        Backends.use(backend);
        try (SaeTrainer t = resident ? SaeTrainer.create(cfg)
                : SaeTrainer.on(cfg, cfg.architecture().create(cfg, cfg.seed()).params(), null)) {
            if (resident) assertTrue(t.engine().contains("resident on"), "the trainer chose the resident step: " + t.engine());
            SyntheticSource source = new SyntheticSource(data);
            float[] x = new float[cfg.batch() * cfg.dIn()];
            source.batchAt(-1, x, cfg.batch());
            t.initialize(x, cfg.batch());
            double[] loss = new double[(int) cfg.steps()];
            for (int s = 0; s < cfg.steps(); s++) {
                source.batchAt(s, x, cfg.batch());
                StepStats st = t.step(x, cfg.batch(), true);
                loss[s] = st.loss();
                // A read mid-run (a checkpoint, a metric) brings the state down; the run goes on from the device.
                if (s == cfg.steps() / 2) assertTrue(Float.isFinite(t.params().wDec().data()[0]));
            }
            return loss;
        } finally {
            Backends.use(before);
        }
    }
}
