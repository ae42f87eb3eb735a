package saelab.train.sae;

import saelab.tensor.NoGrad;
import saelab.tensor.Tensor;

/**
 * A Gated SAE (Rajamanoharan et al. 2024a, "Improving dictionary learning with gated sparse
 * autoencoders"): one encoder matrix read twice,
 * <pre>
 *   π_gate = (x − b_dec)·W_enc + b_gate                    which latents fire: 1[π_gate &gt; 0]
 *   π_mag  = (x − b_dec)·(W_enc ⊙ exp(r_mag)) + b_mag      how strongly: ReLU(π_mag)
 *   f      = 1[π_gate &gt; 0] ⊙ ReLU(π_mag),   x̂ = f·W_dec + b_dec
 * </pre>
 * π_mag is computed as exp(r_mag) ⊙ ((x − b_dec)·W_enc) + b_mag, which is the same product
 * regrouped, so both paths share one matrix product. The gate is a Heaviside step: no gradient
 * flows through it into f; the gate path learns from {@link GatedLoss}'s "l1" and "aux_gate"
 * terms only.
 *
 * <p>References read: dictionary_learning dictionary.py ({@code GatedAutoEncoder}: the encode
 * above, the regrouped magnitude path, initialisation: decoder rows random unit vectors,
 * W_enc = W_decᵀ, b_gate, r_mag, b_mag and b_dec zero) with trainers/gdm.py (loss; its
 * {@code ConstrainedAdam} holds decoder rows at unit norm: the gradient's parallel part removed
 * before the step, rows renormalised after: {@link #constrainGradient}, {@link #project}), and
 * SAELens sae_lens/saes/gated_sae.py ({@code GatedSAE.encode}: the same forward; tensor names).
 * Deliberate difference: decoder-row directions are Gaussian-normalised (uniform on the sphere)
 * rather than normalised torch.randn columns — the same distribution, another generator.
 */
public final class GatedSae {

    public record Config(int dIn, int dSae) {
        public Config {
            if (dIn <= 0 || dSae <= 0) throw new IllegalArgumentException("Gated SAE needs d_in > 0 and d_sae > 0, got " + dIn + ", " + dSae);
        }
    }

    /** One forward pass in the graph: π_gate and π_mag [rows, m], latents f [rows, m], x̂ [rows, d]. */
    public record Forward(Tensor gatePre, Tensor magnitudePre, Tensor latents, Tensor reconstruction) {}

    private final Config cfg;
    private final GatedParams params;

    public GatedSae(Config cfg, GatedParams params) {
        if (params.dIn() != cfg.dIn() || params.dSae() != cfg.dSae()) {
            throw new IllegalArgumentException("parameters are " + params.dIn() + "×" + params.dSae() + ", config says " + cfg.dIn() + "×" + cfg.dSae());
        }
        this.cfg = cfg;
        this.params = params;
    }

    /** dictionary_learning's initialisation (see the class comment). */
    public static GatedSae init(Config cfg, long seed) {
        int d = cfg.dIn(), m = cfg.dSae();
        float[] wDec = Tensor.randn(seed, m, d).toArray();
        DecoderNorms.normalizeRows(wDec, m, d, 1f);
        return new GatedSae(cfg, GatedParams.of(d, m, DecoderNorms.transpose(wDec, m, d), new float[m], new float[m], new float[m], wDec, new float[d]));
    }

    public Config config() { return cfg; }
    public GatedParams params() { return params; }

    /** Encodes and decodes {@code rows} rows of x (row-major, rows × d), recording the graph. */
    public Forward forward(float[] x, int rows) {
        Forward enc = encodeDense(x, rows);
        Tensor xHat = enc.latents().matmul(params.wDec()).add(params.bDec().reshape(1, cfg.dIn()));
        return new Forward(enc.gatePre(), enc.magnitudePre(), enc.latents(), xHat);
    }

    /** Inference: the codes of {@code rows} rows of x as sparse slots (the positive latents, padded; see {@link SparseCodes#ofDense}), no graph. */
    public SparseCodes encode(float[] x, int rows) {
        try (var g = NoGrad.enter()) {
            return SparseCodes.ofDense(encodeDense(x, rows).latents().data(), rows, cfg.dSae());
        }
    }

    /** The encoder half of {@link #forward} (reconstruction null). */
    private Forward encodeDense(float[] x, int rows) {
        int d = cfg.dIn(), m = cfg.dSae();
        if (x.length < rows * d) throw new IllegalArgumentException("batch holds " + x.length + " floats, expected rows·d = " + rows * d);
        GatedParams p = params;
        Tensor xEnc = Tensor.wrap(x, 0, rows, d).sub(p.bDec().reshape(1, d)).matmul(p.wEnc());
        Tensor gatePre = xEnc.add(p.bGate().reshape(1, m));
        Tensor magPre = xEnc.mul(p.rMag().exp().reshape(1, m)).add(p.bMag().reshape(1, m));
        return new Forward(gatePre, magPre, magPre.relu().maskMul(gate(gatePre)), null);
    }

    /** Before the optimiser step: removes from each W_dec gradient row its part along the (unit) row. */
    public void constrainGradient() {
        if (params.wDec().gradData() != null) DecoderNorms.removeParallelComponent(params.wDec().data(), params.wDec().gradData(), cfg.dSae(), cfg.dIn());
    }

    /** After the optimiser step: decoder rows back to unit norm. */
    public void project() {
        DecoderNorms.normalizeRows(params.wDec().data(), cfg.dSae(), cfg.dIn(), 1f);
    }

    /** 1[π_gate &gt; 0] as a constant (the Heaviside gate passes no gradient). */
    private static Tensor gate(Tensor gatePre) {
        float[] v = gatePre.data(), h = new float[gatePre.numel()];
        int o = gatePre.offset();
        for (int i = 0; i < h.length; i++) h[i] = v[o + i] > 0 ? 1f : 0f;
        return Tensor.wrap(h, 0, gatePre.shape());
    }
}
