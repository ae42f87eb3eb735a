package saelab.train.trainer;

import saelab.tensor.backend.Backends;
import saelab.tensor.kernels.CoFiring;
import saelab.train.optim.GeometricMedian;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.sae.DecoderNorms;
import saelab.train.sae.SaeParams;
import saelab.train.sae.SparseEncoder;
import saelab.train.sae.TopKSae;

/**
 * dictionary_learning's TopK trainer, with the co-firing penalty added to its loss
 * ({@link TopKLoss}): b_dec starts at the geometric median of a batch; decoder rows stay unit
 * norm, with each row's gradient component along the row removed before the step (so Adam does
 * not spend its step on a radial move the projection would undo) and rows renormalised after.
 *
 * <p>With a {@link DeviceTopKStep} the whole update (co-firing penalty included) runs on the device,
 * which keeps the parameters and Adam's moments between steps: they go up before the first step
 * and after every host-side change ({@link #initialize}, {@link #restore}), and come back only
 * when read ({@link #params}, {@link #optimizer}, {@link #reconstruct}, {@link #sae}), once per
 * read after a step. The firing counters, the step and Adam's t stay on the host.
 */
public final class TopKTrainer extends SaeTrainer {
    private final TopKSae sae;
    private final TopKLoss.Settings settings;
    /** The resident step, or null: the host path (also after {@link #close}). */
    private DeviceTopKStep device;
    /** The device holds the host's latest parameters and moments (false until the first upload). */
    private boolean deviceCurrent;
    /** The host copies equal the device's (false after a device step until a download). */
    private boolean hostCurrent = true;

    TopKTrainer(TrainConfig cfg, SaeParams params, DeviceSteps.Choice engine) {
        super(cfg, params, engine.engine());
        this.sae = new TopKSae(new TopKSae.Config(cfg.dIn(), cfg.dSae(), cfg.k()), params);
        this.settings = new TopKLoss.Settings(cfg.penalty(), cfg.auxkAlpha(), cfg.kAux(), cfg.seed());
        String noDevice = DeviceSteps.hostOnly(cfg);
        if (engine.step() != null && noDevice != null) {
            throw new IllegalArgumentException("this configuration cannot run on a resident step (" + noDevice + "); pass no step to train on the host");
        }
        this.device = engine.step();
    }

    static TopKTrainer fresh(TrainConfig cfg, DeviceSteps.Choice engine) {
        return new TopKTrainer(cfg, TopKSae.init(new TopKSae.Config(cfg.dIn(), cfg.dSae(), cfg.k()), cfg.seed()).params(), engine);
    }

    /**
     * A trainer around these parameters whose steps run on {@code step}, or on the host when it is
     * null, whatever the class path offers (tests, and timing one path against the other). The
     * trainer owns the step: {@link #close} closes it.
     */
    public static TopKTrainer on(TrainConfig cfg, SaeParams params, DeviceTopKStep step) {
        if (cfg.architecture() != TrainConfig.Architecture.TOPK) throw new IllegalArgumentException("a TopK trainer needs a topk configuration, got " + cfg.architecture().saeLensName());
        return new TopKTrainer(cfg, params, step == null ? DeviceSteps.host(Backends.current(), null) : DeviceSteps.resident(step));
    }

    /** The SAE over the current parameters (downloaded first when a device step holds newer ones). */
    public TopKSae sae() { syncToHost(); return sae; }

    @Override public void initialize(float[] x, int rows) {
        syncToHost();
        float[] median = GeometricMedian.of(x, rows, cfg.dIn(), 100, 1e-5);
        System.arraycopy(median, 0, params.bDec().data(), 0, cfg.dIn());
        hostChanged();
    }

    /**
     * On the device when there is one: Adam's t advances here, the device applies the update, and
     * the statistics are rebuilt from its outcome as {@link #lossAndBackward} reports them on the
     * host (recon and explained variance summed in double from its per-row errors, so they may
     * differ from the host's float sums in the last bits; the parameters do not depend on them).
     */
    @Override protected StepStats update(float[] x, int rows, long step, double p, double lr, boolean allPairs) {
        if (device == null) return super.update(x, rows, step, p, lr, allPairs);
        if (rows != cfg.batch()) {
            // A device step is built for the configured batch; another size (a caller's odd batch) runs
            // on the host from the current state, and the device takes the result at the next step.
            syncToHost();
            StepStats s = super.update(x, rows, step, p, lr, allPairs);
            hostChanged();
            return s;
        }
        if (!deviceCurrent) {
            device.upload(params, adam);
            deviceCurrent = true;
        }
        boolean[] dead = deadMask();
        int nDead = 0;
        for (boolean b : dead) if (b) nDead++;
        // TopKLoss's condition for the auxiliary term; the device may still find the residual without variance (auxActive false).
        int kAux = cfg.auxkAlpha() > 0 && nDead > 0 ? Math.min(cfg.kAux(), nDead) : 0;
        PenaltyConfig pen = cfg.penalty();
        double lambda2 = pen.lambda2At(p), threshold = pen.thresholdAt(p);
        hostCurrent = false;
        DeviceTopKStep.Outcome o = device.step(x, rows, new DeviceTopKStep.Inputs(lr, adam.advance(), dead, kAux, lambda2, threshold, allPairs));
        requireShape(o, rows);
        CoFiring.Summary cs = o.penalty();
        if (pen.active() && cs == null) throw new IllegalStateException("the resident step on " + device.device() + " returned no co-firing summary for a penalised run");
        int active = recordFiring(o.fired(), rows);
        double residual = 0;
        for (int b = 0; b < rows; b++) residual += o.rowSquaredError()[b];
        long kept = 0;
        for (int n : o.kept()) kept += n;
        double recon = residual / rows;
        // λ2·P rounded to float, as CoFiringPenalty records the term on the host.
        double penaltyTerm = pen.active() ? (float) (lambda2 * cs.penalty()) : 0;
        double loss = recon + (o.auxActive() ? cfg.auxkAlpha() * o.auxk() : 0) + penaltyTerm;
        return new StepStats(step, p, lr, loss, recon, o.auxActive() ? o.auxk() : 0, cfg.auxkAlpha(), penaltyTerm,
                lambda2, threshold, cs == null ? 0 : cs.penalty(), cs == null ? 0 : cs.coFiringPairs(),
                cs == null ? 0 : cs.penalizedPairs(), cs == null ? 0 : cs.meanC(),
                (double) kept / rows, explainedVariance(residual, squaredDeviation(x, rows, cfg.dIn())), active, deadCount(),
                cfg.gradClip() > 0 ? o.gradNorm() : Double.NaN);
    }

    private void requireShape(DeviceTopKStep.Outcome o, int rows) {
        if (o.rowSquaredError().length != rows || o.kept().length != rows || o.fired().length != cfg.dSae()) {
            throw new IllegalStateException("the resident step on " + device.device() + " returned " + o.rowSquaredError().length
                    + " row errors, " + o.kept().length + " row L0s and " + o.fired().length + " firing flags; expected "
                    + rows + ", " + rows + " and m = " + cfg.dSae());
        }
    }

    @Override protected void syncToHost() {
        if (device != null && !hostCurrent) {
            device.download(params, adam);
            hostCurrent = true;
        }
    }

    @Override protected void hostChanged() { deviceCurrent = false; }

    @Override public boolean resident() { return device != null; }

    /** Downloads what the device holds, frees it, and leaves this trainer on the host path. */
    @Override public void close() {
        if (device == null) return;
        try {
            syncToHost();
        } finally {
            device.close();
            device = null;
        }
    }

    @Override protected StepStats lossAndBackward(float[] x, int rows, long step, double p, boolean allPairs) {
        TopKLoss.Terms t = TopKLoss.compute(sae, x, rows, step, p, settings, deadMask(), allPairs);
        t.total().backward();
        SparseEncoder.Selection sel = t.forward().selection();
        boolean[] fired = new boolean[cfg.dSae()];
        float[] v = sel.values();
        int[] idx = sel.indices();
        for (int i = 0; i < v.length; i++) if (v[i] > 0) fired[idx[i]] = true;
        int active = recordFiring(fired, rows);
        CoFiring.Summary cs = t.penalty() == null ? null : t.penalty().summary();
        // The orthogonal penalty reports its weight γ as λ2 and Q as the raw penalty; it has no threshold or pairs.
        double weight = t.penalty() != null ? t.penalty().lambda2() : t.orthogonal() != null ? t.orthogonal().weight() : 0;
        double raw = cs != null ? cs.penalty() : t.orthogonal() != null ? t.orthogonal().maxCosSquared() : 0;
        return new StepStats(step, p, 0, t.total().item(), t.recon(), t.auxk(), cfg.auxkAlpha(), t.penaltyTerm(),
                weight, t.penalty() == null ? 0 : t.penalty().threshold(),
                raw, cs == null ? 0 : cs.coFiringPairs(), cs == null ? 0 : cs.penalizedPairs(),
                cs == null ? 0 : cs.meanC(), SparseEncoder.l0(sel),
                explainedVariance(x, t.forward().reconstruction().data(), rows, cfg.dIn()), active, deadCount(), 0);
    }

    @Override public Reconstruction reconstruct(float[] x, int rows) {
        syncToHost();
        try (var g = saelab.tensor.NoGrad.enter()) {
            TopKSae.Forward f = sae.forward(x, rows);
            return new Reconstruction(f.reconstruction().toArray(), SparseEncoder.l0(f.selection()));
        }
    }

    @Override protected void beforeUpdate() {
        float[] g = params.wDec().gradData();
        if (g != null) DecoderNorms.removeParallelComponent(params.wDec().data(), g, cfg.dSae(), cfg.dIn());
    }

    @Override protected void afterUpdate() {
        DecoderNorms.normalizeRows(params.wDec().data(), cfg.dSae(), cfg.dIn(), 1f);
    }
}
