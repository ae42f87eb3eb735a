package saelab.train.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import saelab.train.sae.GatedLoss;
import saelab.train.sae.GatedParams;
import saelab.train.sae.GatedSae;
import saelab.train.sae.SaeParams;
import saelab.train.sae.SparseCodes;
import saelab.train.trainer.TrainConfig;

/**
 * The Gated SAE ({@link GatedSae}, loss {@link GatedLoss}: "recon" + "l1" + "aux_gate"),
 * checkpointed with SAELens's tensors W_enc, b_gate, r_mag, b_mag, W_dec, b_dec (no b_enc).
 * Decoder rows stay unit norm (dictionary_learning's ConstrainedAdam). The default λ = 1 suits
 * synthetic data with feature magnitudes ~1. Its codes have no fixed k, so it takes no
 * orthogonality penalty.
 */
public final class GatedArchitecture implements SaeArchitecture {
    public static final GatedArchitecture INSTANCE = new GatedArchitecture();

    private GatedArchitecture() {}

    private static final List<SettingSpec> SPECS = List.of(
            SettingSpec.constant("gate_l1_coefficient", "λ of the L1 term on the gate path's ReLU(π_gate)", 1.0),
            SettingSpec.constant("gate_l1_warmup_steps", "λ ramps linearly from 0 over these steps", 0));

    @Override public String name() { return "gated"; }

    @Override public String summary() { return "Gated (Rajamanoharan et al. 2024a): a gate path picks the latents, a magnitude path sizes them; L1 and auxiliary loss on the gate"; }

    @Override public List<SettingSpec> settingSpecs() { return SPECS; }

    @Override public GatedSettings settings(Map<String, String> values, int dIn, int dSae) {
        SettingValues v = SettingValues.of(name(), SPECS, values, dIn, dSae);
        return new GatedSettings(v.real("gate_l1_coefficient"), v.longValue("gate_l1_warmup_steps"));
    }

    @Override public Sae create(TrainConfig cfg, long seed) {
        return new Model((GatedSettings) cfg.settings(), GatedSae.init(new GatedSae.Config(cfg.dIn(), cfg.dSae()), seed).params());
    }

    @Override public Sae restore(SaeSettings settings, int dIn, int dSae, Map<String, float[]> tensors) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("W_enc", new int[] {dIn, dSae});
        for (String v : List.of("b_gate", "r_mag", "b_mag")) shapes.put(v, new int[] {dSae});
        shapes.put("W_dec", new int[] {dSae, dIn});
        shapes.put("b_dec", new int[] {dIn});
        return around(settings, CheckpointTensors.params(tensors, shapes));
    }

    @Override public Sae around(SaeSettings settings, SaeParams params) {
        if (!params.names().equals(GatedParams.NAMES)) {
            throw new IllegalArgumentException("a Gated SAE has the parameters " + String.join(", ", GatedParams.NAMES) + ", got " + String.join(", ", params.names()));
        }
        return new Model((GatedSettings) settings, new GatedParams(params.get("W_enc"), params.get("b_gate"), params.get("r_mag"),
                params.get("b_mag"), params.get("W_dec"), params.get("b_dec")));
    }

    private static final class Model implements Sae {
        private final GatedSettings settings;
        private final GatedSae sae;
        private final SaeParams params;
        private final GatedLoss.Settings loss;

        Model(GatedSettings settings, GatedParams p) {
            this.settings = settings;
            this.sae = new GatedSae(new GatedSae.Config(p.dIn(), p.dSae()), p);
            this.params = new SaeParams(GatedParams.NAMES, p.list());
            this.loss = new GatedLoss.Settings(settings.l1Coefficient(), settings.l1WarmupSteps());
        }

        @Override public GatedSettings settings() { return settings; }

        @Override public SaeParams params() { return params; }

        @Override public SparseCodes encode(float[] x, int rows) { return sae.encode(x, rows); }

        @Override public Loss loss(float[] x, int rows, StepContext ctx) {
            GatedLoss.Terms t = GatedLoss.compute(sae, x, rows, ctx.step(), loss);
            return new Loss(t.total(), List.of(LossTerm.unweighted("recon", t.recon().item()),
                    new LossTerm("l1", t.l1(), "gate_l1_coefficient", t.coefficient()),
                    LossTerm.unweighted("aux_gate", t.auxGate().item())),
                    JumpReluArchitecture.fired(t.forward().latents().data(), rows, dSae()), t.l0(), t.forward().reconstruction().data());
        }

        @Override public void beforeUpdate() { sae.constrainGradient(); }

        @Override public void afterUpdate() { sae.project(); }

        @Override public void saeLensFields(ObjectNode o) {
            // SAELens 6 saves gated with no fields of its own (its encode: ReLU of the magnitude path, gated).
        }
    }
}
