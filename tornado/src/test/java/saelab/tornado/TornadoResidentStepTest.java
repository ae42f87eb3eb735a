package saelab.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import saelab.tensor.backend.Backend;
import saelab.tensor.backend.Backends;
import saelab.train.penalty.kernels.CoFiring;
import saelab.train.optim.AdamOptimizer;
import saelab.train.optim.LrSchedule;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.schedule.Schedules;
import saelab.train.sae.SaeParams;
import saelab.train.source.SyntheticConfig;
import saelab.train.source.SyntheticSource;
import saelab.train.trainer.DeviceTopKStep;
import saelab.train.trainer.SaeTrainer;
import saelab.train.trainer.StepStats;
import saelab.train.arch.TopKArchitecture;
import saelab.train.arch.TopKSettings;
import saelab.train.trainer.TrainConfig;

/**
 * {@link ResidentTopKStep} driven by hand beside SaeTrainer's TopK host step on the CPU backend, from
 * the same initialisation and batches: the device's loss terms must track the host's step by
 * step, through steps with the auxiliary loss (a one-token dead window makes every latent that
 * missed a batch dead), with gradient clipping active, and with either co-firing penalty (its
 * P, pair counts and gradient), on logged (all pairs) and unlogged steps; the state it hands
 * back at the end must be the host's parameters and Adam moments.
 *
 * <p>Tolerance. Device and host sum in different orders (GEMM tiles, per-row loops against the
 * host's vector lanes and posting lists), so pre-activations and gradients differ by ~d·u
 * relative (d = 32, u = 2⁻²⁴: ~2e-6). TopK then picks the same latents unless two
 * pre-activations of a row are that close, and Adam carries the small differences on; over 30
 * steps (64 rows of 512 latents at k = 4, so most latents miss each batch and the auxiliary loss runs) the loss terms stay far within 1e-3 relative and the weights within 1e-3 absolute
 * (entries are O(0.1–1)). A missing or wrong term (aux-k, the projection, the clip, a bias
 * gradient) moves them by percents.
 */
class TornadoResidentStepTest {
    @Test
    void withoutPenaltyTheDeviceStepTracksTheHostStep() {
        tracksTheHostStepAndHandsBackItsState(PenaltyConfig.none());
    }

    @Test
    void withTheActivationOverlapPenaltyTheDeviceStepTracksTheHostStep() {
        tracksTheHostStepAndHandsBackItsState(adaptive(PenaltyConfig.OverlapTarget.ACTIVATION));
    }

    @Test
    void withTheDecoderOverlapPenaltyTheDeviceStepTracksTheHostStep() {
        tracksTheHostStepAndHandsBackItsState(adaptive(PenaltyConfig.OverlapTarget.DECODER));
    }

    /** The adaptive schedules with min-count normalisation, so the penalty is active from the first step. */
    private static PenaltyConfig adaptive(PenaltyConfig.OverlapTarget target) {
        return new PenaltyConfig(PenaltyConfig.Kind.ADAPTIVE, Schedules.parse("quadratic(0.1)"), Schedules.parse("linear(0.1)"),
                target, CoFiring.Normalization.MIN_COUNT);
    }

    private static void tracksTheHostStepAndHandsBackItsState(PenaltyConfig penalty) {
        TornadoBackend tornado = TornadoUnderTest.backend();
        int d = 32, m = 512, k = 4, batch = 64, steps = 30;
        TopKSettings topk = new TopKSettings(k, 1.0 / 32, 16);
        TrainConfig cfg = new TrainConfig(topk, d, m, 3e-3, steps, batch, 7, 3, 20, 1, penalty, 0.5, 10, 0, "synthetic", "test", "test");
        SyntheticSource source = new SyntheticSource(SyntheticConfig.independent(200, d, 3, 1.0, 0.2, 5));
        float[] x = new float[batch * d];
        source.batchAt(-1, x, batch);

        SaeTrainer host = onCpu(() -> SaeTrainer.create(cfg));
        onCpu(() -> { host.initialize(x, batch); return null; });
        SaeParams devParams = host.params().copy();
        AdamOptimizer devAdam = new AdamOptimizer(devParams.list());
        LrSchedule lr = new LrSchedule(cfg.lr(), cfg.steps(), cfg.warmupSteps(), cfg.decayStart());
        long[] since = new long[m];

        try (ResidentTopKStep dev = new ResidentTopKStep(cfg, TopKArchitecture.INSTANCE.resident(topk), tornado.device())) {
            dev.profile();
            dev.upload(devParams, devAdam);
            long stateBytes = 4L * 3 * (2L * d * m + m + d); // parameters and both Adam moments
            // What may move per step: up the batch, coefficients, gates and dead mask (and with a penalty the
            // postings and threshold); down per-row errors, L0, firing flags, scalars (and the codes, the
            // per-work-item penalty statistics). 4 KB of slack for TornadoVM's array headers; the state is
            // several times larger than all of it (and grows with d·m, the batch with B·d).
            long upBound = 4L * (batch * d + StepKernels.HYPER + StepKernels.GATES + m) + 4096
                    + (penalty.active() ? 4L * (2 * m + m + 1 + batch * k) + 8 : 0);
            long downBound = 4L * (3 * batch + m + StepKernels.SCAL) + 4096
                    + (penalty.active() ? 4L * 3 * batch * k + 32L * m : 0); // ≤ m co-firing work-items, 2 doubles + 2 longs each
            int auxSteps = 0, clipped = 0, penalized = 0;
            double worstLoss = 0;
            for (int s = 0; s < steps; s++) {
                source.batchAt(s, x, batch);
                boolean logged = s % 2 == 0;
                StepStats want = onCpu(() -> host.step(x, batch, logged));
                boolean[] dead = new boolean[m];
                int nDead = 0;
                for (int j = 0; j < m; j++) if (dead[j] = since[j] >= cfg.deadTokens()) nDead++;
                int kAux = nDead > 0 ? Math.min(topk.kAux(), nDead) : 0;
                double p = (double) s / steps;
                boolean allPairs = s % 2 == 0; // logged and unlogged steps alike
                DeviceTopKStep.Outcome got = dev.step(x, batch, new DeviceTopKStep.Inputs(lr.at(s), devAdam.advance(), dead, kAux,
                        penalty.lambda2At(p), penalty.thresholdAt(p), allPairs));
                double recon = 0, l0 = 0;
                for (int b = 0; b < batch; b++) { recon += got.rowSquaredError()[b]; l0 += got.kept()[b]; }
                recon /= batch;
                l0 /= batch;
                double penaltyTerm = got.penalty() == null ? 0 : (float) penalty.lambda2At(p) * got.penalty().penalty();
                double loss = recon + (got.auxActive() ? topk.auxkAlpha() * got.auxk() : 0) + penaltyTerm;
                int active = 0;
                for (int j = 0; j < m; j++) {
                    if (got.fired()[j]) { since[j] = 0; active++; } else since[j] += batch;
                }
                String at = "step " + s;
                if (s > 0) { // the first execution also allocates and uploads the device-only scratch
                    assertTrue(dev.lastStepBytesUp <= upBound, at + ": " + dev.lastStepBytesUp + " bytes went up, more than the batch's " + upBound);
                    assertTrue(dev.lastStepBytesDown <= downBound, at + ": " + dev.lastStepBytesDown + " bytes came down, bound " + downBound);
                    assertTrue(dev.lastStepBytesUp > 4L * batch * d, at + ": the profiler saw the batch go up");
                    assertTrue(upBound + downBound < stateBytes / 4, "the bounds exclude the state");
                }
                assertEquals(want.recon(), recon, 1e-3 * want.recon(), at + " recon");
                assertEquals(want.loss(), loss, 1e-3 * want.loss(), at + " loss");
                assertEquals(want.term("auxk"), got.auxk(), 1e-3 * Math.max(want.term("auxk"), 1e-9), at + " AuxK");
                assertEquals(want.l0(), l0, 1e-9, at + " L0");
                assertEquals(want.activeLatents(), active, at + " latents fired");
                assertEquals(want.gradNorm(), got.gradNorm(), 1e-3 * want.gradNorm(), at + " gradient norm");
                worstLoss = Math.max(worstLoss, Math.abs(loss - want.loss()) / want.loss());
                if (penalty.active()) {
                    assertEquals(want.rawPenalty(), got.penalty().penalty(), 1e-3 * Math.max(want.rawPenalty(), 1e-9), at + " penalty P");
                    assertEquals(want.penaltyTerm(), penaltyTerm, 1e-3 * Math.max(want.penaltyTerm(), 1e-9), at + " λ2·P");
                    assertEquals(want.coFiringPairs(), got.penalty().coFiringPairs(), at + " co-firing pairs");
                    assertEquals(want.penalizedPairs(), got.penalty().penalizedPairs(), at + " penalized pairs");
                    if (want.penaltyTerm() > 0) penalized++;
                } else {
                    assertEquals(null, got.penalty(), at + ": no penalty, no co-firing summary");
                }
                if (got.auxActive()) auxSteps++;
                if (want.gradNorm() > cfg.gradClip()) clipped++;
            }
            System.out.printf("resident step (penalty %s, %s) on %s: %d steps, %d with AuxK, %d clipped, %d penalized; "
                    + "largest relative loss difference %.2e; last step moved %d bytes up, %d down (state: %d bytes)%n",
                    PenaltyConfig.name(penalty.kind()), PenaltyConfig.name(penalty.target()), dev.device(), steps, auxSteps, clipped,
                    penalized, worstLoss, dev.lastStepBytesUp, dev.lastStepBytesDown, stateBytes);
            if (penalty.active()) assertTrue(penalized >= steps / 2, "the penalty was active on " + penalized + " steps");
            assertTrue(auxSteps >= steps / 2, "the auxiliary loss was active on " + auxSteps + " steps");
            assertTrue(clipped >= steps / 2, "clipping was active on " + clipped + " steps");
            assertEquals(1, dev.uploads, "the state crossed to the device once");

            dev.download(devParams, devAdam);
            SaeParams hp = host.params();
            for (int p = 0; p < 4; p++) {
                String name = SaeParams.NAMES.get(p);
                assertClose(hp.list().get(p).data(), devParams.list().get(p).data(), 1e-3, name);
                assertClose(host.optimizer().firstMoment(p), devAdam.firstMoment(p), 1e-3, "Adam m of " + name);
                assertClose(host.optimizer().secondMoment(p), devAdam.secondMoment(p), 1e-4, "Adam v of " + name);
            }
        }
    }

    private static void assertClose(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + " length");
        double worst = 0;
        for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]));
        System.out.printf("  %s: largest difference %.2e%n", what, worst);
        assertTrue(worst <= tol, what + ": largest difference " + worst + " > " + tol);
    }

    private static <T> T onCpu(java.util.function.Supplier<T> work) {
        Backend before = Backends.current();
        Backends.use(Backends.cpu());
        try {
            return work.get();
        } finally {
            Backends.use(before);
        }
    }
}
