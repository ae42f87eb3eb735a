package saelab.train.penalty;

import saelab.tensor.Tensor;

/**
 * The orthogonality penalty of a step, whichever it is, on an SAE's fixed-k sparse codes: the
 * co-firing penalty λ2(p)·P on (values, indices) or the orthogonal penalty γ(p)·Q on W_dec.
 */
public final class Penalties {
    private Penalties() {}

    /**
     * @param term       the term to add to the loss (null without a penalty)
     * @param coFiring   the co-firing pass, or null
     * @param orthogonal the orthogonal pass, or null
     */
    public record Applied(Tensor term, CoFiringPenalty.Result coFiring, OrthogonalPenalty.Result orthogonal) {
        public static final Applied NONE = new Applied(null, null, null);

        /** The recorded term's value, 0 without a penalty. */
        public double value() { return term == null ? 0 : term.item(); }
    }

    /**
     * @param values   the codes [rows, k] in the graph
     * @param idx      their latents
     */
    public static Applied apply(PenaltyConfig cfg, double p, long seed, long step, Tensor values, int[] idx, Tensor wDec) {
        if (cfg.kind() == PenaltyConfig.Kind.ORTHOGONAL) {
            OrthogonalPenalty.Result r = OrthogonalPenalty.apply(cfg, p, seed, step, wDec);
            return new Applied(r.term(), null, r);
        }
        if (cfg.active()) {
            CoFiringPenalty.Result r = CoFiringPenalty.apply(cfg, p, values, idx, wDec);
            return new Applied(r.term(), r, null);
        }
        return Applied.NONE;
    }
}
