package saelab.train.trainer;

/**
 * What one optimiser step measured (before its update), for the JSONL log and the progress bar.
 *
 * @param sparsityTerm       the L1 term (standard) or the auxiliary TopK loss (topk), unweighted
 * @param sparsityWeight     its weight this step (λ1·warm-up, or auxk_alpha)
 * @param penaltyTerm        the penalty's term in the loss: λ2(p)·P (co-firing) or γ(p)·Q (orthogonal)
 * @param lambda2            the penalty's weight this step: λ2(p), or γ(p) for the orthogonal penalty
 * @param rawPenalty         P, or the orthogonal penalty's Q (mean over latents of the largest cos² in its chunk)
 * @param explainedVariance  1 − Σ‖x − x̂‖² / Σ‖x − x̄‖² over the batch (variance about the batch mean)
 * @param activeLatents      latents that fired at least once in this batch
 * @param deadLatents        latents without a firing for at least the dead-token window
 */
public record StepStats(long step, double progress, double lr, double loss, double recon, double sparsityTerm,
                        double sparsityWeight, double penaltyTerm, double lambda2, double threshold, double rawPenalty,
                        long coFiringPairs, long penalizedPairs, double meanC, double l0, double explainedVariance,
                        int activeLatents, int deadLatents, double gradNorm) {}
