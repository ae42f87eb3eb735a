package saelab.train.sae;

import java.util.List;
import saelab.tensor.Tensor;

/**
 * A JumpReLU SAE's parameters: the four of every SAE ({@link SaeParams}, SAELens layout) and one
 * threshold θ per latent [m], trained as θ itself (dictionary_learning's
 * {@code JumpReluAutoEncoder.threshold}) and saved under SAELens's name {@code threshold}, so a
 * checkpoint holds exactly the trained values (SAELens trains log θ and converts on save and
 * load, which rounds).
 */
public record JumpReluParams(SaeParams base, Tensor threshold) {

    /** SAELens's tensor names, in {@link #list} order. */
    public static final List<String> NAMES = List.of("W_enc", "b_enc", "W_dec", "b_dec", "threshold");

    public JumpReluParams {
        int m = base.dSae();
        if (threshold.rank() != 1 || threshold.dim(0) != m) {
            throw new IllegalArgumentException("JumpReLU threshold must be [d_sae = " + m + "], got " + java.util.Arrays.toString(threshold.shape()));
        }
        if (threshold.offset() != 0 || threshold.data().length != m) throw new IllegalArgumentException("JumpReLU threshold must own contiguous storage");
        if (threshold.isLeaf() && !threshold.requiresGrad()) threshold.setRequiresGrad(true);
    }

    /** From raw arrays (copied): W_enc [d, m], b_enc [m], W_dec [m, d], b_dec [d], threshold [m]. */
    public static JumpReluParams of(int d, int m, float[] wEnc, float[] bEnc, float[] wDec, float[] bDec, float[] threshold) {
        if (threshold.length != m) throw new IllegalArgumentException("JumpReLU threshold has " + threshold.length + " entries, expected d_sae = " + m);
        return new JumpReluParams(SaeParams.of(d, m, wEnc, bEnc, wDec, bDec), Tensor.of(threshold, m));
    }

    public int dIn() { return base.dIn(); }
    public int dSae() { return base.dSae(); }

    /** Every trained leaf, in {@link #NAMES} order. */
    public List<Tensor> list() {
        return List.of(base.wEnc(), base.bEnc(), base.wDec(), base.bDec(), threshold);
    }

    public void zeroGrad() { for (Tensor t : list()) t.zeroGrad(); }

    /** An independent copy (fresh leaves, same values). */
    public JumpReluParams copy() {
        return new JumpReluParams(base.copy(), Tensor.of(threshold.toArray(), dSae()));
    }
}
