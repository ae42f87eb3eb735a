package saelab.train.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import saelab.tensor.NoGrad;
import saelab.train.optim.GeometricMedian;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.sae.BlockedTopK;
import saelab.train.sae.SaeParams;
import saelab.train.sae.SparseCodes;
import saelab.train.sae.SparseEncoder;
import saelab.train.sae.TopKSae;
import saelab.train.trainer.DeviceTopKStep;
import saelab.train.trainer.TopKLoss;
import saelab.train.trainer.TrainConfig;

/**
 * dictionary_learning's TopK SAE and trainer ({@link TopKSae}, {@link TopKLoss}): b_dec starts at
 * the geometric median of a batch; decoder rows stay unit norm, with each row's gradient
 * component along the row removed before the step (so Adam does not spend its step on a radial
 * move the projection would undo) and rows renormalised after. Its fixed-k codes take the
 * co-firing and orthogonal penalties, and it has a resident device step.
 */
public final class TopKArchitecture implements SaeArchitecture {
    public static final TopKArchitecture INSTANCE = new TopKArchitecture();

    private TopKArchitecture() {}

    private static final List<SettingSpec> SPECS = List.of(
            SettingSpec.integer("k", "latents kept per row", (d, m) -> Math.min(32, m)),
            SettingSpec.constant("auxk_alpha", "weight of the auxiliary TopK loss on dead latents (0: off)", 1.0 / 32),
            SettingSpec.integer("k_aux", "latents the auxiliary loss keeps per row", (d, m) -> Math.max(1, d / 2)));

    @Override public String name() { return "topk"; }

    @Override public String summary() { return "TopK (Gao et al.): keep the k largest ReLU pre-activations per row; AuxK loss revives dead latents"; }

    @Override public List<SettingSpec> settingSpecs() { return SPECS; }

    @Override public TopKSettings settings(Map<String, String> values, int dIn, int dSae) {
        SettingValues v = SettingValues.of(name(), SPECS, values, dIn, dSae);
        TopKSettings s = new TopKSettings(v.integer("k"), v.real("auxk_alpha"), v.integer("k_aux"));
        s.check(dIn, dSae);
        return s;
    }

    @Override public Sae create(TrainConfig cfg, long seed) {
        TopKSettings s = (TopKSettings) cfg.settings();
        return new Model(s, TopKSae.init(new TopKSae.Config(cfg.dIn(), cfg.dSae(), s.k()), seed).params());
    }

    @Override public Sae restore(SaeSettings settings, int dIn, int dSae, Map<String, float[]> tensors) {
        return new Model((TopKSettings) settings, CheckpointTensors.fourTensorLayout(tensors, dIn, dSae));
    }

    @Override public Sae around(SaeSettings settings, SaeParams params) {
        return new Model((TopKSettings) settings, CheckpointTensors.requireFourTensorLayout(params));
    }

    @Override public boolean supportsPenalty() { return true; }

    @Override public boolean residentCapable() { return true; }

    @Override public DeviceTopKStep.TopK resident(SaeSettings settings) {
        TopKSettings s = (TopKSettings) settings;
        return new DeviceTopKStep.TopK(s.k(), s.auxkAlpha(), s.kAux());
    }

    private static final class Model implements Sae {
        private final TopKSettings settings;
        private final TopKSae sae;
        private final TopKLoss.Settings lossSettings;

        Model(TopKSettings settings, SaeParams params) {
            settings.check(params.dIn(), params.dSae());
            this.settings = settings;
            this.sae = new TopKSae(new TopKSae.Config(params.dIn(), params.dSae(), settings.k()), params);
            // The penalty is the trainer's to add (on codeValues); seed only matters to the orthogonal penalty.
            this.lossSettings = new TopKLoss.Settings(PenaltyConfig.none(), settings.auxkAlpha(), settings.kAux());
        }

        @Override public TopKSettings settings() { return settings; }

        @Override public SaeParams params() { return sae.params(); }

        @Override public SparseCodes encode(float[] x, int rows) {
            SparseEncoder.Selection s = BlockedTopK.select(x, rows, sae.params(), settings.k(), null, 0).top();
            return new SparseCodes(rows, settings.k(), dSae(), s.indices(), s.values());
        }

        @Override public Reconstruction reconstruct(float[] x, int rows) {
            try (var g = NoGrad.enter()) {
                TopKSae.Forward f = sae.forward(x, rows);
                return new Reconstruction(f.reconstruction().toArray(), SparseEncoder.l0(f.selection()));
            }
        }

        @Override public void initialize(float[] x, int rows) {
            float[] median = GeometricMedian.of(x, rows, dIn(), 100, 1e-5);
            System.arraycopy(median, 0, sae.params().bDec().data(), 0, dIn());
        }

        @Override public Loss loss(float[] x, int rows, StepContext ctx) {
            TopKLoss.Terms t = TopKLoss.compute(sae, x, rows, ctx.step(), ctx.progress(), lossSettings, ctx.dead());
            SparseEncoder.Selection sel = t.forward().selection();
            boolean[] fired = new boolean[dSae()];
            float[] v = sel.values();
            int[] idx = sel.indices();
            for (int i = 0; i < v.length; i++) if (v[i] > 0) fired[idx[i]] = true;
            return new Loss(t.total(), List.of(LossTerm.unweighted("recon", t.recon()),
                    new LossTerm("auxk", t.auxk(), "auxk_alpha", settings.auxkAlpha())),
                    fired, SparseEncoder.l0(sel), t.forward().reconstruction().data(), t.forward().values(), idx, settings.k());
        }

        /** Unit-norm decoder rows after every update (dictionary_learning's set_decoder_norm_to_unit_norm), fused by the trainer. */
        @Override public int unitNormRows() { return sae.params().names().indexOf("W_dec"); }

        /** No radial decoder gradient (remove_gradient_parallel_to_decoder_directions), removed by the trainer's fused update. */
        @Override public boolean unitRowsTangent() { return true; }

        @Override public void saeLensFields(ObjectNode o) {
            o.put("k", settings.k()); // TopKSAEConfig.k; 6.x has no activation_fn
        }
    }
}
