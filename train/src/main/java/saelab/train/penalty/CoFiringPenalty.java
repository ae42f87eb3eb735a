package saelab.train.penalty;

import saelab.tensor.CustomOp;
import saelab.tensor.Tensor;
import saelab.tensor.kernels.CoFiring;

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
     * @param values codes [rows, k] (the graph output of the encoder), slot s of row b naming
     *               latent {@code idx[b·k+s]}; a slot fires when its value is > 0
     * @param wDec   decoder [m, d]
     * @param p      training progress in [0, 1]
     */
    public static Result apply(PenaltyConfig cfg, double p, Tensor values, int[] idx, Tensor wDec) {
        return apply(cfg, p, values, idx, wDec, true);
    }

    /**
     * As above; {@code allPairs} false lets the kernel skip pairs that cannot be penalized, for
     * steps whose pair statistics are not logged (same penalty and gradient, see
     * {@link CoFiring#activationOverlap}).
     */
    public static Result apply(PenaltyConfig cfg, double p, Tensor values, int[] idx, Tensor wDec, boolean allPairs) {
        if (!cfg.coFiring()) throw new IllegalArgumentException("CoFiringPenalty needs a static or adaptive configuration, got " + PenaltyConfig.name(cfg.kind()));
        int rows = values.dim(0), k = values.dim(1), m = wDec.dim(0), d = wDec.dim(1);
        double lambda2 = cfg.lambda2At(p), threshold = cfg.thresholdAt(p);
        float[] val = values.toArray();
        boolean decoder = cfg.target() == PenaltyConfig.OverlapTarget.DECODER;
        Tensor parent = decoder ? wDec : values;
        // The gradient is only worth computing when someone will read it.
        float[] grad = lambda2 != 0 && parent.requiresGrad() ? new float[parent.numel()] : null;
        CoFiring.Summary s = decoder
                ? CoFiring.decoderOverlap(rows, k, m, idx, val, threshold, cfg.normalization(), wDec.data(), d, grad, null, allPairs)
                : CoFiring.activationOverlap(rows, k, m, idx, val, threshold, cfg.normalization(), grad, null, allPairs);
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
}
