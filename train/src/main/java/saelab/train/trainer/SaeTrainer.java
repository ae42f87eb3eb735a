package saelab.train.trainer;

import saelab.train.optim.AdamOptimizer;
import saelab.train.optim.LrSchedule;
import saelab.train.sae.SaeParams;

/**
 * One optimiser step of an SAE, shared by the architectures: zero the gradients, the
 * architecture's loss and backward, its gradient surgery, global-norm clipping, Adam at the
 * scheduled lr, its projection after the update. The step counter, Adam's moments and the
 * tokens since each latent fired are the whole state besides the parameters.
 */
public abstract sealed class SaeTrainer permits TopKTrainer, StandardTrainer {
    protected final TrainConfig cfg;
    protected final SaeParams params;
    protected final AdamOptimizer adam;
    private final LrSchedule lrSchedule;
    /** Tokens since each latent last fired (dictionary_learning's num_tokens_since_fired). */
    protected final long[] tokensSinceFired;
    private long step;

    protected SaeTrainer(TrainConfig cfg, SaeParams params) {
        this.cfg = cfg;
        this.params = params;
        this.adam = new AdamOptimizer(params.list());
        this.lrSchedule = new LrSchedule(cfg.lr(), cfg.steps(), cfg.warmupSteps(), cfg.decayStart());
        this.tokensSinceFired = new long[params.dSae()];
    }

    public static SaeTrainer create(TrainConfig cfg) {
        return cfg.architecture() == TrainConfig.Architecture.TOPK ? TopKTrainer.fresh(cfg) : StandardTrainer.fresh(cfg);
    }

    /** Builds the trainer around saved parameters (resume, or fine-tuning a checkpoint). */
    public static SaeTrainer of(TrainConfig cfg, SaeParams params) {
        return cfg.architecture() == TrainConfig.Architecture.TOPK ? new TopKTrainer(cfg, params) : new StandardTrainer(cfg, params);
    }

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
        Reconstruction r = reconstruct(x, rows);
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
        params.zeroGrad();
        StepStats s = lossAndBackward(x, rows, step, p, allPairs);
        beforeUpdate();
        double norm = cfg.gradClip() > 0 ? AdamOptimizer.clipGradNorm(params.list(), cfg.gradClip()) : Double.NaN;
        double lr = lrSchedule.at(step);
        adam.step(lr);
        afterUpdate();
        step++;
        return new StepStats(s.step(), s.progress(), lr, s.loss(), s.recon(), s.sparsityTerm(), s.sparsityWeight(),
                s.penaltyTerm(), s.lambda2(), s.threshold(), s.rawPenalty(), s.coFiringPairs(), s.penalizedPairs(),
                s.meanC(), s.l0(), s.explainedVariance(), s.activeLatents(), s.deadLatents(), norm);
    }

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
        double[] mean = new double[d];
        for (int i = 0; i < rows * d; i++) mean[i % d] += x[i];
        double res = 0, tot = 0;
        for (int i = 0; i < rows * d; i++) {
            double r = x[i] - xHat[i], c = x[i] - mean[i % d] / rows;
            res += r * r;
            tot += c * c;
        }
        return tot > 0 ? 1 - res / tot : Double.NaN;
    }

    public TrainConfig config() { return cfg; }
    public SaeParams params() { return params; }
    public AdamOptimizer optimizer() { return adam; }
    public long step() { return step; }
    public long[] tokensSinceFired() { return tokensSinceFired; }

    /** Restores the non-parameter state saved by a checkpoint. */
    public void restore(long step, long adamSteps, float[][] first, float[][] second, long[] sinceFired) {
        if (sinceFired.length != tokensSinceFired.length) throw new IllegalArgumentException("firing counters have " + sinceFired.length + " latents, expected " + tokensSinceFired.length);
        this.step = step;
        adam.restore(adamSteps, first, second);
        System.arraycopy(sinceFired, 0, tokensSinceFired, 0, sinceFired.length);
    }
}
