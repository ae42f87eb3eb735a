package saelab.train.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import saelab.train.sae.SaeParams;
import saelab.train.sae.SparseCodes;

/**
 * One SAE of some architecture: its parameters (named, in checkpoint order), encoding for
 * inference, its training loss, and what it does around an optimiser update. The trainer,
 * checkpoints and metrics use nothing else, so a new architecture is one class implementing
 * this (and {@link SaeArchitecture}) plus one line in {@link Architectures}.
 */
public interface Sae {

    /** The settings this SAE was built with (their {@link SaeSettings#architecture} is its architecture). */
    SaeSettings settings();

    default SaeArchitecture architecture() { return settings().architecture(); }

    /** The parameters: W_enc [d, m], W_dec [m, d], b_dec [d] and the architecture's own, in checkpoint order. */
    SaeParams params();

    default int dIn() { return params().dIn(); }

    default int dSae() { return params().dSae(); }

    /** Sparse codes of {@code rows} rows of x (rows × d), without recording a graph. */
    SparseCodes encode(float[] x, int rows);

    /** x̂ from codes (the shared linear decoder: Σ value·W_dec[latent] + b_dec). */
    default float[] decode(SparseCodes codes) { return codes.decode(params()); }

    /** x̂ and L0 of a batch, without recording a graph (evaluation). */
    record Reconstruction(float[] xHat, double l0) {}

    /** x̂ and L0 of a batch without a graph; by default decode(encode(x)). */
    default Reconstruction reconstruct(float[] x, int rows) {
        SparseCodes c = encode(x, rows);
        return new Reconstruction(decode(c), c.l0());
    }

    /** Data-dependent initialisation before the first step (TopK: b_dec at the geometric median of the batch). */
    default void initialize(float[] x, int rows) {}

    /** The training loss of a batch, recorded in the autograd graph (the trainer calls backward). */
    Loss loss(float[] x, int rows, StepContext ctx);

    /** Gradient surgery after backward, before clipping and the update (TopK: no radial decoder gradient). */
    default void beforeUpdate() {}

    /** Projection after the update, besides {@link #unitNormRows} (JumpReLU: thresholds clamped at 0). */
    default void afterUpdate() {}

    /**
     * The parameter (its index in {@link #params}) whose rows the update leaves at unit norm, or −1
     * for none (TopK: W_dec). The trainer normalises it in the same pass as Adam's update
     * ({@code AdamOptimizer.clipAndStep}), with the bits of a separate normalisation after it.
     */
    default int unitNormRows() { return -1; }

    /**
     * Whether the {@link #unitNormRows} parameter's gradient loses each row's component along its row
     * before clipping and the update (TopK, BatchTopK and Matryoshka, as dictionary_learning's remove_gradient_parallel_to_decoder_directions).
     * The trainer's optimiser does it as it reads the gradient, in the passes of clipping and Adam, rather
     * than in {@link #beforeUpdate}: a pass over the decoder and its gradient fewer.
     */
    default boolean unitRowsTangent() { return false; }

    /** The architecture's own SAELens cfg.json keys (TopK: k), as SAELens 6 writes them at the top level. */
    void saeLensFields(ObjectNode cfg);

    /**
     * The architecture cfg.json names for SAELens, which loads an SAE for inference by this name:
     * the architecture's own, unless SAELens saves it as another (BatchTopK as JumpReLU). saelab reads
     * its own checkpoints by the training config it keeps beside it.
     */
    default String saeLensArchitecture() { return architecture().name(); }
}
