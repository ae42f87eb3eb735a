package saelab.train.sae;

import saelab.tensor.Tensor;
import saelab.tensor.kernels.ReusableArrays;

/**
 * dictionary_learning's auxiliary loss for dead latents (get_auxiliary_loss of the TopK, BatchTopK
 * and Matryoshka BatchTopK trainers, OpenAI's normalisation):
 * <pre>
 *   AuxK = mean_b ‖e_b − ê_b‖² / mean_b ‖e_b − ē‖²
 * </pre>
 * with e = x − x̂ a constant (the auxiliary loss must not pull the live latents) and ê the decode,
 * without b_dec, of the k_aux largest ReLU pre-activations per row among the dead latents only
 * (per row, also for BatchTopK). 0 (null here) when the residual has no variance, torch's
 * nan_to_num(0). TopK, BatchTopK and Matryoshka BatchTopK all take it from here.
 */
public final class AuxKLoss {
    private AuxKLoss() {}

    /**
     * The normalised auxiliary loss, or null when no latent is dead, kAux is 0 or the residual has
     * no variance.
     *
     * @param xHat the reconstruction (its values; no gradient flows through the residual)
     * @param kAux latents kept per row, capped at the number of dead ones
     */
    public static Tensor of(SparseEncoder.PreActivations pa, SaeParams p, float[] x, float[] xHat, boolean[] dead, int kAux) {
        int nDead = 0;
        if (dead != null) for (boolean b : dead) if (b) nDead++;
        int k = Math.min(kAux, nDead);
        if (k <= 0) return null;
        float[] e = residual(x, xHat, pa.rows() * pa.d());
        double denom = residualVariance(e, pa.rows(), pa.d());
        if (!(denom > 0)) return null;
        return normalised(pa.centred(), SparseEncoder.select(pa, k, dead), p, e, denom);
    }

    /**
     * The same loss from the dead latents' selection made with the encoder's ({@link BlockedTopK}:
     * no rows × m pre-activations), or null when there is none or the residual has no variance.
     */
    public static Tensor of(SparseEncoder.Centred c, SparseEncoder.Selection deadTop, SaeParams p, float[] x, float[] xHat) {
        if (deadTop == null) return null;
        float[] e = residual(x, xHat, c.rows() * c.d());
        double denom = residualVariance(e, c.rows(), c.d());
        if (!(denom > 0)) return null;
        return normalised(c, deadTop, p, e, denom);
    }

    /** x − x̂, scoped ({@link ReusableArrays#scopedFloats}): the loss's target lives as long as the step's graph. */
    private static float[] residual(float[] x, float[] xHat, int n) {
        float[] e = ReusableArrays.scopedFloats(n);
        for (int i = 0; i < n; i++) e[i] = x[i] - xHat[i];
        return e;
    }

    /** mean_b ‖e_b − ē‖², in float64. */
    private static double residualVariance(float[] e, int rows, int d) {
        double[] mean = new double[d];
        // Row by row (no i % d per element): the same sums in the same order.
        for (int b = 0, i = 0; b < rows; b++) {
            for (int j = 0; j < d; j++, i++) mean[j] += e[i];
        }
        for (int j = 0; j < d; j++) mean[j] /= rows;
        double denom = 0;
        for (int b = 0; b < rows; b++) {
            for (int j = 0; j < d; j++) { double t = e[b * d + j] - mean[j]; denom += t * t; }
        }
        return denom / rows;
    }

    private static Tensor normalised(SparseEncoder.Centred c, SparseEncoder.Selection sel, SaeParams p, float[] e, double denom) {
        int rows = c.rows(), d = c.d();
        Tensor vals = SparseEncoder.values(c, sel, p);
        Tensor eHat = SparseDecoder.decode(vals, sel.indices(), p.wDec(), null);
        return eHat.squaredErrorRowMean(Tensor.wrap(e, 0, rows, d)).mul((float) (1 / denom));
    }
}
