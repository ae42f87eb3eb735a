package saelab.train.sae;

import saelab.tensor.Tensor;

/**
 * A TopK SAE (Gao et al.; dictionary_learning's AutoEncoderTopK): pre = (x − b_dec)·W_enc + b_enc,
 * keep the k largest of ReLU(pre) per row as sparse (indices, values), and decode
 * x̂ = Σ_s values[b, s]·W_dec[idx[b, s]] + b_dec as a gather-sum over k rows of W_dec.
 */
public final class TopKSae {

    /** d_in, d_sae (m) and k. */
    public record Config(int dIn, int dSae, int k) {
        public Config {
            if (dIn <= 0 || dSae <= 0) throw new IllegalArgumentException("TopK SAE needs d_in > 0 and d_sae > 0, got " + dIn + ", " + dSae);
            if (k <= 0 || k > dSae) throw new IllegalArgumentException("TopK SAE needs 0 < k ≤ d_sae = " + dSae + ", got k = " + k);
        }
    }

    /**
     * One forward pass: the centred inputs (constants), the selection, the dead latents' selection
     * for the auxiliary loss (null when not asked for), and the graph. No rows × m pre-activations:
     * they are selected a chunk of latents at a time ({@link BlockedTopK}).
     */
    public record Forward(SparseEncoder.Centred centred, SparseEncoder.Selection selection, SparseEncoder.Selection deadSelection,
                          Tensor values, Tensor reconstruction) {}

    private final Config cfg;
    private final SaeParams params;

    public TopKSae(Config cfg, SaeParams params) {
        if (params.dIn() != cfg.dIn() || params.dSae() != cfg.dSae()) {
            throw new IllegalArgumentException("parameters are " + params.dIn() + "×" + params.dSae() + ", config says " + cfg.dIn() + "×" + cfg.dSae());
        }
        this.cfg = cfg;
        this.params = params;
    }

    /**
     * dictionary_learning's initialisation: decoder rows random unit vectors, the encoder their
     * transpose (so each latent starts reading the direction it writes), biases zero. The
     * trainer then sets b_dec to the geometric median of a batch.
     */
    public static TopKSae init(Config cfg, long seed) {
        int d = cfg.dIn(), m = cfg.dSae();
        float[] wDec = Tensor.randn(seed, m, d).toArray();
        DecoderNorms.normalizeRows(wDec, m, d, 1f);
        return new TopKSae(cfg, SaeParams.of(d, m, DecoderNorms.transpose(wDec, m, d), new float[m], wDec, new float[d]));
    }

    public Config config() { return cfg; }
    public SaeParams params() { return params; }

    /** Encodes and decodes {@code rows} rows of x (row-major, rows × d), recording the graph. */
    public Forward forward(float[] x, int rows) {
        return forward(x, rows, null, 0);
    }

    /**
     * {@link #forward(float[], int)}, also selecting per row the {@code kDead} largest ReLU
     * pre-activations among the {@code dead} latents (the auxiliary loss's; kDead 0: none) in the same pass.
     */
    public Forward forward(float[] x, int rows, boolean[] dead, int kDead) {
        BlockedTopK.Selections s = BlockedTopK.select(x, rows, params, cfg.k(), dead, kDead);
        Tensor values = SparseEncoder.values(s.centred(), s.top(), params);
        Tensor xHat = SparseDecoder.decode(values, s.top().indices(), params.wDec(), params.bDec());
        return new Forward(s.centred(), s.top(), s.deadTop(), values, xHat);
    }
}
