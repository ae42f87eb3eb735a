package saelab.train.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JumpReLU SAE's settings ({@link JumpReluArchitecture}).
 *
 * @param bandwidth      ε of the straight-through estimators' rectangle kernel (SAELens jumprelu_bandwidth)
 * @param initThreshold  θ of every latent at initialisation (SAELens jumprelu_init_threshold)
 * @param l0Coefficient  λ of the "l0" term (SAELens l0_coefficient)
 * @param l0WarmupSteps  λ ramps linearly from 0 over these steps (SAELens l0_warm_up_steps)
 * @param targetL0       dictionary_learning's target L0: the term is λ·(L0/target − 1)²; 0 for λ·L0
 */
public record JumpReluSettings(double bandwidth, double initThreshold, double l0Coefficient, long l0WarmupSteps, double targetL0) implements SaeSettings {

    public JumpReluSettings {
        if (!(bandwidth > 0) || !Double.isFinite(bandwidth)) throw new SettingException("jumprelu", "jumprelu_bandwidth", bandwidth, "a finite number > 0");
        if (!(initThreshold > 0) || !Double.isFinite(initThreshold)) throw new SettingException("jumprelu", "jumprelu_init_threshold", initThreshold, "a finite number > 0");
        if (!(l0Coefficient >= 0) || !Double.isFinite(l0Coefficient)) throw new SettingException("jumprelu", "l0_coefficient", l0Coefficient, "a finite number ≥ 0");
        if (l0WarmupSteps < 0) throw new SettingException("jumprelu", "l0_warmup_steps", l0WarmupSteps, "an integer ≥ 0");
        if (!(targetL0 >= 0) || !Double.isFinite(targetL0)) throw new SettingException("jumprelu", "target_l0", targetL0, "a finite number > 0, or 0 for none");
    }

    @Override public SaeArchitecture architecture() { return JumpReluArchitecture.INSTANCE; }

    @Override public void toJson(ObjectNode o) {
        o.put("jumprelu_bandwidth", bandwidth);
        o.put("jumprelu_init_threshold", initThreshold);
        o.put("l0_coefficient", l0Coefficient);
        o.put("l0_warmup_steps", l0WarmupSteps);
        o.put("target_l0", targetL0);
    }

    @Override public String describe() {
        return "bandwidth " + bandwidth + ", initial threshold " + initThreshold + ", L0 " + l0Coefficient + " (warm-up " + l0WarmupSteps + " steps"
                + (targetL0 > 0 ? ", target L0 " + targetL0 : "") + ")";
    }

    @Override public void check(int dIn, int dSae) {
        if (targetL0 > dSae) throw new SettingException("jumprelu", "target_l0", targetL0, "at most d_sae = " + dSae);
    }
}
