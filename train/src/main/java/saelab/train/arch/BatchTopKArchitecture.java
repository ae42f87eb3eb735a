package saelab.train.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import saelab.tensor.NoGrad;
import saelab.tensor.Tensor;
import saelab.train.optim.GeometricMedian;
import saelab.train.sae.BatchTopK;
import saelab.train.sae.BatchTopKSae;
import saelab.train.sae.SaeParams;
import saelab.train.sae.SparseCodes;
import saelab.train.sae.SparseEncoder;
import saelab.train.sae.TrainingLoss;
import saelab.train.trainer.TrainConfig;

/**
 * dictionary_learning's BatchTopK SAE and trainer ({@link BatchTopKSae}): b_dec starts at the
 * geometric median of the first batch; the k·B largest ReLU pre-activations of each batch are
 * kept; recon + auxk_alpha·AuxK; unit-norm decoder rows (radial gradient removed, rows
 * renormalised); each step's smallest kept activation feeds the inference threshold θ from step
 * threshold_start_step on (EMA with threshold_beta), and inference keeps ReLU(pre) &gt; θ.
 *
 * <p>Parameters: W_enc, b_enc, W_dec, b_dec and "threshold" [m] (every entry θ, −1 before an
 * estimate; no gradient), so θ is checkpointed and resumed with the weights, in the tensor layout
 * SAELens gives a trained BatchTopK SAE for inference (JumpReLU). Until θ has an estimate, inference
 * falls back to the batch selection itself (dictionary_learning would encode with plain ReLU), so a
 * run shorter than threshold_start_step still evaluates at L0 ≈ k. Its codes have no fixed k per
 * row, so it takes no orthogonality penalty here (see {@link SaeArchitecture#supportsPenalty}).
 */
public final class BatchTopKArchitecture implements SaeArchitecture {
    public static final BatchTopKArchitecture INSTANCE = new BatchTopKArchitecture();

    private BatchTopKArchitecture() {}

    /**
     * BatchTopK's settings.
     *
     * @param k                  mean codes per row (the batch keeps k·B)
     * @param auxkAlpha          weight of the auxiliary loss on dead latents (0: off)
     * @param kAux               codes per row of the auxiliary loss (dictionary_learning: d/2)
     * @param thresholdBeta      the threshold estimate's EMA factor β
     * @param thresholdStartStep steps after which the estimate starts
     */
    public record Settings(int k, double auxkAlpha, int kAux, double thresholdBeta, long thresholdStartStep) implements SaeSettings {
        public Settings {
            String a = INSTANCE.name();
            if (k <= 0) throw new SettingException(a, "k", k, "a positive integer");
            if (!(auxkAlpha >= 0) || !Double.isFinite(auxkAlpha)) throw new SettingException(a, "auxk_alpha", auxkAlpha, "a finite number ≥ 0");
            if (kAux <= 0) throw new SettingException(a, "k_aux", kAux, "a positive integer");
            if (!(thresholdBeta >= 0 && thresholdBeta < 1)) throw new SettingException(a, "threshold_beta", thresholdBeta, "a number in [0, 1)");
            if (thresholdStartStep < -1) throw new SettingException(a, "threshold_start_step", thresholdStartStep, "an integer ≥ −1 (−1: from the first step)");
        }

        @Override public SaeArchitecture architecture() { return INSTANCE; }

        @Override public void toJson(ObjectNode o) {
            o.put("k", k);
            o.put("auxk_alpha", auxkAlpha);
            o.put("k_aux", kAux);
            o.put("threshold_beta", thresholdBeta);
            o.put("threshold_start_step", thresholdStartStep);
        }

        @Override public String describe() {
            return "k " + k + " (per batch row), auxk_alpha " + auxkAlpha + ", k_aux " + kAux + ", threshold β " + thresholdBeta + " from step " + thresholdStartStep;
        }

        @Override public void check(int dIn, int dSae) {
            if (k > dSae) throw new SettingException(INSTANCE.name(), "k", k, "at most d_sae = " + dSae + " (the batch keeps k·B of its B·m activations)");
        }

        BatchTopKSae.Config config(int dIn, int dSae) { return new BatchTopKSae.Config(dIn, dSae, k, thresholdBeta, thresholdStartStep); }
    }

    static final List<SettingSpec> SPECS = List.of(
            SettingSpec.integer("k", "mean latents kept per row (the batch keeps k·rows)", (d, m) -> Math.min(32, m)),
            SettingSpec.constant("auxk_alpha", "weight of the auxiliary loss on dead latents (0: off)", 1.0 / 32),
            SettingSpec.integer("k_aux", "latents the auxiliary loss keeps per row", (d, m) -> Math.max(1, d / 2)),
            SettingSpec.constant("threshold_beta", "EMA factor of the inference threshold estimate", 0.999),
            SettingSpec.constant("threshold_start_step", "the threshold is estimated after this step (−1: from the first)", 1000));

    @Override public String name() { return "batchtopk"; }

    @Override public String summary() { return "BatchTopK (Bussmann et al.): keep the k·B largest ReLU pre-activations of the batch; threshold at inference"; }

    @Override public List<SettingSpec> settingSpecs() { return SPECS; }

    @Override public Settings settings(Map<String, String> values, int dIn, int dSae) {
        SettingValues v = SettingValues.of(name(), SPECS, values, dIn, dSae);
        Settings s = new Settings(v.integer("k"), v.real("auxk_alpha"), v.integer("k_aux"), v.real("threshold_beta"), v.longValue("threshold_start_step"));
        s.check(dIn, dSae);
        return s;
    }

    @Override public Sae create(TrainConfig cfg, long seed) {
        Settings s = (Settings) cfg.settings();
        return new Model(s, withThreshold(BatchTopKSae.init(s.config(cfg.dIn(), cfg.dSae()), seed).params()));
    }

    @Override public Sae restore(SaeSettings settings, int dIn, int dSae, Map<String, float[]> tensors) {
        return new Model((Settings) settings, CheckpointTensors.params(tensors, layout(dIn, dSae)));
    }

    @Override public Sae around(SaeSettings settings, SaeParams params) {
        return new Model((Settings) settings, requireLayout(params));
    }

    /** W_enc [d, m], b_enc [m], W_dec [m, d], b_dec [d], threshold [m]: the checkpoint order. */
    static Map<String, int[]> layout(int d, int m) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("W_enc", new int[] {d, m});
        shapes.put("b_enc", new int[] {m});
        shapes.put("W_dec", new int[] {m, d});
        shapes.put("b_dec", new int[] {d});
        shapes.put(BatchTopKSae.THRESHOLD, new int[] {m});
        return shapes;
    }

    /** The four-tensor parameters plus a threshold tensor holding "no estimate" (−1). */
    static SaeParams withThreshold(SaeParams p) {
        float[] theta = new float[p.dSae()];
        java.util.Arrays.fill(theta, -1f);
        return new SaeParams(List.of("W_enc", "b_enc", "W_dec", "b_dec", BatchTopKSae.THRESHOLD),
                List.of(p.wEnc(), p.bEnc(), p.wDec(), p.bDec(), Tensor.of(theta, p.dSae())));
    }

    static SaeParams requireLayout(SaeParams p) {
        List<String> names = List.copyOf(layout(p.dIn(), p.dSae()).keySet());
        if (!p.names().equals(names)) throw new IllegalArgumentException("expected the parameters " + String.join(", ", names) + ", got " + String.join(", ", p.names()));
        return p;
    }

    /** Inference codes: ReLU(pre) &gt; θ, or the batch selection while θ has no estimate. */
    static SparseCodes encode(SaeParams p, double theta, int k, float[] x, int rows) {
        try (var g = NoGrad.enter()) {
            SparseEncoder.PreActivations pa = SparseEncoder.preActivations(x, rows, p);
            SparseEncoder.Selection s = theta < 0 ? BatchTopK.select(pa, k) : BatchTopK.thresholded(pa, theta);
            return new SparseCodes(rows, s.k(), p.dSae(), s.indices(), s.values());
        }
    }

    /** Which latents fired in the kept codes, and their mean count per row. */
    static boolean[] fired(SparseEncoder.Selection s, int m) {
        boolean[] fired = new boolean[m];
        for (int i = 0; i < s.values().length; i++) if (s.values()[i] > 0) fired[s.indices()[i]] = true;
        return fired;
    }

    /**
     * The name cfg.json gives SAELens: SAELens saves a trained (Matryoshka) BatchTopK SAE for
     * inference as JumpReLU with θ in every latent's threshold, which encodes exactly as the estimated
     * threshold does here; before an estimate (θ = −1) there is no such JumpReLU, and the file keeps
     * the architecture's own name (SAELens then refuses to load it for inference rather than encode
     * wrongly).
     */
    static String saeLensName(saelab.train.sae.BatchTopKThreshold threshold, SaeArchitecture architecture) {
        return threshold.value() >= 0 ? "jumprelu" : architecture.name();
    }

    static void initialize(SaeParams p, float[] x, int rows) {
        float[] median = GeometricMedian.of(x, rows, p.dIn(), 100, 1e-5);
        System.arraycopy(median, 0, p.bDec().data(), 0, p.dIn());
    }

    private static final class Model implements Sae {
        private final Settings settings;
        private final BatchTopKSae sae;

        Model(Settings settings, SaeParams params) {
            settings.check(params.dIn(), params.dSae());
            this.settings = settings;
            this.sae = new BatchTopKSae(settings.config(params.dIn(), params.dSae()), params);
        }

        @Override public Settings settings() { return settings; }

        @Override public SaeParams params() { return sae.params(); }

        @Override public SparseCodes encode(float[] x, int rows) { return BatchTopKArchitecture.encode(sae.params(), sae.threshold().value(), settings.k(), x, rows); }

        @Override public void initialize(float[] x, int rows) { BatchTopKArchitecture.initialize(sae.params(), x, rows); }

        /** Also shows the step's kept codes to the threshold estimate, as dictionary_learning's loss does. */
        @Override public Loss loss(float[] x, int rows, StepContext ctx) {
            TrainingLoss t = sae.loss(x, rows, ctx.dead(), settings.auxkAlpha(), settings.kAux());
            sae.threshold().observe(t.selection(), ctx.step());
            return new Loss(t.total(), List.of(LossTerm.unweighted("recon", t.term("recon")),
                    new LossTerm("auxk", t.term("auxk"), "auxk_alpha", settings.auxkAlpha())),
                    fired(t.selection(), dSae()), SparseEncoder.l0(t.selection()), t.reconstruction().data());
        }

        /**
         * Unit-norm decoder rows with no radial gradient, as dictionary_learning keeps them (the SAE's
         * projectGradient and projectParameters): the trainer's fused update removes the radial part as it
         * reads the gradient and normalises the rows after Adam, with the bits of those two calls around it.
         */
        @Override public int unitNormRows() { return sae.params().names().indexOf("W_dec"); }

        @Override public boolean unitRowsTangent() { return true; }

        @Override public String saeLensArchitecture() { return saeLensName(sae.threshold(), architecture()); }

        @Override public void saeLensFields(ObjectNode o) {
            o.put("k", settings.k());
        }
    }
}
