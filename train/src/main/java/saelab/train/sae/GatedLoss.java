package saelab.train.sae;

import java.util.LinkedHashMap;
import java.util.Map;
import saelab.tensor.Tensor;

/**
 * The training loss of a {@link GatedSae} at an optimiser step (dictionary_learning
 * trainers/gdm.py, the paper's eq. 9), one autograd graph of three named terms:
 * <pre>
 *   "recon"    = ‖x − x̂‖²                                   (summed over d, mean over rows)
 *   "l1"       = λ(t)·‖ReLU(π_gate)‖₁                        (mean over rows)
 *   "aux_gate" = ‖x − (ReLU(π_gate)·sg(W_dec) + sg(b_dec))‖²  (summed over d, mean over rows)
 *   λ(t)       = λ·min(1, t / warm-up)                        (linear from 0; λ without warm-up)
 * </pre>
 * sg = stop-gradient: the auxiliary reconstruction decodes the gate path through a frozen copy
 * of the decoder, so "aux_gate" trains W_enc, b_gate and (through x − b_dec in π_gate) b_dec,
 * but never moves W_dec or the b_dec it adds back. "l1" reaches the same tensors as "aux_gate";
 * r_mag and b_mag learn from "recon" only.
 *
 * <p>Deliberate differences from SAELens gated_sae.py ({@code calculate_aux_loss}): SAELens
 * weights the L1 by ‖W_dec[j]‖ and decodes the auxiliary path through the live W_dec and b_dec.
 * With the decoder rows held at unit norm ({@link GatedSae#project}) the weighted L1 has the same
 * value, and its W_dec gradient is parallel to the rows, which {@link GatedSae#constrainGradient}
 * removes; the frozen decoder is the paper's and dictionary_learning's.
 */
public final class GatedLoss {
    private GatedLoss() {}

    /**
     * @param l1Coefficient λ (dictionary_learning {@code l1_penalty}, SAELens {@code l1_coefficient})
     * @param l1WarmupSteps steps over which λ ramps up from 0 (0: none)
     */
    public record Settings(double l1Coefficient, long l1WarmupSteps) {
        public Settings {
            if (!(l1Coefficient >= 0) || !Double.isFinite(l1Coefficient)) throw new IllegalArgumentException("Gated L1 coefficient must be a number ≥ 0, got " + l1Coefficient);
            if (l1WarmupSteps < 0) throw new IllegalArgumentException("Gated L1 warm-up steps must be ≥ 0, got " + l1WarmupSteps);
        }

        /** λ at optimiser step {@code step}. */
        public double coefficientAt(long step) {
            return l1WarmupSteps == 0 ? l1Coefficient : l1Coefficient * Math.min(1.0, (double) step / l1WarmupSteps);
        }
    }

    /** The recorded total and its named terms (they sum to it), the plain L1 and the batch's L0. */
    public record Terms(Tensor total, Tensor recon, Tensor l1Term, Tensor auxGate, double l1, double l0, double coefficient, GatedSae.Forward forward) {
        /** "recon", "l1" and "aux_gate", in that order. */
        public Map<String, Tensor> named() {
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put("recon", recon);
            m.put("l1", l1Term);
            m.put("aux_gate", auxGate);
            return m;
        }
    }

    public static Terms compute(GatedSae sae, float[] x, int rows, long step, Settings s) {
        int d = sae.config().dIn();
        GatedParams p = sae.params();
        GatedSae.Forward fw = sae.forward(x, rows);
        Tensor xt = Tensor.wrap(x, 0, rows, d);
        Tensor recon = fw.reconstruction().squaredErrorRowMean(xt);
        Tensor gateAct = fw.gatePre().relu();
        Tensor l1 = gateAct.sum(1, false).mean(); // ReLU(π_gate) ≥ 0, so its L1 norm is its sum
        Tensor viaGate = gateAct.matmul(p.wDec().detach()).add(p.bDec().detach().reshape(1, d));
        Tensor aux = viaGate.squaredErrorRowMean(xt);
        double lambda = s.coefficientAt(step);
        Tensor l1Term = l1.mul((float) lambda);
        long fired = 0;
        for (float v : fw.latents().data()) if (v > 0) fired++;
        return new Terms(recon.add(l1Term).add(aux), recon, l1Term, aux, l1.item(), (double) fired / rows, lambda, fw);
    }
}
