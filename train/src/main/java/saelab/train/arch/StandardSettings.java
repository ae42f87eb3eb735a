package saelab.train.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The standard SAE's settings.
 *
 * @param l1Coefficient  λ1 of the decoder-norm-weighted L1 term
 * @param l1WarmupSteps  λ1 ramps linearly from 0 over these steps
 */
public record StandardSettings(double l1Coefficient, long l1WarmupSteps) implements SaeSettings {

    public StandardSettings {
        if (!(l1Coefficient >= 0) || !Double.isFinite(l1Coefficient)) throw new SettingException("standard", "l1_coefficient", l1Coefficient, "a finite number ≥ 0");
        if (l1WarmupSteps < 0) throw new SettingException("standard", "l1_warmup_steps", l1WarmupSteps, "an integer ≥ 0");
    }

    @Override public SaeArchitecture architecture() { return StandardArchitecture.INSTANCE; }

    @Override public void toJson(ObjectNode o) {
        o.put("l1_coefficient", l1Coefficient);
        o.put("l1_warmup_steps", l1WarmupSteps);
    }

    @Override public String describe() { return "L1 " + l1Coefficient + " (warm-up " + l1WarmupSteps + " steps)"; }

    /** The L1 coefficient at a step: linear warm-up from 0 (dictionary_learning's sparsity_scale). */
    public double l1At(long step) {
        return l1WarmupSteps == 0 ? l1Coefficient : l1Coefficient * Math.min(1.0, (double) step / l1WarmupSteps);
    }
}
