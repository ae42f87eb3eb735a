package saelab.train.trainer;

import saelab.train.optim.AdamOptimizer;
import saelab.train.optim.LrSchedule;
import saelab.train.sae.SaeParams;

/**
 * One optimiser step of an SAE, shared by the architectures: zero the gradients, the
 * architecture's loss and backward, its gradient surgery, global-norm clipping, Adam at the
 * scheduled lr, its projection after the update. The step counter, Adam's moments and the
 * tokens since each latent fired are the whole state besides the parameters.
 *
 * <p>An architecture may run the update elsewhere ({@link TopKTrainer} with a
 * {@link DeviceTopKStep}: parameters and Adam's moments resident on an accelerator). The host
 * copies may then lag behind; every public reader ({@link #params}, {@link #optimizer},
 * {@link #reconstruct}, {@link #evaluate}) brings them up to date first, and every host-side
 * change ({@link #initialize}, {@link #restore}) is announced so that the device takes it up before
 * the next step. {@link #close} releases such a device (the trainer then goes on on the host);
 * for a host-only trainer it does nothing, so callers that never had a device need not close.
 */
public abstract sealed class SaeTrainer implements AutoCloseable permits TopKTrainer, StandardTrainer {
    protected final TrainConfig cfg;
    protected final SaeParams params;
    protected final AdamOptimizer adam;
    private final LrSchedule lrSchedule;
    /** Tokens since each latent last fired (dictionary_learning's num_tokens_since_fired). */
    protected final long[] tokensSinceFired;
    private long step;
    /** How the step runs, in one line for the user ({@link #engine}). */
    private final String engine;

    protected SaeTrainer(TrainConfig cfg, SaeParams params, String engine) {
        this.cfg = cfg;
        this.params = params;
        this.adam = new AdamOptimizer(params.list());
        this.lrSchedule = new LrSchedule(cfg.lr(), cfg.steps(), cfg.warmupSteps(), cfg.decayStart());
        this.tokensSinceFired = new long[params.dSae()];
        this.engine = engine;
    }

    /**
     * A fresh trainer; a TopK one runs its steps resident on a device when {@link DeviceSteps}
     * finds one (see {@link #engine}). {@link #close} it, or let {@link TrainingRun} do so, to
     * free that device's memory before the process ends.
     */
    public static SaeTrainer create(TrainConfig cfg) {
        if (cfg.architecture() != TrainConfig.Architecture.TOPK) return StandardTrainer.fresh(cfg, DeviceSteps.choose(cfg).engine());
        return TopKTrainer.fresh(cfg, DeviceSteps.choose(cfg));
    }

    /** Builds the trainer around saved parameters (resume, or fine-tuning a checkpoint); the engine as {@link #create}. */
    public static SaeTrainer of(TrainConfig cfg, SaeParams params) {
        DeviceSteps.Choice c = DeviceSteps.choose(cfg);
        return cfg.architecture() == TrainConfig.Architecture.TOPK ? new TopKTrainer(cfg, params, c) : new StandardTrainer(cfg, params, c.engine());
    }

    /**
     * Where and how the steps run, one line for the user, e.g. "training step: resident on
     * NVIDIA H100 (...)" or "training step: host autograd, kernels on cpu (resident step
     * unavailable: ...)".
     */
    public final String engine() { return engine; }

    /** Whether a device step runs this trainer's updates (until {@link #close}). */
    public boolean resident() { return false; }

    /** Data-dependent initialisation before the first step (e.g. b_dec from a batch). */
    public abstract void initialize(float[] x, int rows);

    /** Computes the loss at progress p, runs backward, and updates firing counters. */
    protected abstract StepStats lossAndBackward(float[] x, int rows, long step, double p, boolean allPairs);

    /** x̂ and L0 of a batch without recording a graph (evaluation). */
    public record Reconstruction(float[] xHat, double l0) {}

    public abstract Reconstruction reconstruct(float[] x, int rows);

    /** L0, explained variance and MSE (Σ over d, mean over rows) of the current SAE on a batch. */
    public record Evaluation(double l0, double explainedVariance, double mse) {}

    public final Evaluation evaluate(float[] x, int rows) {
        Reconstruction r = reconstruct(x, rows); // brings the host copies up to date
        double se = 0;
        for (int i = 0; i < rows * cfg.dIn(); i++) { double e = x[i] - r.xHat()[i]; se += e * e; }
        return new Evaluation(r.l0(), explainedVariance(x, r.xHat(), rows, cfg.dIn()), se / rows);
    }

    /** Gradient surgery before clipping and the update. */
    protected void beforeUpdate() {}

    /** Projection after the update. */
    protected void afterUpdate() {}

    /** One training step on {@code rows} rows of x, with co-firing statistics over every pair. */
    public final StepStats step(float[] x, int rows) {
        return step(x, rows, true);
    }

    /**
     * One training step; {@code allPairs} false lets the co-firing penalty skip the pairs it
     * cannot penalize (same loss, gradient and update; the step's pair statistics then cover
     * only the pairs examined), for steps nobody logs.
     */
    public final StepStats step(float[] x, int rows, boolean allPairs) {
        if (step >= cfg.steps()) throw new IllegalStateException("training already ran all " + cfg.steps() + " steps");
        double p = (double) step / cfg.steps();
        StepStats s = update(x, rows, step, p, lrSchedule.at(step), allPairs);
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
     * The update of step {@code step} at progress p and learning rate lr, on the host: zero the
     * gradients, loss and backward (which records firing), surgery, clipping, Adam, projection.
     * An architecture that runs it elsewhere overrides this and reports the same statistics.
     */
    protected StepStats update(float[] x, int rows, long step, double p, double lr, boolean allPairs) {
        params.zeroGrad();
        StepStats s = lossAndBackward(x, rows, step, p, allPairs);
        beforeUpdate();
        double norm = cfg.gradClip() > 0 ? AdamOptimizer.clipGradNorm(params.list(), cfg.gradClip()) : Double.NaN;
        adam.step(lr);
        afterUpdate();
        return new StepStats(s.step(), s.progress(), lr, s.loss(), s.recon(), s.sparsityTerm(), s.sparsityWeight(),
                s.penaltyTerm(), s.lambda2(), s.threshold(), s.rawPenalty(), s.coFiringPairs(), s.penalizedPairs(),
                s.meanC(), s.l0(), s.explainedVariance(), s.activeLatents(), s.deadLatents(), norm);
    }

    /** Makes the host parameters and Adam moments current (a device may hold newer ones); no-op on the host path. */
    protected void syncToHost() {}

    /** The host state was changed outside a step: whoever holds a copy elsewhere must take it up again before the next step. */
    protected void hostChanged() {}

    /** Marks which latents fired in a batch of {@code rows} tokens; returns how many did. */
    protected final int recordFiring(boolean[] fired, int rows) {
        int active = 0;
        for (int j = 0; j < fired.length; j++) {
            if (fired[j]) { tokensSinceFired[j] = 0; active++; }
            else tokensSinceFired[j] += rows;
        }
        return active;
    }

    protected final int deadCount() {
        int n = 0;
        for (long t : tokensSinceFired) if (t >= cfg.deadTokens()) n++;
        return n;
    }

    protected final boolean[] deadMask() {
        boolean[] dead = new boolean[tokensSinceFired.length];
        for (int j = 0; j < dead.length; j++) dead[j] = tokensSinceFired[j] >= cfg.deadTokens();
        return dead;
    }

    /** 1 − Σ‖x − x̂‖² / Σ‖x − x̄‖² over the batch. */
    protected static double explainedVariance(float[] x, float[] xHat, int rows, int d) {
        double res = 0;
        for (int i = 0; i < rows * d; i++) {
            double r = x[i] - xHat[i];
            res += r * r;
        }
        return explainedVariance(res, squaredDeviation(x, rows, d));
    }

    /** 1 − residual / deviation, NaN for a batch without variance. */
    protected static double explainedVariance(double residual, double deviation) {
        return deviation > 0 ? 1 - residual / deviation : Double.NaN;
    }

    /** Σ‖x − x̄‖² over the batch, x̄ the batch mean (explained variance's denominator). */
    protected static double squaredDeviation(float[] x, int rows, int d) {
        double[] mean = new double[d];
        for (int i = 0; i < rows * d; i++) mean[i % d] += x[i];
        double tot = 0;
        for (int i = 0; i < rows * d; i++) {
            double c = x[i] - mean[i % d] / rows;
            tot += c * c;
        }
        return tot;
    }

    public TrainConfig config() { return cfg; }

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
     * Brings the host copies up to date and releases what the trainer holds on a device; the
     * trainer stays usable and steps on the host from then on. No-op for a host-only trainer.
     */
    @Override public void close() {}
}
