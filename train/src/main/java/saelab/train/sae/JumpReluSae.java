package saelab.train.sae;

import java.util.Arrays;
import saelab.tensor.NoGrad;
import saelab.tensor.Tensor;

/**
 * A JumpReLU SAE (Rajamanoharan et al. 2024, "Jumping ahead"; the form Gemma Scope trained):
 * <pre>
 *   pre = (x − s·b_dec)·W_enc + b_enc          s = 1 if b_dec is applied to the input, else 0
 *   f   = pre ⊙ H(pre − θ)                     θ [m], one threshold per latent
 *   x̂   = f·W_dec + b_dec
 * </pre>
 * Training differentiates θ through the straight-through estimators of {@link JumpReluOps}; the
 * loss is {@link JumpReluLoss}.
 *
 * <p>References read: SAELens sae_lens/saes/jumprelu_sae.py ({@code JumpReLUTrainingSAE}: log θ
 * as the trained parameter, saved as {@code threshold}; the JumpReLU and Step estimators;
 * encode = ReLU(pre)·H(pre − θ), the same as pre·H(pre − θ) while θ ≥ 0) and
 * dictionary_learning trainers/jumprelu.py with dictionary.py's {@code JumpReluAutoEncoder}
 * (initialisation: decoder rows random unit vectors, W_enc = W_decᵀ, biases 0, θ = 0.001 and
 * ε = 0.001 as in the paper's appendix; θ trained as θ, not log θ — its author saw poor results
 * with log θ; b_dec not subtracted from the input; decoder rows held at unit norm: the
 * gradient's parallel part removed before the step, rows renormalised after).
 * Deliberate differences: SAELens trains log θ (so θ stays positive); here θ is trained
 * directly and {@link #project} clamps it at 0 after each step, because a negative θ would let
 * f = pre·H(pre − θ) go negative where SAELens's inference encode, ReLU(pre)·H(pre − θ), would
 * not — dictionary_learning leaves θ unclamped. Decoder-row directions are Gaussian-normalised
 * (uniform on the sphere) where dictionary_learning normalises Kaiming-uniform rows. Whether
 * b_dec is subtracted from the input is a setting (SAELens's {@code apply_b_dec_to_input}), off
 * by default as in Gemma Scope.
 */
public final class JumpReluSae {

    /**
     * @param bandwidth        ε of the rectangle kernel (the estimators' window is |pre − θ| &lt; ε/2)
     * @param initialThreshold θ of every latent at initialisation
     * @param applyBDecToInput whether the encoder reads x − b_dec (SAELens {@code apply_b_dec_to_input})
     */
    public record Config(int dIn, int dSae, double bandwidth, double initialThreshold, boolean applyBDecToInput) {
        public Config {
            if (dIn <= 0 || dSae <= 0) throw new IllegalArgumentException("JumpReLU SAE needs d_in > 0 and d_sae > 0, got " + dIn + ", " + dSae);
            if (!(bandwidth > 0) || !Double.isFinite(bandwidth)) throw new IllegalArgumentException("JumpReLU bandwidth must be a positive number, got " + bandwidth);
            if (!(initialThreshold > 0) || !Double.isFinite(initialThreshold)) {
                throw new IllegalArgumentException("JumpReLU initial threshold must be a positive number, got " + initialThreshold);
            }
        }

        /** The paper's and dictionary_learning's ε = θ₀ = 0.001, b_dec not subtracted from the input. */
        public static Config of(int dIn, int dSae) {
            return new Config(dIn, dSae, 0.001, 0.001, false);
        }
    }

    /** One forward pass, all in the graph: pre-activations [rows, m], θ [m], latents f [rows, m], x̂ [rows, d]. */
    public record Forward(Tensor pre, Tensor threshold, Tensor latents, Tensor reconstruction) {}

    private final Config cfg;
    private final JumpReluParams params;

    public JumpReluSae(Config cfg, JumpReluParams params) {
        if (params.dIn() != cfg.dIn() || params.dSae() != cfg.dSae()) {
            throw new IllegalArgumentException("parameters are " + params.dIn() + "×" + params.dSae() + ", config says " + cfg.dIn() + "×" + cfg.dSae());
        }
        this.cfg = cfg;
        this.params = params;
    }

    /** dictionary_learning's initialisation (see the class comment), θ = the config's initial threshold. */
    public static JumpReluSae init(Config cfg, long seed) {
        int d = cfg.dIn(), m = cfg.dSae();
        float[] wDec = Tensor.randn(seed, m, d).toArray();
        DecoderNorms.normalizeRows(wDec, m, d, 1f);
        float[] theta = new float[m];
        Arrays.fill(theta, (float) cfg.initialThreshold());
        return new JumpReluSae(cfg, JumpReluParams.of(d, m, DecoderNorms.transpose(wDec, m, d), new float[m], wDec, new float[d], theta));
    }

    public Config config() { return cfg; }
    public JumpReluParams params() { return params; }

    /** Encodes and decodes {@code rows} rows of x (row-major, rows × d), recording the graph. */
    public Forward forward(float[] x, int rows) {
        Tensor pre = preActivations(x, rows);
        Tensor theta = params.threshold();
        Tensor f = JumpReluOps.jumpRelu(pre, theta, (float) cfg.bandwidth());
        SaeParams p = params.base();
        Tensor xHat = f.matmul(p.wDec()).add(p.bDec().reshape(1, cfg.dIn()));
        return new Forward(pre, theta, f, xHat);
    }

    /** Inference: the codes of {@code rows} rows of x as sparse slots (the positive latents, padded; see {@link SparseCodes#ofDense}), no graph. */
    public SparseCodes encode(float[] x, int rows) {
        try (var g = NoGrad.enter()) {
            Tensor f = JumpReluOps.jumpRelu(preActivations(x, rows), params.threshold(), (float) cfg.bandwidth());
            return SparseCodes.ofDense(f.data(), rows, cfg.dSae());
        }
    }

    /** Before the optimiser step: removes from each W_dec gradient row its part along the (unit) row. */
    public void constrainGradient() {
        SaeParams p = params.base();
        if (p.wDec().gradData() != null) DecoderNorms.removeParallelComponent(p.wDec().data(), p.wDec().gradData(), cfg.dSae(), cfg.dIn());
    }

    /** After the optimiser step: decoder rows back to unit norm, thresholds clamped at 0 (see the class comment). */
    public void project() {
        DecoderNorms.normalizeRows(params.base().wDec().data(), cfg.dSae(), cfg.dIn(), 1f);
        float[] theta = params.threshold().data();
        for (int j = 0; j < theta.length; j++) if (theta[j] < 0) theta[j] = 0;
    }

    private Tensor preActivations(float[] x, int rows) {
        int d = cfg.dIn();
        if (x.length < rows * d) throw new IllegalArgumentException("batch holds " + x.length + " floats, expected rows·d = " + rows * d);
        SaeParams p = params.base();
        Tensor in = Tensor.wrap(x, 0, rows, d);
        if (cfg.applyBDecToInput()) in = in.sub(p.bDec().reshape(1, d));
        return in.matmul(p.wEnc()).add(p.bEnc().reshape(1, cfg.dSae()));
    }
}
