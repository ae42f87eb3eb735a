package saelab.train.trainer;

import saelab.tensor.Tensor;
import saelab.train.penalty.CoFiringPenalty;
import saelab.train.penalty.OrthogonalPenalty;
import saelab.train.penalty.Penalties;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.sae.AuxKLoss;
import saelab.train.sae.SparseDecoder;
import saelab.train.sae.TopKSae;

/**
 * The full training loss of a TopK SAE at progress p, as one autograd graph:
 * <pre>
 *   L = ‖x − x̂‖²  (summed over d, mean over the batch; dictionary_learning's l2_loss)
 *     + auxk_alpha · AuxK                       (when latents are dead)
 *     + λ2(p) · Σ_{i≠j} c_ij(p)·|g_ij|          (the co-firing penalty, if any)
 *     or γ(p) · Q                               (the orthogonal penalty: {@link OrthogonalPenalty})
 *   AuxK = mean_b ‖e_b − ê_b‖² / mean_b ‖e_b − ē‖²
 * </pre>
 * where e = x − x̂ (a constant: the auxiliary loss must not pull the live latents), and ê decodes,
 * without b_dec, the k_aux largest ReLU pre-activations among the dead latents only (OpenAI's
 * normalisation; 0 when the residual has no variance).
 */
public final class TopKLoss {
    private TopKLoss() {}

    /**
     * The loss's knobs apart from the SAE: penalty, auxiliary weight and its k, and the run's seed
     * (the orthogonal penalty's chunks are drawn from (seed, step)).
     */
    public record Settings(PenaltyConfig penalty, double auxkAlpha, int kAux, long seed) {
        /** Seed 0. */
        public Settings(PenaltyConfig penalty, double auxkAlpha, int kAux) {
            this(penalty, auxkAlpha, kAux, 0);
        }
    }

    /**
     * The recorded total and every term's value.
     *
     * @param penaltyTerm the penalty's recorded term (λ2·P or γ·Q), 0 without a penalty
     * @param penalty     the co-firing pass (null unless the penalty is static or adaptive)
     * @param orthogonal  the orthogonal pass (null unless the penalty is orthogonal)
     */
    public record Terms(Tensor total, double recon, double auxk, double penaltyTerm,
                        CoFiringPenalty.Result penalty, OrthogonalPenalty.Result orthogonal, TopKSae.Forward forward, int dead) {}

    /** @param dead latents counted as dead (null: none); the orthogonal penalty draws the chunks of step 0 */
    public static Terms compute(TopKSae sae, float[] x, int rows, double p, Settings s, boolean[] dead) {
        return compute(sae, x, rows, 0, p, s, dead);
    }

    /** @param step the optimiser step: the orthogonal penalty draws its chunks from (s.seed, step) */
    public static Terms compute(TopKSae sae, float[] x, int rows, long step, double p, Settings s, boolean[] dead) {
        int d = sae.config().dIn();
        int nDead = 0;
        if (dead != null) for (boolean b : dead) if (b) nDead++;
        // The auxiliary loss's per-row selection among the dead latents is made in the encoder's pass.
        int kDead = s.auxkAlpha() > 0 ? Math.max(0, Math.min(s.kAux(), nDead)) : 0;
        TopKSae.Forward fw = sae.forward(x, rows, dead, kDead);
        Tensor xt = Tensor.wrap(x, 0, rows, d);
        Tensor recon = fw.reconstruction().squaredErrorRowMean(xt);
        Tensor total = recon;

        double auxk = 0;
        if (kDead > 0) {
            Tensor aux = AuxKLoss.of(fw.centred(), fw.deadSelection(), sae.params(), x, fw.reconstruction().data());
            if (aux != null) {
                auxk = aux.item();
                total = total.add(aux.mul((float) s.auxkAlpha()));
            }
        }

        Penalties.Applied applied = Penalties.apply(s.penalty(), p, s.seed(), step, fw.values(), fw.selection().indices(),
                sae.params().wDec());
        CoFiringPenalty.Result pen = applied.coFiring();
        OrthogonalPenalty.Result ort = applied.orthogonal();
        double penaltyTerm = 0;
        if (applied.term() != null) {
            penaltyTerm = applied.term().item();
            total = total.add(applied.term());
        }
        return new Terms(total, recon.item(), auxk, penaltyTerm, pen, ort, fw, nDead);
    }
}
