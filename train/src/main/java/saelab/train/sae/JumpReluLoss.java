package saelab.train.sae;

import java.util.LinkedHashMap;
import java.util.Map;
import saelab.tensor.Tensor;

/**
 * The training loss of a {@link JumpReluSae} at an optimiser step, as one autograd graph of two
 * named terms:
 * <pre>
 *   "recon" = ‖x − x̂‖²                     (summed over d, mean over rows)
 *   "l0"    = λ(t)·L0                       (SAELens, jumprelu_sparsity_loss_mode "step")
 *          or λ(t)·(L0 / L0_target − 1)²    (dictionary_learning, when a target is set)
 *   L0      = mean over rows of Σ_j H(pre − θ)_j, through {@link JumpReluOps#step}
 *   λ(t)    = λ·min(1, t / warm-up)         (linear from 0; λ from step 0 without warm-up)
 * </pre>
 * L0 reaches only θ (through its estimator); the reconstruction reaches every parameter, θ
 * through the JumpReLU estimator. References: SAELens jumprelu_sae.py
 * ({@code calculate_aux_loss}, {@code l0_coefficient}, {@code l0_warm_up_steps}; the step form)
 * and dictionary_learning trainers/jumprelu.py ({@code target_l0}, the sparsity warm-up
 * {@code min(step / sparsity_warmup_steps, 1)}). One deliberate difference from
 * dictionary_learning: it applies its step function to f rather than to pre, so its L0 window
 * only sees pre in (θ, θ + ε/2); this follows SAELens and the paper, which use pre.
 */
public final class JumpReluLoss {
    private JumpReluLoss() {}

    /**
     * @param l0Coefficient λ (SAELens {@code l0_coefficient}, dictionary_learning {@code sparsity_penalty})
     * @param l0WarmupSteps steps over which λ ramps up from 0 (0: none)
     * @param targetL0      dictionary_learning's target L0; 0 for SAELens's plain λ·L0
     */
    public record Settings(double l0Coefficient, long l0WarmupSteps, double targetL0) {
        public Settings {
            if (!(l0Coefficient >= 0) || !Double.isFinite(l0Coefficient)) throw new IllegalArgumentException("JumpReLU L0 coefficient must be a number ≥ 0, got " + l0Coefficient);
            if (l0WarmupSteps < 0) throw new IllegalArgumentException("JumpReLU L0 warm-up steps must be ≥ 0, got " + l0WarmupSteps);
            if (!(targetL0 >= 0) || !Double.isFinite(targetL0)) throw new IllegalArgumentException("JumpReLU target L0 must be > 0, or 0 for none, got " + targetL0);
        }

        /** λ at optimiser step {@code step}. */
        public double coefficientAt(long step) {
            return l0WarmupSteps == 0 ? l0Coefficient : l0Coefficient * Math.min(1.0, (double) step / l0WarmupSteps);
        }
    }

    /**
     * The recorded total and its named terms (they sum to it); the "l0" term unweighted
     * ({@code sparsity}: L0, or (L0/target − 1)²) and its weight λ(t); the plain L0 (the batch's
     * mean count of firing latents).
     */
    public record Terms(Tensor total, Tensor recon, Tensor l0Term, double sparsity, double coefficient, double l0, JumpReluSae.Forward forward) {
        /** "recon" and "l0", in that order. */
        public Map<String, Tensor> named() {
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put("recon", recon);
            m.put("l0", l0Term);
            return m;
        }
    }

    public static Terms compute(JumpReluSae sae, float[] x, int rows, long step, Settings s) {
        int d = sae.config().dIn();
        JumpReluSae.Forward fw = sae.forward(x, rows);
        Tensor recon = fw.reconstruction().squaredErrorRowMean(Tensor.wrap(x, 0, rows, d));
        Tensor l0 = JumpReluOps.step(fw.pre(), fw.threshold(), (float) sae.config().bandwidth()).sum(1, false).mean();
        double lambda = s.coefficientAt(step);
        Tensor sparsity = s.targetL0() > 0 ? l0.mul((float) (1 / s.targetL0())).sub(1f).square() : l0;
        Tensor l0Term = sparsity.mul((float) lambda);
        return new Terms(recon.add(l0Term), recon, l0Term, sparsity.item(), lambda, l0.item(), fw);
    }
}
