package saelab.train.trainer;

import java.util.List;
import saelab.train.arch.LossTerm;

/**
 * What one optimiser step measured (before its update), for the JSONL log and the progress bar.
 *
 * @param terms              the architecture's named loss terms, reconstruction first ({@link LossTerm})
 * @param penaltyTerm        the penalty's term in the loss: λ2(p)·P (co-firing) or γ(p)·Q (orthogonal)
 * @param lambda2            the penalty's weight this step: λ2(p), or γ(p) for the orthogonal penalty
 * @param rawPenalty         P, or the orthogonal penalty's Q (mean over latents of the largest cos² in its chunk)
 * @param explainedVariance  1 − Σ‖x − x̂‖² / Σ‖x − x̄‖² over the batch (variance about the batch mean)
 * @param activeLatents      latents that fired at least once in this batch
 * @param deadLatents        latents without a firing for at least the dead-token window
 */
public record StepStats(long step, double progress, double lr, double loss, List<LossTerm> terms, double penaltyTerm,
                        double lambda2, double threshold, double rawPenalty,
                        long coFiringPairs, long penalizedPairs, double meanC, double l0, double explainedVariance,
                        int activeLatents, int deadLatents, double gradNorm) {

    public StepStats {
        terms = List.copyOf(terms);
    }

    /** The value of the named term (unweighted), NaN when the architecture has none by that name. */
    public double term(String name) {
        for (LossTerm t : terms) if (t.name().equals(name)) return t.value();
        return Double.NaN;
    }

    /** The reconstruction term ‖x − x̂‖² (sum over d, mean over rows). */
    public double recon() { return term("recon"); }

    /** Σ weight·value over the architecture's terms plus the penalty term: what {@link #loss} sums. */
    public double weightedSum() {
        double s = penaltyTerm;
        for (LossTerm t : terms) s += t.weight() * t.value();
        return s;
    }

    /** The same statistics with the learning rate and gradient norm of the update that followed. */
    StepStats withUpdate(double lr, double gradNorm) {
        return new StepStats(step, progress, lr, loss, terms, penaltyTerm, lambda2, threshold, rawPenalty, coFiringPairs,
                penalizedPairs, meanC, l0, explainedVariance, activeLatents, deadLatents, gradNorm);
    }
}
