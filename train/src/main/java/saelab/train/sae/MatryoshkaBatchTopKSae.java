package saelab.train.sae;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import saelab.tensor.Tensor;
import saelab.tensor.kernels.ReusableArrays;

/**
 * A Matryoshka BatchTopK SAE (Bussmann et al. 2025; Nabeshima 2024), after dictionary_learning's
 * trainers/matryoshka_batch_top_k.py (MatryoshkaBatchTopKSAE, MatryoshkaBatchTopKTrainer), with
 * SAELens's saes/matryoshka_batchtopk_sae.py read for comparison. The dictionary is split into G
 * consecutive groups of latents; prefix i is groups 1..i (width w_i = g_1 + … + g_i, w_G = m).
 * Codes are the BatchTopK selection over all m latents ({@link BatchTopK#select}); each prefix
 * reconstructs x on its own,
 * <pre>
 *   x̂_i = b_dec + Σ_{kept codes of latents &lt; w_i} value·W_dec[latent],
 *   l_i = ‖x − x̂_i‖² (summed over d, mean over rows)       "recon_&lt;w_i&gt;", the whole dictionary's "recon"
 *   L   = (1/G)·Σ_i λ_i·l_i + auxk_alpha·AuxK                 "auxk": {@link AuxKLoss} on e = x − x̂_G
 * </pre>
 * with group weights λ_i (default 1/G each), so the loss averages already-weighted prefix losses
 * exactly as the reference does (its default therefore scales the reconstruction by 1/G²
 * against AuxK). x̂_i is built as x̂_{i−1} plus group i's own partial reconstruction, all G of
 * them from one pass over the kept slots ({@link GroupedSparseDecoder}), so the prefixes cost
 * one sparse decode, not G growing ones. Threshold estimate, inference (ReLU(pre) &gt; θ over all m latents) and the
 * unit-norm decoder are BatchTopK's ({@link BatchTopKSae}).
 *
 * <p>Deliberate differences: group sizes may be given directly ({@link Config}) or as fractions
 * ({@link #groupSizes}, the reference's rounding: ⌊f·m⌋ for all but the last group, the remainder
 * last); SAELens's variant sums unweighted prefix losses instead (weights G each reproduce
 * it); initialisation is Gaussian rows, normalised (the reference: Kaiming-uniform, normalised);
 * the reference's active_groups (always all groups in its trainer) is not modelled.
 */
public final class MatryoshkaBatchTopKSae {

    /**
     * d_in, m, k, the group sizes (positive, summing to m), the group weights (one per group), and the
     * threshold estimate's β and start step.
     */
    public record Config(int dIn, int dSae, int k, int[] groupSizes, double[] groupWeights, double thresholdBeta, long thresholdStartStep) {
        public Config {
            new BatchTopKSae.Config(dIn, dSae, k, thresholdBeta, thresholdStartStep); // the shared checks
            if (groupSizes == null || groupSizes.length == 0) throw new IllegalArgumentException("Matryoshka SAE needs at least one group size");
            long sum = 0;
            for (int g : groupSizes) {
                if (g <= 0) throw new IllegalArgumentException("Matryoshka SAE group sizes must be positive, got " + Arrays.toString(groupSizes));
                sum += g;
            }
            if (sum != dSae) throw new IllegalArgumentException("Matryoshka SAE group sizes " + Arrays.toString(groupSizes) + " sum to " + sum + ", expected d_sae = " + dSae);
            if (groupWeights == null || groupWeights.length != groupSizes.length) {
                throw new IllegalArgumentException("Matryoshka SAE needs one weight per group: " + groupSizes.length + " groups, "
                        + (groupWeights == null ? "no" : String.valueOf(groupWeights.length)) + " weights");
            }
            for (double w : groupWeights) {
                if (!(w >= 0) || !Double.isFinite(w)) throw new IllegalArgumentException("Matryoshka SAE group weights must be finite and ≥ 0, got " + Arrays.toString(groupWeights));
            }
            groupSizes = groupSizes.clone();
            groupWeights = groupWeights.clone();
        }

        /** Equal weights 1/G and dictionary_learning's threshold defaults (β 0.999, start step 1000). */
        public Config(int dIn, int dSae, int k, int[] groupSizes) {
            this(dIn, dSae, k, groupSizes, equalWeights(groupSizes.length), 0.999, 1000);
        }

        @Override public int[] groupSizes() { return groupSizes.clone(); }
        @Override public double[] groupWeights() { return groupWeights.clone(); }

        /** The prefix widths w_1 &lt; … &lt; w_G = m. */
        public int[] prefixWidths() {
            int[] w = new int[groupSizes.length];
            for (int i = 0, s = 0; i < w.length; i++) w[i] = s += groupSizes[i];
            return w;
        }

        @Override public boolean equals(Object o) {
            return o instanceof Config c && dIn == c.dIn && dSae == c.dSae && k == c.k && Arrays.equals(groupSizes, c.groupSizes)
                    && Arrays.equals(groupWeights, c.groupWeights) && thresholdBeta == c.thresholdBeta && thresholdStartStep == c.thresholdStartStep;
        }

        @Override public int hashCode() { return Arrays.hashCode(groupSizes) * 31 + Arrays.hashCode(groupWeights) + dSae; }

        @Override public String toString() {
            return "Matryoshka(d_in " + dIn + ", d_sae " + dSae + ", k " + k + ", groups " + Arrays.toString(groupSizes)
                    + ", weights " + Arrays.toString(groupWeights) + ", threshold β " + thresholdBeta + " from step " + thresholdStartStep + ")";
        }
    }

    /** 1/G each: dictionary_learning's default. */
    public static double[] equalWeights(int groups) {
        double[] w = new double[groups];
        Arrays.fill(w, 1.0 / groups);
        return w;
    }

    /**
     * Group sizes from fractions of m summing to 1 (within 1e-9), dictionary_learning's way:
     * ⌊f_i·m⌋ for every group but the last, the remainder to the last. Every size must come out
     * positive.
     */
    public static int[] groupSizes(int m, double... fractions) {
        if (fractions.length == 0) throw new IllegalArgumentException("Matryoshka group fractions: none given");
        double sum = 0;
        for (double f : fractions) {
            if (!(f > 0) || !Double.isFinite(f)) throw new IllegalArgumentException("Matryoshka group fractions must be positive, got " + Arrays.toString(fractions));
            sum += f;
        }
        if (Math.abs(sum - 1) > 1e-9) throw new IllegalArgumentException("Matryoshka group fractions " + Arrays.toString(fractions) + " sum to " + sum + ", expected 1");
        int[] sizes = new int[fractions.length];
        int used = 0;
        for (int i = 0; i < sizes.length - 1; i++) used += sizes[i] = (int) (fractions[i] * m);
        sizes[sizes.length - 1] = m - used;
        for (int s : sizes) {
            if (s <= 0) throw new IllegalArgumentException("Matryoshka group fractions " + Arrays.toString(fractions) + " of m = " + m + " give an empty group: " + Arrays.toString(sizes));
        }
        return sizes;
    }

    /** One forward pass: BatchTopK's, plus every prefix's reconstruction (the last is the whole SAE's). */
    public record Forward(SparseEncoder.PreActivations pre, SparseEncoder.Selection selection, Tensor values, Tensor[] prefixReconstructions) {
        public Tensor reconstruction() { return prefixReconstructions[prefixReconstructions.length - 1]; }
    }

    private final Config cfg;
    private final SaeParams params;
    private final BatchTopKThreshold threshold;

    public MatryoshkaBatchTopKSae(Config cfg, SaeParams params) {
        if (params.dIn() != cfg.dIn() || params.dSae() != cfg.dSae()) {
            throw new IllegalArgumentException("parameters are " + params.dIn() + "×" + params.dSae() + ", config says " + cfg.dIn() + "×" + cfg.dSae());
        }
        this.cfg = cfg;
        this.params = params;
        this.threshold = BatchTopKSae.thresholdOver(cfg.thresholdBeta(), cfg.thresholdStartStep(), params);
    }

    /** As {@link BatchTopKSae#init}. */
    public static MatryoshkaBatchTopKSae init(Config cfg, long seed) {
        return new MatryoshkaBatchTopKSae(cfg, BatchTopKSae.unitDecoderInit(cfg.dIn(), cfg.dSae(), seed));
    }

    public Config config() { return cfg; }
    public SaeParams params() { return params; }
    public BatchTopKThreshold threshold() { return threshold; }

    /** The name of the loss term of the prefix of this width: "recon" for the whole dictionary, else "recon_&lt;width&gt;". */
    public String prefixTerm(int width) { return width == cfg.dSae() ? "recon" : "recon_" + width; }

    public Forward forward(float[] x, int rows) {
        return forward(SparseEncoder.preActivations(x, rows, params));
    }

    private Forward forward(SparseEncoder.PreActivations pre) {
        int rows = pre.rows();
        SparseEncoder.Selection sel = BatchTopK.select(pre, cfg.k());
        Tensor values = SparseEncoder.values(pre, sel, params);
        int[] widths = cfg.prefixWidths();
        int[] groupOf = new int[cfg.dSae()];
        for (int g = 0, j = 0; g < widths.length; g++) while (j < widths[g]) groupOf[j++] = g;
        Tensor partials = GroupedSparseDecoder.decode(values, sel.indices(), params.wDec(), groupOf, widths.length);
        Tensor[] prefix = new Tensor[widths.length];
        Tensor bias = params.bDec().reshape(1, cfg.dIn());
        for (int g = 0; g < widths.length; g++) {
            Tensor part = partials.rows(g * rows, (g + 1) * rows);
            prefix[g] = g == 0 ? part.add(bias) : prefix[g - 1].add(part);
        }
        return new Forward(pre, sel, values, prefix);
    }

    /** The training loss of one batch; dead and kAux as {@link BatchTopKSae#loss}. */
    public TrainingLoss loss(float[] x, int rows, boolean[] dead, double auxkAlpha, int kAux) {
        // As BatchTopKSae.loss: the pre-activations are this call's temporary (no backward reads them).
        float[] preBuffer = ReusableArrays.shared().floats(rows * cfg.dSae());
        try {
            Forward fw = forward(SparseEncoder.preActivations(x, rows, params, preBuffer));
            Tensor xt = Tensor.wrap(x, 0, rows, cfg.dIn());
            int[] widths = cfg.prefixWidths();
            Map<String, Double> terms = new LinkedHashMap<>();
            Tensor sum = null;
            for (int g = 0; g < widths.length; g++) {
                Tensor l = fw.prefixReconstructions()[g].squaredErrorRowMean(xt);
                terms.put(prefixTerm(widths[g]), (double) l.item());
                Tensor weighted = l.mul((float) cfg.groupWeights[g]);
                sum = sum == null ? weighted : sum.add(weighted);
            }
            Tensor mean = sum.mul(1f / widths.length);
            Tensor total = BatchTopKSae.withAuxK(mean, fw.pre(), params, x, fw.reconstruction(), dead, auxkAlpha, kAux, terms);
            return new TrainingLoss(total, terms, fw.selection(), fw.reconstruction());
        } finally {
            ReusableArrays.shared().give(preBuffer);
        }
    }

    /** Inference codes of x over all m latents: ReLU(pre) &gt; θ. */
    public SparseEncoder.Selection encode(float[] x, int rows) { return BatchTopKSae.encode(params, threshold, x, rows); }

    /** Inference reconstruction of x by the whole dictionary from {@link #encode}'s codes. */
    public float[] reconstruct(float[] x, int rows) { return BatchTopKSae.reconstruct(params, threshold, x, rows); }

    public void projectGradient() { BatchTopKSae.projectGradient(params); }
    public void projectParameters() { BatchTopKSae.projectParameters(params); }
}
