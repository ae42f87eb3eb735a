package saelab.train.trainer;

import saelab.tensor.backend.Backend;
import saelab.train.penalty.kernels.CoFiring;
import saelab.train.optim.AdamOptimizer;
import saelab.train.sae.SaeParams;

/**
 * A whole TopK training step run where the parameters live: an accelerator that keeps W_enc,
 * b_enc, W_dec, b_dec and Adam's two moments between steps, so that each step only the batch
 * goes up and a few per-row and per-latent numbers come back. The host copies (the trainer's
 * {@link SaeParams} and {@link AdamOptimizer}) go stale while it runs; the trainer downloads
 * them only when someone reads them (checkpoints, evaluation, metrics) and uploads them again
 * only after the host changed them (initialisation, restore).
 *
 * <p>The step is the TopK host step of {@link SaeTrainer}, term for term: the loss of {@link TopKLoss}
 * (reconstruction, plus auxk_alpha·AuxK over the dead latents, plus the co-firing penalty
 * λ2·P when the configuration has one), its gradient, the decoder-gradient projection, global-norm clipping, Adam with
 * {@link AdamOptimizer#coefficients} and unit-norm decoder rows. Only the order of floating-point
 * sums may differ from the host's.
 *
 * <p>How {@link SaeTrainer} drives it: {@link #upload} before the first step and before the first
 * step after a host-side change ({@code initialize}, {@code restore}), never otherwise;
 * {@link #step} once per training step; {@link #download} when the host copies are read after a
 * step (a checkpoint, evaluation), at most once between two steps; {@link #close} once at the
 * end, after a download if the host is behind ({@link TrainingRun} closes its trainer when the
 * run ends; the trainer then steps on the host if stepped again). All calls come
 * from one thread. {@link DeviceSteps} asks every {@link Factory} on the class path for a step
 * when a trainer is built, and prints {@link #device} in the trainer's engine line.
 */
public interface DeviceTopKStep extends AutoCloseable {

    /** The device, in words, for the engine line ("training step: resident on DEVICE (...)", {@link SaeTrainer#engine}). */
    String device();

    /** Copies the host parameters and Adam's moments to the device (replacing what it held). */
    void upload(SaeParams params, AdamOptimizer adam);

    /**
     * One step on {@code rows} rows of x: forward, loss, backward, clip, Adam, projection.
     * x and in.dead are the caller's and only valid during the call (x is reused for the next
     * batch); the trainer reads the outcome before the next call, so its arrays may be reused.
     *
     * @param in this step's learning rate and Adam step count, and the dead latents before it
     */
    Outcome step(float[] x, int rows, Inputs in);

    /** Copies the device's parameters and Adam moments into the host ones (Adam's step count is the host's). */
    void download(SaeParams params, AdamOptimizer adam);

    /** Frees the device memory; the step cannot be used afterwards. */
    @Override void close();

    /**
     * @param lr        this step's learning rate
     * @param adamStep  Adam's t for this update (1 for the first)
     * @param dead      latents dead before this step (the auxiliary loss's candidates)
     * @param kAux      latents the auxiliary loss keeps per row, min(k_aux, dead count); 0: no auxiliary loss
     * @param lambda2   the co-firing penalty's weight λ2(p) this step (ignored without a penalty)
     * @param threshold its co-firing threshold t(p)
     * @param allPairs  whether the penalty's statistics must cover every pair (logged steps)
     */
    record Inputs(double lr, long adamStep, boolean[] dead, int kAux, double lambda2, double threshold, boolean allPairs) {
        /** Without a penalty. */
        public Inputs(double lr, long adamStep, boolean[] dead, int kAux) {
            this(lr, adamStep, dead, kAux, 0, 0, true);
        }
    }

    /**
     * What the step measured, before its update (as {@link StepStats} reports it).
     *
     * @param rowSquaredError ‖x_b − x̂_b‖² per row (the trainer derives recon and explained variance)
     * @param auxk            AuxK, unweighted (0 when inactive)
     * @param auxActive       whether the auxiliary term was part of the loss (dead latents, and a residual with variance)
     * @param gradNorm        the global gradient norm before clipping
     * @param kept            per row, kept slots with a value > 0 (the row's L0)
     * @param fired           per latent, whether it fired (a kept value > 0) in this batch
     * @param penalty         the co-firing pass's summary (P unweighted; null without a penalty)
     */
    record Outcome(float[] rowSquaredError, double auxk, boolean auxActive, double gradNorm, int[] kept, boolean[] fired,
                   CoFiring.Summary penalty) {
        /** Without a penalty. */
        public Outcome(float[] rowSquaredError, double auxk, boolean auxActive, double gradNorm, int[] kept, boolean[] fired) {
            this(rowSquaredError, auxk, auxActive, gradNorm, kept, fired, null);
        }
    }

    /**
     * Opens device steps; implementations are found with {@link java.util.ServiceLoader} (the
     * tornado module provides one), so this module knows nothing of any accelerator.
     */
    interface Factory {
        /**
         * A step for this configuration on this backend, or a reason it cannot have one (wrong
         * backend, a co-firing penalty, sizes beyond its kernels).
         */
        Opening open(TrainConfig cfg, TopK topk, Backend backend);
    }

    /**
     * What a resident TopK step needs of the architecture's settings (given by
     * {@link saelab.train.arch.SaeArchitecture#resident}).
     *
     * @param k         latents kept per row
     * @param auxkAlpha weight of the auxiliary loss
     * @param kAux      latents the auxiliary loss keeps per row (before capping by the dead count)
     */
    record TopK(int k, double auxkAlpha, int kAux) {
        /** The named loss terms as the host step reports them (recon, then auxk weighted by auxk_alpha). */
        public java.util.List<saelab.train.arch.LossTerm> terms(double recon, double auxk) {
            return java.util.List.of(saelab.train.arch.LossTerm.unweighted("recon", recon),
                    new saelab.train.arch.LossTerm("auxk", auxk, "auxk_alpha", auxkAlpha));
        }
    }

    /** Exactly one of step and whyNot is non-null. */
    record Opening(DeviceTopKStep step, String whyNot) {
        public static Opening of(DeviceTopKStep step) { return new Opening(step, null); }
        public static Opening no(String why) { return new Opening(null, why); }
    }
}
