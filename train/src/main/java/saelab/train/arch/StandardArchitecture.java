package saelab.train.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import saelab.tensor.NoGrad;
import saelab.tensor.Tensor;
import saelab.train.sae.ReluSae;
import saelab.train.sae.SaeParams;
import saelab.train.sae.SparseCodes;
import saelab.train.sae.SparseEncoder;
import saelab.train.trainer.TrainConfig;

/**
 * dictionary_learning's April-update standard SAE ({@link ReluSae}): loss = ‖x − x̂‖² (sum over
 * d, mean over rows) + λ1·min(1, step / l1_warmup)·Σ_j f_j·‖W_dec[j]‖. The decoder is not
 * constrained (the norm-weighted L1 already stops the trade of small codes for large rows);
 * b_dec starts at 0. Its codes have no fixed k, so it takes no orthogonality penalty.
 */
public final class StandardArchitecture implements SaeArchitecture {
    public static final StandardArchitecture INSTANCE = new StandardArchitecture();

    private StandardArchitecture() {}

    private static final List<SettingSpec> SPECS = List.of(
            SettingSpec.constant("l1_coefficient", "λ1 of the decoder-norm-weighted L1 term", 0.04),
            SettingSpec.constant("l1_warmup_steps", "λ1 ramps linearly from 0 over these steps", 0));

    @Override public String name() { return "standard"; }

    @Override public List<String> aliases() { return List.of("relu"); }

    @Override public String summary() { return "standard (ReLU + decoder-norm-weighted L1, dictionary_learning's April update)"; }

    @Override public List<SettingSpec> settingSpecs() { return SPECS; }

    @Override public StandardSettings settings(Map<String, String> values, int dIn, int dSae) {
        SettingValues v = SettingValues.of(name(), SPECS, values, dIn, dSae);
        double l1 = v.real("l1_coefficient");
        long warm = v.longValue("l1_warmup_steps");
        if (!(l1 >= 0) || !Double.isFinite(l1)) throw v.bad("l1_coefficient", l1, "a finite number ≥ 0");
        if (warm < 0) throw v.bad("l1_warmup_steps", warm, "an integer ≥ 0");
        return new StandardSettings(l1, warm);
    }

    @Override public Sae create(TrainConfig cfg, long seed) {
        return new Model((StandardSettings) cfg.settings(), ReluSae.init(new ReluSae.Config(cfg.dIn(), cfg.dSae()), seed).params());
    }

    @Override public Sae restore(SaeSettings settings, int dIn, int dSae, Map<String, float[]> tensors) {
        return new Model((StandardSettings) settings, CheckpointTensors.fourTensorLayout(tensors, dIn, dSae));
    }

    @Override public Sae around(SaeSettings settings, SaeParams params) {
        return new Model((StandardSettings) settings, CheckpointTensors.requireFourTensorLayout(params));
    }

    private static final class Model implements Sae {
        private final StandardSettings settings;
        private final ReluSae sae;

        Model(StandardSettings settings, SaeParams params) {
            this.settings = settings;
            this.sae = new ReluSae(new ReluSae.Config(params.dIn(), params.dSae()), params);
        }

        @Override public StandardSettings settings() { return settings; }

        @Override public SaeParams params() { return sae.params(); }

        @Override public SparseCodes encode(float[] x, int rows) {
            return SparseCodes.ofDense(SparseEncoder.preActivations(x, rows, sae.params()).pre(), rows, dSae());
        }

        @Override public Reconstruction reconstruct(float[] x, int rows) {
            try (var g = NoGrad.enter()) {
                ReluSae.Forward f = sae.forward(x, rows);
                long nonzero = 0;
                for (float v : f.latents().toArray()) if (v > 0) nonzero++;
                return new Reconstruction(f.reconstruction().toArray(), (double) nonzero / rows);
            }
        }

        @Override public Loss loss(float[] x, int rows, StepContext ctx) {
            int d = dIn(), m = dSae();
            ReluSae.Forward fw = sae.forward(x, rows);
            Tensor recon = fw.reconstruction().squaredErrorRowMean(Tensor.wrap(x, 0, rows, d));
            Tensor l1 = sae.weightedL1(fw.latents());
            double w = settings.l1At(ctx.step());
            Tensor total = recon.add(l1.mul((float) w));
            float[] f = fw.latents().data();
            boolean[] fired = new boolean[m];
            long nonzero = 0;
            for (int i = 0; i < rows * m; i++) if (f[i] > 0) { fired[i % m] = true; nonzero++; }
            return new Loss(total, List.of(LossTerm.unweighted("recon", recon.item()), new LossTerm("l1", l1.item(), "l1_coefficient", w)),
                    fired, (double) nonzero / rows, fw.reconstruction().data());
        }

        @Override public void saeLensFields(ObjectNode o) {} // StandardSAEConfig has no fields of its own
    }
}
