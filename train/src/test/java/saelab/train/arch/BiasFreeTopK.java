package saelab.train.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import saelab.tensor.NoGrad;
import saelab.tensor.Tensor;
import saelab.train.sae.DecoderNorms;
import saelab.train.sae.SaeParams;
import saelab.train.sae.SparseCodes;
import saelab.train.trainer.TrainConfig;

/**
 * A toy architecture that lives only in the tests, to show what a new one costs: this class
 * plus {@link Architectures#register}. TopK without an encoder bias (parameters W_enc, W_dec,
 * b_dec only: no b_enc), on the dense autograd ops: f = mask ⊙ ReLU((x − b_dec)·W_enc) with
 * the mask keeping each row's k largest, x̂ = f·W_dec + b_dec, loss ‖x − x̂‖².
 */
final class BiasFreeTopK implements SaeArchitecture {
    static final BiasFreeTopK INSTANCE = new BiasFreeTopK();

    record Settings(int k) implements SaeSettings {
        @Override public SaeArchitecture architecture() { return INSTANCE; }
        @Override public void toJson(ObjectNode o) { o.put("k", k); }
        @Override public String describe() { return "k " + k; }
    }

    private static final List<SettingSpec> SPECS = List.of(SettingSpec.integer("k", "latents kept per row", (d, m) -> Math.min(8, m)));

    @Override public String name() { return "biasfree_topk"; }
    @Override public String summary() { return "test only: TopK without b_enc"; }
    @Override public List<SettingSpec> settingSpecs() { return SPECS; }

    @Override public SaeSettings settings(Map<String, String> values, int dIn, int dSae) {
        SettingValues v = SettingValues.of(name(), SPECS, values, dIn, dSae);
        int k = v.integer("k");
        if (k < 1 || k > dSae) throw v.bad("k", k, "an integer in [1, d_sae]");
        return new Settings(k);
    }

    @Override public Sae create(TrainConfig cfg, long seed) {
        int d = cfg.dIn(), m = cfg.dSae();
        float[] wDec = Tensor.randn(seed, m, d).toArray();
        DecoderNorms.normalizeRows(wDec, m, d, 1f);
        return around(cfg.settings(), params(d, m, DecoderNorms.transpose(wDec, m, d), wDec, new float[d]));
    }

    static SaeParams params(int d, int m, float[] wEnc, float[] wDec, float[] bDec) {
        return new SaeParams(List.of("W_enc", "W_dec", "b_dec"), List.of(Tensor.of(wEnc, d, m), Tensor.of(wDec, m, d), Tensor.of(bDec, d)));
    }

    @Override public Sae around(SaeSettings settings, SaeParams params) { return new Model((Settings) settings, params); }

    @Override public Sae restore(SaeSettings settings, int dIn, int dSae, Map<String, float[]> tensors) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("W_enc", new int[] {dIn, dSae});
        shapes.put("W_dec", new int[] {dSae, dIn});
        shapes.put("b_dec", new int[] {dIn});
        return around(settings, CheckpointTensors.params(tensors, shapes));
    }

    private record Model(Settings settings, SaeParams params) implements Sae {

        /** The masked latents [rows, m] in the graph, and the 0/1 mask. */
        private record Forward(Tensor f, float[] mask, Tensor xHat) {}

        private Forward forward(float[] x, int rows) {
            int d = dIn(), m = dSae(), k = settings.k();
            Tensor pre = Tensor.wrap(x, 0, rows, d).sub(params.bDec().reshape(1, d)).matmul(params.wEnc()).relu();
            float[] a = pre.data(), mask = new float[rows * m];
            for (int r = 0; r < rows; r++) {
                for (int s = 0; s < k; s++) {
                    int best = -1;
                    for (int j = 0; j < m; j++) if (mask[r * m + j] == 0 && (best < 0 || a[r * m + j] > a[r * m + best])) best = j;
                    mask[r * m + best] = 1;
                }
            }
            Tensor f = pre.mul(Tensor.of(mask, rows, m));
            return new Forward(f, mask, f.matmul(params.wDec()).add(params.bDec().reshape(1, d)));
        }

        @Override public SparseCodes encode(float[] x, int rows) {
            try (var g = NoGrad.enter()) {
                return SparseCodes.ofDense(forward(x, rows).f().toArray(), rows, dSae());
            }
        }

        @Override public Loss loss(float[] x, int rows, StepContext ctx) {
            int d = dIn(), m = dSae();
            Forward fw = forward(x, rows);
            Tensor recon = fw.xHat().sub(Tensor.wrap(x, 0, rows, d)).square().sum(1, false).mean();
            float[] f = fw.f().data();
            boolean[] fired = new boolean[m];
            long n = 0;
            for (int i = 0; i < rows * m; i++) if (f[i] > 0) { fired[i % m] = true; n++; }
            return new Loss(recon, List.of(LossTerm.unweighted("recon", recon.item())), fired, (double) n / rows, fw.xHat().data());
        }

        @Override public void afterUpdate() { DecoderNorms.normalizeRows(params.wDec().data(), dSae(), dIn(), 1f); }

        @Override public void saeLensFields(ObjectNode o) { o.put("k", settings.k()); }
    }
}
