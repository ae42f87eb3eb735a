package saelab.train.penalty;

import saelab.tensor.CustomOp;
import saelab.tensor.Tensor;
import saelab.train.penalty.kernels.CoFiring;

/**
 * The co-firing orthogonality penalty λ2(p)·Σ_{i≠j} c_ij(p)·|g_ij| as an autograd op, computed
 * by {@link CoFiring} from the sparse codes in O(B·k²). Its gradient flows into the code values
 * (activation target; from there back through TopK into the encoder) or into W_dec (decoder
 * target). c_ij is a weight computed from firing counts and carries no gradient.
 */
public final class CoFiringPenalty {
    private CoFiringPenalty() {}

    /** The recorded term (λ2·P, shape [1]) and what the pass measured. */
    public record Result(Tensor term, CoFiring.Summary summary, double lambda2, double threshold) {}

    /**
     * The penalty of a training step. The kernel skips the pairs that cannot be penalised (same
     * penalty and gradient as the full pass, see {@link CoFiring#activationOverlap}), so the
     * summary's pair statistics cover only the pairs examined; a logged step asks
     * {@link #statistics} for all of them.
     *
     * @param values codes [rows, k] (the graph output of the encoder), slot s of row b naming
     *               latent {@code idx[b·k+s]}; a slot fires when its value is > 0
     * @param wDec   decoder [m, d]
     * @param p      training progress in [0, 1]
     */
    public static Result apply(PenaltyConfig cfg, double p, Tensor values, int[] idx, Tensor wDec) {
        if (!cfg.coFiring()) throw new IllegalArgumentException("CoFiringPenalty needs a static or adaptive configuration, got " + PenaltyConfig.name(cfg.kind()));
        int rows = values.dim(0), k = values.dim(1), m = wDec.dim(0), d = wDec.dim(1);
        double lambda2 = cfg.lambda2At(p), threshold = cfg.thresholdAt(p);
        float[] val = values.toArray();
        boolean decoder = cfg.target() == PenaltyConfig.OverlapTarget.DECODER;
        Tensor parent = decoder ? wDec : values;
        // The gradient is only worth computing when someone will read it.
        float[] grad = lambda2 != 0 && parent.requiresGrad() ? new float[parent.numel()] : null;
        CoFiring.Summary s = decoder
                ? CoFiring.decoderOverlap(rows, k, m, idx, val, threshold, cfg.normalization(), wDec.data(), d, grad, null, false)
                : CoFiring.activationOverlap(rows, k, m, idx, val, threshold, cfg.normalization(), grad, null, false);
        Tensor out = Tensor.scalar((float) (lambda2 * s.penalty()));
        if (grad != null) {
            out = CustomOp.record("coFiringPenalty", out, (g, grads) -> {
                float[] gp = grads.of(parent);
                float scale = (float) (g[0] * lambda2);
                for (int i = 0; i < grad.length; i++) gp[i] += scale * grad[i];
            }, parent);
        }
        return new Result(out, s, lambda2, threshold);
    }

    /**
     * The co-firing statistics over every pair (co-firing pairs, mean c, P) of the codes a step's
     * penalty saw, without a gradient: a separate pass, made only on logged steps, so the loss,
     * gradient and update are the same whether or not a step is logged. Under batch normalisation
     * with t > 0 it costs a pruned pass and an exact count of the co-firing pairs, not a pass over
     * every pair.
     */
    public static CoFiring.Summary statistics(PenaltyConfig cfg, double p, float[] values, int[] idx, int k, Tensor wDec) {
        int rows = values.length / k, m = wDec.dim(0), d = wDec.dim(1);
        double threshold = cfg.thresholdAt(p);
        return cfg.target() == PenaltyConfig.OverlapTarget.DECODER
                ? CoFiring.decoderOverlap(rows, k, m, idx, values, threshold, cfg.normalization(), wDec.data(), d, null, null)
                : CoFiring.activationOverlap(rows, k, m, idx, values, threshold, cfg.normalization(), null, null);
    }
}
