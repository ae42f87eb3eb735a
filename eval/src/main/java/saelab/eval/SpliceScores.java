package saelab.eval;

import java.util.function.UnaryOperator;
import saelab.model.gemma2.ForwardResult;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.gemma2.Hooks;
import saelab.model.gemma2.TokenLosses;

/**
 * SAEBench's model-based reconstruction scores: the KL-div score and the CE-loss score of a
 * reconstruction x → x̂ spliced into the residual stream after one layer (resid_post of layer
 * L), measured against a zero ablation of that residual (the whole tensor set to zero) and the
 * clean model.
 *
 * <p>Three forward passes over the same ids: clean ({@code Hooks.none()}), spliced
 * ({@code Hooks.none().replace(L, fn)}) and zero-ablated ({@code Hooks.none().ablate(L)}).
 * Position 0 of every sequence is taken to be BOS and is left out:
 * <ul>
 *   <li>KL, per token, is Σ_v p_clean(v)·(log p_clean(v) − log p_other(v)) of the next-token
 *       distributions ({@link TokenLosses#klDivergence}), averaged over the logits of positions
 *       1..length−1: {@code klTokens = batch·(length − 1)}.</li>
 *   <li>CE, per token, is −log p(ids[t + 1]) of the prediction made at position t
 *       ({@link TokenLosses#crossEntropy}, which pairs the logits of t with the id at t + 1),
 *       averaged over the predictions made at positions 1..length−2, so that neither the
 *       prediction made from the BOS position nor BOS as a target counts:
 *       {@code ceTokens = batch·(length − 2)}.</li>
 * </ul>
 * Means are accumulated in double.
 *
 * <p>KL-div score = (KL_ablation − KL_sae) / KL_ablation; CE-loss score = (CE_ablation − CE_sae)
 * / (CE_ablation − CE_clean). Both are 1 for a perfect reconstruction and 0 for one no better
 * than the zero ablation (negative when worse). <b>Division by zero:</b> a score whose
 * denominator is exactly 0 (the ablation changes nothing: KL_ablation = 0, or CE_ablation =
 * CE_clean) is {@link Double#NaN}; the raw values are reported either way.
 *
 * @param klScore     (KL_ablation − KL_sae) / KL_ablation, NaN when KL_ablation = 0
 * @param ceScore     (CE_ablation − CE_sae) / (CE_ablation − CE_clean), NaN when the denominator is 0
 * @param klSae       mean KL(clean ‖ spliced) per token, nats
 * @param klAblation  mean KL(clean ‖ zero-ablated) per token, nats
 * @param ceClean     mean next-token cross-entropy of the clean model, nats
 * @param ceSae       mean next-token cross-entropy with the reconstruction spliced in, nats
 * @param ceAblation  mean next-token cross-entropy with the residual zero-ablated, nats
 * @param klTokens    tokens the KL means are over: batch·(length − 1)
 * @param ceTokens    predictions the CE means are over: batch·(length − 2)
 */
public record SpliceScores(double klScore, double ceScore,
                           double klSae, double klAblation,
                           double ceClean, double ceSae, double ceAblation,
                           int klTokens, int ceTokens) {

    /**
     * Runs the three passes and scores the splice.
     *
     * @param model          the model
     * @param ids            token ids [batch × length], row-major; position 0 of each sequence is BOS
     * @param batch          number of sequences (ids.length must be a multiple of it)
     * @param layer          L: the reconstruction replaces resid_post of this layer
     * @param reconstruction x → x̂ over the residual [batch·length × hidden], row = sequence·length
     *                       + position; may change its argument in place and return it
     * @throws IllegalArgumentException if the sequences are shorter than 3 tokens, or the shape or
     *                                  layer does not fit the model
     */
    public static SpliceScores measure(Gemma2Model model, int[] ids, int batch, int layer,
                                       UnaryOperator<float[]> reconstruction) {
        if (batch <= 0 || ids.length % batch != 0) {
            throw new IllegalArgumentException(ids.length + " ids do not make " + batch + " equal-length sequences");
        }
        int length = ids.length / batch;
        if (length < 3) {
            throw new IllegalArgumentException("sequences of " + length + " tokens: need at least 3 (BOS, and a prediction made after it)");
        }
        int vocab = model.config().vocabSize();
        float[] clean = logits(model.forward(ids, batch, Hooks.none()));
        float[] spliced = logits(model.forward(ids, batch, Hooks.none().replace(layer, reconstruction)));
        float[] ablated = logits(model.forward(ids, batch, Hooks.none().ablate(layer)));

        double klSae = meanExcludingBos(TokenLosses.klDivergence(clean, spliced, vocab), batch, length, 1);
        double klAblation = meanExcludingBos(TokenLosses.klDivergence(clean, ablated, vocab), batch, length, 1);
        double ceClean = meanExcludingBos(TokenLosses.crossEntropy(clean, ids, batch, length, vocab), batch, length - 1, 1);
        double ceSae = meanExcludingBos(TokenLosses.crossEntropy(spliced, ids, batch, length, vocab), batch, length - 1, 1);
        double ceAblation = meanExcludingBos(TokenLosses.crossEntropy(ablated, ids, batch, length, vocab), batch, length - 1, 1);

        return new SpliceScores(
                ratio(klAblation - klSae, klAblation),
                ratio(ceAblation - ceSae, ceAblation - ceClean),
                klSae, klAblation, ceClean, ceSae, ceAblation,
                batch * (length - 1), batch * (length - 2));
    }

    /**
     * Several measurements over disjoint sets of sequences (a held-out set too large for one
     * forward pass) as one over all of them: each raw mean weighted by its token count, the
     * scores computed from the pooled means, as SAEBench scores its means over all batches.
     */
    public static SpliceScores pooled(java.util.List<SpliceScores> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("nothing to pool");
        double klSae = 0, klAblation = 0, ceClean = 0, ceSae = 0, ceAblation = 0;
        long klTokens = 0, ceTokens = 0;
        for (SpliceScores s : parts) {
            klSae += s.klSae * s.klTokens;
            klAblation += s.klAblation * s.klTokens;
            ceClean += s.ceClean * s.ceTokens;
            ceSae += s.ceSae * s.ceTokens;
            ceAblation += s.ceAblation * s.ceTokens;
            klTokens += s.klTokens;
            ceTokens += s.ceTokens;
        }
        klSae /= klTokens;
        klAblation /= klTokens;
        ceClean /= ceTokens;
        ceSae /= ceTokens;
        ceAblation /= ceTokens;
        return new SpliceScores(ratio(klAblation - klSae, klAblation), ratio(ceAblation - ceSae, ceAblation - ceClean),
                klSae, klAblation, ceClean, ceSae, ceAblation, Math.toIntExact(klTokens), Math.toIntExact(ceTokens));
    }

    private static float[] logits(ForwardResult r) {
        if (r.logitRows() != r.batch() * r.length()) {
            throw new IllegalStateException("expected logits at every position, got " + r.logitRows() + " rows");
        }
        return r.logits();
    }

    /** Mean of values [batch × width] (row-major) over columns skip..width−1 of every row. */
    static double meanExcludingBos(double[] values, int batch, int width, int skip) {
        double sum = 0;
        int n = 0;
        for (int b = 0; b < batch; b++) {
            for (int t = skip; t < width; t++) {
                sum += values[b * width + t];
                n++;
            }
        }
        return sum / n;
    }

    /** num / den, NaN where den is 0 (the ablation does not move the measure: no scale to score on). */
    static double ratio(double num, double den) {
        return den == 0 ? Double.NaN : num / den;
    }
}
