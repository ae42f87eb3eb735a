package saelab.train.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import saelab.train.sae.JumpReluLoss;
import saelab.train.sae.JumpReluParams;
import saelab.train.sae.JumpReluSae;
import saelab.train.sae.SaeParams;
import saelab.train.sae.SparseCodes;
import saelab.train.trainer.TrainConfig;

/**
 * The JumpReLU SAE ({@link JumpReluSae}, loss {@link JumpReluLoss}: "recon" + "l0"). It trains
 * with b_dec subtracted from the input, SAELens's default {@code apply_b_dec_to_input} and what
 * saelab's cfg.json declares. Checkpoints hold SAELens's tensors W_enc, b_enc, W_dec, b_dec and
 * {@code threshold} [m] (the trained θ itself). The defaults (ε 0.05 as SAELens, θ₀ 0.2,
 * λ 0.1) were tuned on the small synthetic preset (feature magnitudes ~1: they reach its L0); on
 * model data λ scales with ‖x‖² and θ₀ with the pre-activations.
 * Its codes have no fixed k, so it takes no orthogonality penalty.
 */
public final class JumpReluArchitecture implements SaeArchitecture {
    public static final JumpReluArchitecture INSTANCE = new JumpReluArchitecture();

    private JumpReluArchitecture() {}

    private static final List<SettingSpec> SPECS = List.of(
            SettingSpec.constant("jumprelu_bandwidth", "ε: the threshold's straight-through estimators see pre-activations within ε/2 of θ", 0.05),
            SettingSpec.constant("jumprelu_init_threshold", "θ of every latent at initialisation", 0.2),
            SettingSpec.constant("l0_coefficient", "λ of the L0 term", 0.1),
            SettingSpec.constant("l0_warmup_steps", "λ ramps linearly from 0 over these steps", 0),
            SettingSpec.constant("target_l0", "dictionary_learning's target L0: penalise λ·(L0/target − 1)² instead of λ·L0 (0: off)", 0));

    @Override public String name() { return "jumprelu"; }

    @Override public String summary() { return "JumpReLU (Rajamanoharan et al. 2024): a learned threshold per latent, trained by straight-through estimators; L0 penalty"; }

    @Override public List<SettingSpec> settingSpecs() { return SPECS; }

    @Override public JumpReluSettings settings(Map<String, String> values, int dIn, int dSae) {
        SettingValues v = SettingValues.of(name(), SPECS, values, dIn, dSae);
        JumpReluSettings s = new JumpReluSettings(v.real("jumprelu_bandwidth"), v.real("jumprelu_init_threshold"), v.real("l0_coefficient"),
                v.longValue("l0_warmup_steps"), v.real("target_l0"));
        s.check(dIn, dSae);
        return s;
    }

    @Override public Sae create(TrainConfig cfg, long seed) {
        JumpReluSettings s = (JumpReluSettings) cfg.settings();
        return new Model(s, JumpReluSae.init(config(s, cfg.dIn(), cfg.dSae()), seed).params());
    }

    @Override public Sae restore(SaeSettings settings, int dIn, int dSae, Map<String, float[]> tensors) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("W_enc", new int[] {dIn, dSae});
        shapes.put("b_enc", new int[] {dSae});
        shapes.put("W_dec", new int[] {dSae, dIn});
        shapes.put("b_dec", new int[] {dIn});
        shapes.put("threshold", new int[] {dSae});
        return around(settings, CheckpointTensors.params(tensors, shapes));
    }

    @Override public Sae around(SaeSettings settings, SaeParams params) {
        if (!params.names().equals(JumpReluParams.NAMES)) {
            throw new IllegalArgumentException("a JumpReLU SAE has the parameters " + String.join(", ", JumpReluParams.NAMES) + ", got " + String.join(", ", params.names()));
        }
        float[] theta = params.get("threshold").data();
        for (int j = 0; j < theta.length; j++) {
            if (!(theta[j] >= 0)) throw new IllegalArgumentException("JumpReLU threshold[" + j + "] = " + theta[j] + ": thresholds must be ≥ 0");
        }
        SaeParams base = new SaeParams(params.get("W_enc"), params.get("b_enc"), params.get("W_dec"), params.get("b_dec"));
        return new Model((JumpReluSettings) settings, new JumpReluParams(base, params.get("threshold")));
    }

    private static JumpReluSae.Config config(JumpReluSettings s, int dIn, int dSae) {
        return new JumpReluSae.Config(dIn, dSae, s.bandwidth(), s.initThreshold(), true);
    }

    private static final class Model implements Sae {
        private final JumpReluSettings settings;
        private final JumpReluSae sae;
        private final SaeParams params;
        private final JumpReluLoss.Settings loss;

        Model(JumpReluSettings settings, JumpReluParams p) {
            settings.check(p.dIn(), p.dSae());
            this.settings = settings;
            this.sae = new JumpReluSae(config(settings, p.dIn(), p.dSae()), p);
            this.params = new SaeParams(JumpReluParams.NAMES, p.list());
            this.loss = new JumpReluLoss.Settings(settings.l0Coefficient(), settings.l0WarmupSteps(), settings.targetL0());
        }

        @Override public JumpReluSettings settings() { return settings; }

        @Override public SaeParams params() { return params; }

        @Override public SparseCodes encode(float[] x, int rows) { return sae.encode(x, rows); }

        @Override public Loss loss(float[] x, int rows, StepContext ctx) {
            JumpReluLoss.Terms t = JumpReluLoss.compute(sae, x, rows, ctx.step(), loss);
            return new Loss(t.total(), List.of(LossTerm.unweighted("recon", t.recon().item()),
                    new LossTerm("l0", t.sparsity(), "l0_coefficient", t.coefficient())),
                    fired(t.forward().latents().data(), rows, dSae()), t.l0(), t.forward().reconstruction().data());
        }

        @Override public void beforeUpdate() { sae.constrainGradient(); }

        @Override public void afterUpdate() { sae.project(); }

        @Override public void saeLensFields(ObjectNode o) {
            // SAELens 6 saves jumprelu with no fields of its own (its encode: ReLU(pre) masked by pre > threshold).
        }
    }

    /** Per latent, whether any row's latent value is non-zero. */
    static boolean[] fired(float[] f, int rows, int m) {
        boolean[] fired = new boolean[m];
        for (int i = 0; i < rows * m; i++) if (f[i] != 0) fired[i % m] = true;
        return fired;
    }
}
