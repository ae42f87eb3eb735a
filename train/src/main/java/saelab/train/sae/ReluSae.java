package saelab.train.sae;

import saelab.tensor.Tensor;

/**
 * The standard SAE (dictionary_learning's April-update AutoEncoder, SAELens "standard"):
 * f = ReLU((x − b_dec)·W_enc + b_enc), x̂ = f·W_dec + b_dec, trained with an L1 penalty on f
 * weighted by the decoder row norms (so shrinking W_dec rows cannot cheat the penalty). Its
 * codes are dense in practice (the baseline's L0 is ~8900 of 16384), so this one runs on the
 * dense autograd ops.
 */
public final class ReluSae {

    public record Config(int dIn, int dSae) {
        public Config {
            if (dIn <= 0 || dSae <= 0) throw new IllegalArgumentException("ReLU SAE needs d_in > 0 and d_sae > 0, got " + dIn + ", " + dSae);
        }
    }

    /** Latents f [rows, m] and the reconstruction [rows, d], both in the graph. */
    public record Forward(Tensor latents, Tensor reconstruction) {}

    private final Config cfg;
    private final SaeParams params;

    public ReluSae(Config cfg, SaeParams params) {
        if (params.dIn() != cfg.dIn() || params.dSae() != cfg.dSae()) {
            throw new IllegalArgumentException("parameters are " + params.dIn() + "×" + params.dSae() + ", config says " + cfg.dIn() + "×" + cfg.dSae());
        }
        this.cfg = cfg;
        this.params = params;
    }

    /** April-update initialisation: decoder rows random directions of norm 0.1, W_enc = W_decᵀ, biases 0. */
    public static ReluSae init(Config cfg, long seed) {
        int d = cfg.dIn(), m = cfg.dSae();
        float[] wDec = Tensor.randn(seed, m, d).toArray();
        DecoderNorms.normalizeRows(wDec, m, d, 0.1f);
        return new ReluSae(cfg, SaeParams.of(d, m, DecoderNorms.transpose(wDec, m, d), new float[m], wDec, new float[d]));
    }

    public Config config() { return cfg; }
    public SaeParams params() { return params; }

    public Forward forward(float[] x, int rows) {
        int d = cfg.dIn();
        Tensor xt = Tensor.wrap(x, 0, rows, d);
        Tensor pre = xt.sub(params.bDec().reshape(1, d)).matmul(params.wEnc()).add(params.bEnc().reshape(1, cfg.dSae()));
        Tensor f = pre.relu();
        Tensor xHat = f.matmul(params.wDec()).add(params.bDec().reshape(1, d));
        return new Forward(f, xHat);
    }

    /** Σ_j f_bj·‖W_dec[j]‖, averaged over rows: the April-update sparsity term. */
    public Tensor weightedL1(Tensor latents) {
        Tensor norms = params.wDec().square().sum(1, false).sqrt().reshape(1, cfg.dSae());
        return latents.mul(norms).sum(1, false).mean();
    }
}
