package saelab.train.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The Gated SAE's settings ({@link GatedArchitecture}). Their keys are the gate's own (not the
 * standard SAE's l1_coefficient), so a value meant for one L1 never lands on the other.
 *
 * @param l1Coefficient λ of the "l1" term on ReLU(π_gate) (SAELens l1_coefficient, dictionary_learning l1_penalty)
 * @param l1WarmupSteps λ ramps linearly from 0 over these steps (SAELens l1_warm_up_steps)
 */
public record GatedSettings(double l1Coefficient, long l1WarmupSteps) implements SaeSettings {

    public GatedSettings {
        if (!(l1Coefficient >= 0) || !Double.isFinite(l1Coefficient)) throw new SettingException("gated", "gate_l1_coefficient", l1Coefficient, "a finite number ≥ 0");
        if (l1WarmupSteps < 0) throw new SettingException("gated", "gate_l1_warmup_steps", l1WarmupSteps, "an integer ≥ 0");
    }

    @Override public SaeArchitecture architecture() { return GatedArchitecture.INSTANCE; }

    @Override public void toJson(ObjectNode o) {
        o.put("gate_l1_coefficient", l1Coefficient);
        o.put("gate_l1_warmup_steps", l1WarmupSteps);
    }

    @Override public String describe() { return "gate L1 " + l1Coefficient + " (warm-up " + l1WarmupSteps + " steps)"; }
}
