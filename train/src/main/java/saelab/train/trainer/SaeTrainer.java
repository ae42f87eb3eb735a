package saelab.train.trainer;

import saelab.tensor.Tensor;
import saelab.tensor.backend.Backends;
import saelab.tensor.kernels.Parallel;
import saelab.tensor.kernels.ReusableArrays;
import saelab.train.penalty.kernels.CoFiring;
import saelab.train.arch.Loss;
import saelab.train.arch.Sae;
import saelab.train.arch.StepContext;
import saelab.train.optim.AdamOptimizer;
import saelab.train.optim.LrSchedule;
import saelab.train.penalty.CoFiringPenalty;
import saelab.train.penalty.Penalties;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.sae.SaeParams;

/**
 * Trains an SAE of any architecture, one optimiser step at a time: zero the gradients, the
 * architecture's loss ({@link Sae#loss}) plus the orthogonality penalty when the run has one,
 * backward, the architecture's gradient surgery ({@link Sae#beforeUpdate}; the TopK family's removal of the
 * decoder gradient's radial part, {@link Sae#unitRowsTangent}, inside the update's passes), global-norm
 * clipping, Adam at the scheduled lr, its projection ({@link Sae#afterUpdate}). The step
 * counter, Adam's moments and the tokens since each latent fired are the whole state besides
 * the parameters.
 *
 * <p>An architecture that is {@link saelab.train.arch.SaeArchitecture#residentCapable} may run the
 * whole update on a {@link DeviceTopKStep} (parameters and Adam's moments resident on an
 * accelerator). The host copies may then lag behind; every public reader ({@link #params},
 * {@link #optimizer}, {@link #sae}, {@link #reconstruct}, {@link #evaluate}) brings them up to
 * date first, and every host-side change ({@link #initialize}, {@link #restore}) is announced so
 * that the device takes it up before the next step. {@link #close} releases such a device (the
 * trainer then goes on on the host); for a host-only trainer it does nothing.
 */
public final class SaeTrainer implements AutoCloseable {
    private final TrainConfig cfg;
    private final Sae sae;
    private final SaeParams params;
    private final AdamOptimizer adam;
    private final LrSchedule lrSchedule;
    /** Tokens since each latent last fired (dictionary_learning's num_tokens_since_fired). */
    private final long[] tokensSinceFired;
    private long step;
    /** How the step runs, in one line for the user ({@link #engine}). */
    private final String engine;
    /** The resident step, or null: the host path (also after {@link #close}). */
    private DeviceTopKStep device;
    /** What the resident step needs of the settings (null without one). */
    private final DeviceTopKStep.TopK residentSpec;
    /** The device holds the host's latest parameters and moments (false until the first upload). */
    private boolean deviceCurrent;
    /** The host copies equal the device's (false after a device step until a download). */
    private boolean hostCurrent = true;

    private SaeTrainer(TrainConfig cfg, Sae sae, DeviceSteps.Choice engine) {
        if (sae.architecture() != cfg.architecture()) {
            throw new IllegalArgumentException("the SAE is " + sae.architecture().name() + " but the configuration " + cfg.architecture().name());
        }
        if (sae.dIn() != cfg.dIn() || sae.dSae() != cfg.dSae()) {
            throw new IllegalArgumentException("the SAE is " + sae.dIn() + "×" + sae.dSae() + " but the configuration " + cfg.dIn() + "×" + cfg.dSae());
        }
        this.cfg = cfg;
        this.sae = sae;
        this.params = sae.params();
        this.adam = new AdamOptimizer(params.list());
        this.lrSchedule = new LrSchedule(cfg.lr(), cfg.steps(), cfg.warmupSteps(), cfg.decayStart());
        this.tokensSinceFired = new long[params.dSae()];
        this.engine = engine.engine();
        if (engine.step() != null) {
            if (!cfg.architecture().residentCapable()) throw new IllegalArgumentException("the " + cfg.architecture().name() + " SAE has no resident device step");
            String noDevice = DeviceSteps.hostOnly(cfg);
            if (noDevice != null) throw new IllegalArgumentException("this configuration cannot run on a resident step (" + noDevice + "); pass no step to train on the host");
        }
        this.device = engine.step();
        this.residentSpec = cfg.architecture().residentCapable() ? cfg.architecture().resident(cfg.settings()) : null;
    }

    /**
     * A fresh trainer; its steps run resident on a device when the architecture can and
     * {@link DeviceSteps} finds one (see {@link #engine}). {@link #close} it, or let
     * {@link TrainingRun} do so, to free that device's memory before the process ends.
     */
    public static SaeTrainer create(TrainConfig cfg) {
        return new SaeTrainer(cfg, cfg.architecture().create(cfg, cfg.seed()), DeviceSteps.choose(cfg));
    }

    /** Builds the trainer around an SAE (resume, or fine-tuning a checkpoint); the engine as {@link #create}. */
    public static SaeTrainer of(TrainConfig cfg, Sae sae) {
        return new SaeTrainer(cfg, sae, DeviceSteps.choose(cfg));
    }

    /** Builds the trainer around a copy of these parameters (checkpoint order, as the architecture restores them). */
    public static SaeTrainer of(TrainConfig cfg, SaeParams params) {
        return of(cfg, restore(cfg, params));
    }

    /**
     * A trainer around a copy of these parameters whose steps run on {@code step}, or on the host
     * when it is null, whatever the class path offers (tests, and timing one path against the
     * other). The trainer owns the step: {@link #close} closes it.
     */
    public static SaeTrainer on(TrainConfig cfg, SaeParams params, DeviceTopKStep step) {
        return new SaeTrainer(cfg, restore(cfg, params), step == null ? DeviceSteps.host(Backends.current(), null) : DeviceSteps.resident(step));
    }

    private static Sae restore(TrainConfig cfg, SaeParams params) {
        java.util.Map<String, float[]> tensors = new java.util.LinkedHashMap<>();
        for (int i = 0; i < params.names().size(); i++) tensors.put(params.names().get(i), params.list().get(i).toArray());
        return cfg.architecture().restore(cfg.settings(), params.dIn(), params.dSae(), tensors);
    }

    /**
     * Where and how the steps run, one line for the user, e.g. "training step: resident on
     * NVIDIA H100 (...)" or "training step: host autograd, kernels on cpu (resident step
     * unavailable: ...)".
     */
    public String engine() { return engine; }

    /** Whether a device step runs this trainer's updates (until {@link #close}). */
    public boolean resident() { return device != null; }

    /** Data-dependent initialisation before the first step (e.g. TopK's b_dec from a batch). */
    public void initialize(float[] x, int rows) {
        syncToHost();
        sae.initialize(x, rows);
        hostChanged();
    }

    /** x̂ and L0 of a batch without recording a graph (evaluation). */
    public Sae.Reconstruction reconstruct(float[] x, int rows) {
        syncToHost();
        return sae.reconstruct(x, rows);
    }

    /** L0, explained variance and MSE (Σ over d, mean over rows) of the current SAE on a batch. */
    public record Evaluation(double l0, double explainedVariance, double mse) {}

    public Evaluation evaluate(float[] x, int rows) {
        Sae.Reconstruction r = reconstruct(x, rows); // brings the host copies up to date
        double se = 0;
        for (int i = 0; i < rows * cfg.dIn(); i++) { double e = x[i] - r.xHat()[i]; se += e * e; }
        return new Evaluation(r.l0(), explainedVariance(x, r.xHat(), rows, cfg.dIn()), se / rows);
    }

    /** One training step on {@code rows} rows of x, with co-firing statistics over every pair. */
    public StepStats step(float[] x, int rows) {
        return step(x, rows, true);
    }

    /**
     * One training step. The co-firing penalty always skips the pairs it cannot penalise;
     * {@code logged} asks for statistics over every pair (co-firing pairs, mean c) for the step's
     * log line: a second pruned pass plus a bit-set count of the co-firing pairs
     * ({@link CoFiring}). The loss, gradient and update do not depend on it.
     */
    public StepStats step(float[] x, int rows, boolean logged) {
        if (step >= cfg.steps()) throw new IllegalStateException("training already ran all " + cfg.steps() + " steps");
        double p = (double) step / cfg.steps();
        StepStats s = device != null ? deviceUpdate(x, rows, step, p, lrSchedule.at(step), logged)
                : hostUpdate(x, rows, step, p, lrSchedule.at(step), logged);
        requireFinite(s);
        step++;
        return s;
    }

    /**
     * Stops at a step whose loss has a non-finite term: its update has spoilt the parameters (or
     * they already were), so the step is not counted and nothing should save them. Only the
     * scalar terms are read every step; the parameters are scanned once a term is bad, to say
     * whether the weights themselves went non-finite.
     */
    private void requireFinite(StepStats s) {
        String term = NonFinite.badTerm(s, cfg);
        if (term == null) return;
        String weight = NonFinite.badWeight(params());
        throw new TrainingDivergedException("step " + s.step() + ": " + term
                + (weight != null ? " and after its update " + weight : " (the weights are still finite)") + "; training stopped");
    }

    /** The first non-finite weight, as "W_dec[12] is NaN", or null when all are finite (scans every parameter). */
    public String nonFiniteWeight() {
        return NonFinite.badWeight(params());
    }

    /**
     * The update on the host: zero the gradients, the loss (plus the penalty) and backward,
     * firing counters, surgery, clipping, Adam, projection.
     */
    private StepStats hostUpdate(float[] x, int rows, long step, double p, double lr, boolean logged) {
        // The step's forward outputs (centred inputs, x̂, the codes and their columns, the loss's differences) are
        // scoped: reused by the next step once this one returns. Nothing below keeps one: the statistics are
        // scalars, `fired` a fresh array, and the update reads only the parameters' own gradients.
        try (ReusableArrays.Scope stepArrays = ReusableArrays.shared().openScope()) {
            return hostUpdateInScope(x, rows, step, p, lr, logged);
        }
    }

    private StepStats hostUpdateInScope(float[] x, int rows, long step, double p, double lr, boolean logged) {
        params.zeroGrad();
        Loss l = sae.loss(x, rows, new StepContext(step, p, deadMask(), cfg.seed()));
        Tensor total = l.total();
        Penalties.Applied pen = Penalties.Applied.NONE;
        if (cfg.penalty().active()) {
            pen = Penalties.apply(cfg.penalty(), p, cfg.seed(), step, l.codeValues(), l.codeIndices(), params.wDec());
            total = total.add(pen.term());
        }
        total.backward();
        int active = recordFiring(l.fired(), rows);
        CoFiring.Summary cs = pen.coFiring() == null ? null : pen.coFiring().summary();
        // A logged step's pair statistics over every pair (unless the pass already covered them), from the codes and decoder the penalty saw (before the update).
        if (logged && cs != null && !cs.allPairs()) cs = CoFiringPenalty.statistics(cfg.penalty(), p, l.codeValues().data(), l.codeIndices(), l.k(), params.wDec());
        // The orthogonal penalty reports its weight γ as λ2 and Q as the raw penalty; it has no threshold or pairs.
        double weight = pen.coFiring() != null ? pen.coFiring().lambda2() : pen.orthogonal() != null ? pen.orthogonal().weight() : 0;
        double raw = cs != null ? cs.penalty() : pen.orthogonal() != null ? pen.orthogonal().maxCosSquared() : 0;
        StepStats s = new StepStats(step, p, lr, total.item(), l.terms(), pen.value(), weight,
                pen.coFiring() == null ? 0 : pen.coFiring().threshold(), raw, cs == null ? 0 : cs.coFiringPairs(),
                cs == null ? 0 : cs.penalizedPairs(), cs == null ? 0 : cs.meanC(), l.l0(),
                explainedVariance(x, l.reconstruction(), rows, cfg.dIn()), active, deadCount(), Double.NaN);
        sae.beforeUpdate();
        // Clipping (when grad_clip > 0), Adam and the unit-norm rows in two passes over the state (issue 16), for the TopK family with the
        // decoder gradient's radial part removed as it is read: the bits of removeParallelComponent, clipGradNorm, step and
        // normalizeRows one after another. Returns the norm before clipping, NaN without clipping.
        int unit = sae.unitNormRows();
        double norm = adam.clipAndStep(lr, cfg.gradClip(), unit, unit < 0 ? 0 : params.list().get(unit).dim(1), unit >= 0 && sae.unitRowsTangent());
        sae.afterUpdate();
        return s.withUpdate(lr, norm);
    }

    /**
     * On the device: Adam's t advances here, the device applies the update, and the statistics
     * are rebuilt from its outcome as {@link #hostUpdate} reports them (recon and explained
     * variance summed in double from its per-row errors, so they may differ from the host's
     * float sums in the last bits; the parameters do not depend on them).
     */
    private StepStats deviceUpdate(float[] x, int rows, long step, double p, double lr, boolean logged) {
        if (rows != cfg.batch()) {
            // A device step is built for the configured batch; another size (a caller's odd batch) runs
            // on the host from the current state, and the device takes the result at the next step.
            syncToHost();
            StepStats s = hostUpdate(x, rows, step, p, lr, logged);
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
        int kAux = residentSpec.auxkAlpha() > 0 && nDead > 0 ? Math.min(residentSpec.kAux(), nDead) : 0;
        PenaltyConfig pen = cfg.penalty();
        double lambda2 = pen.lambda2At(p), threshold = pen.thresholdAt(p);
        hostCurrent = false;
        DeviceTopKStep.Outcome o = device.step(x, rows, new DeviceTopKStep.Inputs(lr, adam.advance(), dead, kAux, lambda2, threshold, logged));
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
        double loss = recon + (o.auxActive() ? residentSpec.auxkAlpha() * o.auxk() : 0) + penaltyTerm;
        return new StepStats(step, p, lr, loss, residentSpec.terms(recon, o.auxActive() ? o.auxk() : 0), penaltyTerm,
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

    /** Makes the host parameters and Adam moments current (a device may hold newer ones). */
    private void syncToHost() {
        if (device != null && !hostCurrent) {
            device.download(params, adam);
            hostCurrent = true;
        }
    }

    /** The host state was changed outside a step: a device must take it up again before the next step. */
    private void hostChanged() { deviceCurrent = false; }

    /** Marks which latents fired in a batch of {@code rows} tokens; returns how many did. */
    private int recordFiring(boolean[] fired, int rows) {
        int active = 0;
        for (int j = 0; j < fired.length; j++) {
            if (fired[j]) { tokensSinceFired[j] = 0; active++; }
            else tokensSinceFired[j] += rows;
        }
        return active;
    }

    private int deadCount() {
        int n = 0;
        for (long t : tokensSinceFired) if (t >= cfg.deadTokens()) n++;
        return n;
    }

    private boolean[] deadMask() {
        boolean[] dead = new boolean[tokensSinceFired.length];
        for (int j = 0; j < dead.length; j++) dead[j] = tokensSinceFired[j] >= cfg.deadTokens();
        return dead;
    }

    /**
     * 1 − Σ‖x − x̂‖² / Σ‖x − x̄‖² over the batch. Both sums are taken per row (in double, in column
     * order) and the rows' sums added in row order, so rows can run in parallel with a result that
     * does not depend on the thread count (a device step's residual is summed the same way).
     */
    static double explainedVariance(float[] x, float[] xHat, int rows, int d) {
        double[] perRow = new double[rows];
        Parallel.forChunks(rows, STAT_ROWS, (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                double res = 0;
                for (int i = b * d, end = i + d; i < end; i++) {
                    double r = x[i] - xHat[i];
                    res += r * r;
                }
                perRow[b] = res;
            }
        });
        double res = 0;
        for (double r : perRow) res += r;
        return explainedVariance(res, squaredDeviation(x, rows, d));
    }

    /** 1 − residual / deviation, NaN for a batch without variance. */
    static double explainedVariance(double residual, double deviation) {
        return deviation > 0 ? 1 - residual / deviation : Double.NaN;
    }

    /** Σ‖x − x̄‖² over the batch, x̄ the batch mean (explained variance's denominator), as {@link #explainedVariance} sums. */
    static double squaredDeviation(float[] x, int rows, int d) {
        double[] mean = new double[d];
        // Each column summed over the rows in row order (columns split over threads: the same sums).
        Parallel.forChunks(d, STAT_COLUMNS, (e0, e1) -> {
            for (int b = 0; b < rows; b++) {
                for (int e = e0, i = b * d + e0; e < e1; e++, i++) mean[e] += x[i];
            }
        });
        for (int e = 0; e < d; e++) mean[e] /= rows;
        double[] perRow = new double[rows];
        Parallel.forChunks(rows, STAT_ROWS, (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                double tot = 0;
                for (int e = 0, i = b * d; e < d; e++, i++) {
                    double c = x[i] - mean[e];
                    tot += c * c;
                }
                perRow[b] = tot;
            }
        });
        double tot = 0;
        for (double t : perRow) tot += t;
        return tot;
    }

    /** Rows per task of the statistics passes (fixed, so sums never depend on the thread count). */
    private static final int STAT_ROWS = 128;
    /** Columns per task of the batch mean (each column's sum is in row order whatever the split). */
    private static final int STAT_COLUMNS = 256;

    public TrainConfig config() { return cfg; }

    /** The SAE over the current parameters (downloaded first when a device step holds newer ones). */
    public Sae sae() { syncToHost(); return sae; }

    /**
     * The current parameters (downloaded first when a device step holds newer ones). Writing into
     * them is seen by a device step only after {@link #restore} or {@link #initialize}; nothing
     * in saelab does.
     */
    public SaeParams params() { syncToHost(); return params; }

    /** The current Adam state (downloaded first when a device step holds newer moments). */
    public AdamOptimizer optimizer() { syncToHost(); return adam; }
    public long step() { return step; }
    /** Kept on the host whatever runs the step (live array). */
    public long[] tokensSinceFired() { return tokensSinceFired; }

    /** Restores the non-parameter state saved by a checkpoint (the parameters are the trainer's, as built). */
    public void restore(long step, long adamSteps, float[][] first, float[][] second, long[] sinceFired) {
        if (sinceFired.length != tokensSinceFired.length) throw new IllegalArgumentException("firing counters have " + sinceFired.length + " latents, expected " + tokensSinceFired.length);
        syncToHost(); // the parameters stay: they must be the current ones
        this.step = step;
        adam.restore(adamSteps, first, second);
        System.arraycopy(sinceFired, 0, tokensSinceFired, 0, sinceFired.length);
        hostChanged();
    }

    /**
     * Brings the host copies up to date, frees what the trainer holds on a device, and leaves it
     * on the host path. No-op for a host-only trainer.
     */
    @Override public void close() {
        if (device == null) return;
        try {
            syncToHost();
        } finally {
            device.close();
            device = null;
        }
    }
}
