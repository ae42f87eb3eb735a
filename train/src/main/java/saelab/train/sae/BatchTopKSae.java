package saelab.train.sae;

import java.util.LinkedHashMap;
import java.util.Map;
import saelab.tensor.NoGrad;
import saelab.tensor.Tensor;
import saelab.tensor.kernels.ReusableArrays;

/**
 * A BatchTopK SAE (Bussmann, Leask &amp; Nanda 2024), after dictionary_learning's
 * trainers/batch_top_k.py (BatchTopKSAE, BatchTopKTrainer) and SAELens's saes/batchtopk_sae.py.
 * pre = (x − b_dec)·W_enc + b_enc; training keeps the k·B largest of ReLU(pre) over the batch of B
 * rows ({@link BatchTopK#select}); x̂ = Σ values·W_dec[latent] + b_dec decoded sparsely. The loss is
 * <pre>
 *   L = ‖x − x̂‖² (summed over d, mean over rows)  "recon"
 *     + auxk_alpha · AuxK                          "auxk", when latents are dead ({@link AuxKLoss})
 * </pre>
 * Gradients flow through the kept values with the selection held fixed, as in torch's topk.
 * After each step the caller shows the kept codes to {@link #threshold()} ({@link
 * BatchTopKThreshold#observe}); inference ({@link #encode}) keeps ReLU(pre) &gt; θ. Decoder rows
 * are unit norm: {@link #projectGradient} before the optimiser step, {@link #projectParameters}
 * after, as dictionary_learning does.
 *
 * <p>Deliberate differences: the reference's initialisation draws W_dec from a Kaiming-uniform
 * linear layer before normalising rows, this one Gaussian rows (the same as {@link TopKSae}); the
 * codes are sparse padded rows, not a dense B×m scatter; θ is kept in double.
 */
public final class BatchTopKSae {

    /**
     * d_in, d_sae (m), k (the mean number of codes per row) and the threshold estimate's β and start
     * step (dictionary_learning: 0.999 and 1000).
     */
    public record Config(int dIn, int dSae, int k, double thresholdBeta, long thresholdStartStep) {
        public Config {
            if (dIn <= 0 || dSae <= 0) throw new IllegalArgumentException("BatchTopK SAE needs d_in > 0 and d_sae > 0, got " + dIn + ", " + dSae);
            if (k <= 0 || k > dSae) throw new IllegalArgumentException("BatchTopK SAE needs 0 < k ≤ d_sae = " + dSae + ", got k = " + k);
            if (!(thresholdBeta >= 0 && thresholdBeta < 1)) throw new IllegalArgumentException("BatchTopK SAE: threshold beta must be in [0, 1), got " + thresholdBeta);
        }

        /** dictionary_learning's threshold defaults. */
        public Config(int dIn, int dSae, int k) { this(dIn, dSae, k, 0.999, 1000); }
    }

    /** One forward pass: the dense pre-activations (constants), the batch selection, and the graph. */
    public record Forward(SparseEncoder.PreActivations pre, SparseEncoder.Selection selection, Tensor values, Tensor reconstruction) {}

    /**
     * The name of the optional threshold tensor [m] in the parameters (SAELens's JumpReLU name):
     * when present, {@link #threshold()} reads and writes it; it takes no gradient.
     */
    public static final String THRESHOLD = "threshold";

    private final Config cfg;
    private final SaeParams params;
    private final BatchTopKThreshold threshold;

    public BatchTopKSae(Config cfg, SaeParams params) {
        if (params.dIn() != cfg.dIn() || params.dSae() != cfg.dSae()) {
            throw new IllegalArgumentException("parameters are " + params.dIn() + "×" + params.dSae() + ", config says " + cfg.dIn() + "×" + cfg.dSae());
        }
        this.cfg = cfg;
        this.params = params;
        this.threshold = thresholdOver(cfg.thresholdBeta(), cfg.thresholdStartStep(), params);
    }

    /** dictionary_learning's initialisation: unit decoder rows, W_enc = W_decᵀ, biases 0 (b_dec: the trainer's geometric median). */
    public static BatchTopKSae init(Config cfg, long seed) {
        return new BatchTopKSae(cfg, unitDecoderInit(cfg.dIn(), cfg.dSae(), seed));
    }

    public Config config() { return cfg; }
    public SaeParams params() { return params; }
    public BatchTopKThreshold threshold() { return threshold; }

    /** Encodes {@code rows} rows of x (row-major) with the batch selection and decodes, recording the graph. */
    public Forward forward(float[] x, int rows) {
        return forward(SparseEncoder.preActivations(x, rows, params));
    }

    private Forward forward(SparseEncoder.PreActivations pre) {
        SparseEncoder.Selection sel = BatchTopK.select(pre, cfg.k());
        Tensor values = SparseEncoder.values(pre, sel, params);
        // One group: the grouped decoder skips the padding slots' dot products in backward (SparseDecoder would not).
        Tensor xHat = GroupedSparseDecoder.decode(values, sel.indices(), params.wDec(), new int[cfg.dSae()], 1)
                .add(params.bDec().reshape(1, cfg.dIn()));
        return new Forward(pre, sel, values, xHat);
    }

    /**
     * The training loss of one batch.
     *
     * @param dead latents counted as dead (null: none)
     * @param kAux the auxiliary loss's codes per row (dictionary_learning: d/2), capped at the dead count
     */
    public TrainingLoss loss(float[] x, int rows, boolean[] dead, double auxkAlpha, int kAux) {
        // The rows × m pre-activations are read by the selections alone (the batch's, AuxK's), never by
        // backward: a temporary of this call, given back before the graph's arrays are taken in backward.
        float[] preBuffer = ReusableArrays.shared().floats(rows * cfg.dSae());
        try {
            Forward fw = forward(SparseEncoder.preActivations(x, rows, params, preBuffer));
            Tensor mse = fw.reconstruction().squaredErrorRowMean(Tensor.wrap(x, 0, rows, cfg.dIn()));
            Map<String, Double> terms = new LinkedHashMap<>();
            terms.put("recon", (double) mse.item());
            Tensor total = withAuxK(mse, fw.pre(), params, x, fw.reconstruction(), dead, auxkAlpha, kAux, terms);
            return new TrainingLoss(total, terms, fw.selection(), fw.reconstruction());
        } finally {
            ReusableArrays.shared().give(preBuffer);
        }
    }

    /** Inference codes of x: ReLU(pre) &gt; θ, padded rows ({@link BatchTopK#thresholded}). */
    public SparseEncoder.Selection encode(float[] x, int rows) { return encode(params, threshold, x, rows); }

    /** Inference reconstruction of x from {@link #encode}'s codes. */
    public float[] reconstruct(float[] x, int rows) { return reconstruct(params, threshold, x, rows); }

    /** {@link #encode} over any BatchTopK-family parameters (Matryoshka's too: inference uses the whole dictionary). */
    static SparseEncoder.Selection encode(SaeParams params, BatchTopKThreshold threshold, float[] x, int rows) {
        try (var g = NoGrad.enter()) {
            return BatchTopK.thresholded(SparseEncoder.preActivations(x, rows, params), threshold.value());
        }
    }

    /** {@link #reconstruct} over any BatchTopK-family parameters. */
    static float[] reconstruct(SaeParams params, BatchTopKThreshold threshold, float[] x, int rows) {
        try (var g = NoGrad.enter()) {
            SparseEncoder.Selection sel = encode(params, threshold, x, rows);
            return SparseDecoder.decode(Tensor.wrap(sel.values(), 0, rows, sel.k()), sel.indices(), params.wDec(), params.bDec()).toArray();
        }
    }

    /** Removes each W_dec gradient row's component along its row (before the optimiser step). */
    public void projectGradient() { projectGradient(params); }

    /** Renormalises the decoder rows to unit norm (after the optimiser step). */
    public void projectParameters() { projectParameters(params); }

    // ------------------------------------------------------------------ shared with the Matryoshka SAE

    /** The threshold over the parameters' "threshold" tensor when they have one (a checkpointed SAE), else its own storage. */
    static BatchTopKThreshold thresholdOver(double beta, long startStep, SaeParams p) {
        return p.has(THRESHOLD) ? new BatchTopKThreshold(beta, startStep, p.get(THRESHOLD).data()) : new BatchTopKThreshold(beta, startStep);
    }

    static SaeParams unitDecoderInit(int d, int m, long seed) {
        float[] wDec = Tensor.randn(seed, m, d).toArray();
        DecoderNorms.normalizeRows(wDec, m, d, 1f);
        return SaeParams.of(d, m, DecoderNorms.transpose(wDec, m, d), new float[m], wDec, new float[d]);
    }

    /** recon + auxk_alpha·AuxK (recording "auxk" in terms) when the auxiliary loss applies, else mse. */
    static Tensor withAuxK(Tensor mse, SparseEncoder.PreActivations pre, SaeParams p, float[] x, Tensor xHat,
                           boolean[] dead, double auxkAlpha, int kAux, Map<String, Double> terms) {
        if (!(auxkAlpha > 0)) return mse;
        Tensor aux = AuxKLoss.of(pre, p, x, xHat.data(), dead, kAux);
        if (aux == null) return mse;
        terms.put("auxk", (double) aux.item());
        return mse.add(aux.mul((float) auxkAlpha));
    }

    static void projectGradient(SaeParams p) {
        float[] g = p.wDec().gradData();
        if (g != null) DecoderNorms.removeParallelComponent(p.wDec().data(), g, p.dSae(), p.dIn());
    }

    static void projectParameters(SaeParams p) {
        DecoderNorms.normalizeRows(p.wDec().data(), p.dSae(), p.dIn(), 1f);
    }
}
