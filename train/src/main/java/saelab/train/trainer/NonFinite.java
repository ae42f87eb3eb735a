package saelab.train.trainer;

import java.util.List;
import saelab.tensor.Tensor;
import saelab.train.arch.LossTerm;
import saelab.train.sae.SaeParams;

/**
 * Where a step's numbers stop being finite. The loss terms are scalars, checked every step; the
 * parameters (m·d floats each) only when a term is bad or a checkpoint is about to be written.
 */
final class NonFinite {
    private NonFinite() {}

    /**
     * The first non-finite term of a step's loss, as "the loss term recon is NaN", or null when all are
     * finite. The parts come before the total so that the culprit is named, not just the sum.
     */
    static String badTerm(StepStats s, TrainConfig cfg) {
        for (LossTerm t : s.terms()) if (!Double.isFinite(t.value())) return describe(t.name(), t.value());
        if (!Double.isFinite(s.penaltyTerm())) return describe("penalty", s.penaltyTerm());
        if (!Double.isFinite(s.loss())) return "the total loss is " + s.loss();
        // The norm is NaN by convention when clipping is off; with clipping on, a non-finite norm scales every gradient to NaN.
        if (cfg.gradClip() > 0 && !Double.isFinite(s.gradNorm())) return "the gradient norm is " + s.gradNorm();
        return null;
    }

    private static String describe(String term, double v) {
        return "the loss term " + term + " is " + v;
    }

    /** The first non-finite weight, as "W_dec[12] is NaN", or null when every parameter is finite. */
    static String badWeight(SaeParams params) {
        List<Tensor> list = params.list();
        for (int t = 0; t < list.size(); t++) {
            float[] w = list.get(t).data();
            int i = firstNonFinite(w, 0, w.length);
            if (i >= 0) return params.names().get(t) + "[" + i + "] is " + w[i];
        }
        return null;
    }

    /** The index of the first non-finite value of a[from, to), or −1. */
    static int firstNonFinite(float[] a, int from, int to) {
        for (int i = from; i < to; i++) if (!Float.isFinite(a[i])) return i;
        return -1;
    }
}
