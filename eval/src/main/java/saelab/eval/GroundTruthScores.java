package saelab.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every SynthSAEBench-style ground-truth metric of one SAE on one batch, from plain arrays, with
 * the cosines computed once: MCC and the signed matching ({@link FeatureMatch}), coverage at a
 * cosine bar and uniqueness ({@link DictionaryCoverage}), SynthSAEBench's per-latent precision,
 * recall and F1 ({@link LatentClassification}), absorption with parent and child recall
 * ({@link HierarchyAbsorption}) and the true pairs' co-firing ({@link TrueCoFiring}). Dead and
 * dense latents are {@link SparsityMetrics}'.
 *
 * <p>Above {@link FeatureMatch#LIMIT} no cosine is computed: every cosine-based value is NaN and
 * {@link #skipped} says why; the co-firing counts, which need only the truth, are still made.
 *
 * @param skipped null when everything was computed, else one line for the report
 */
public record GroundTruthScores(FeatureMatch match, FeatureMatch signed, DictionaryCoverage coverage,
                                LatentClassification classification, HierarchyAbsorption absorption,
                                TrueCoFiring coFiring, Settings settings, String skipped) {

    /** results.json keys of {@link #metrics()}. */
    public static final String MCC = "mcc", MCC_PAIRS = "mcc_pairs", SIGNED_COS = "hungarian_signed_cos",
            PRECISION = "classification_precision", RECALL = "classification_recall", F1 = "classification_f1",
            ACCURACY = "classification_accuracy", BAR_PRECISION = "cos_bar_precision", BAR_RECALL = "cos_bar_recall",
            BAR_F1 = "cos_bar_f1", UNIQUENESS = "uniqueness", ABSORPTION = "absorption", ABSORPTION_POOLED = "absorption_pooled",
            PARENT_RECALL = "absorption_parent_recall", CHILD_RECALL = "absorption_child_recall",
            ABSORPTION_PAIRS = "absorption_pairs", ABSORPTION_UNMATCHED = "absorption_unmatched_pairs",
            TRUE_PAIRS_ABOVE = "true_pairs_above_threshold", TRUE_PARENT_CHILD_ABOVE = "true_parent_child_above_threshold",
            TRUE_COFIRING_PAIRS = "true_cofiring_pairs", HIERARCHY_PAIRS = "hierarchy_pairs";

    /**
     * @param coverBar          |cos| bar of {@link DictionaryCoverage}
     * @param absorptionBar     bar on cos(child's latent, parent's direction) of {@link HierarchyAbsorption}
     * @param minTogether       rows a parent/child pair must fire together in to be counted for absorption
     * @param coFiringThreshold the threshold t of n_ij &gt; t for the co-firing counts (threshold(p) of the phase)
     */
    public record Settings(double coverBar, double absorptionBar, int minTogether, double coFiringThreshold) {}

    /**
     * @param trueDirs         n × d true directions, n = parentOf.length
     * @param parentOf         true parent of each feature, −1 for a root
     * @param wDec             m × d decoder rows, m = wDec.length / d
     * @param rowStart,feature the batch's truth: row r fired feature[rowStart[r] .. rowStart[r+1])
     * @param k,idx,val        the SAE's codes for the same rows, k slots per row, firing when > 0
     */
    public static GroundTruthScores of(float[] trueDirs, int[] parentOf, float[] wDec, int d, int rows, int[] rowStart,
                                       int[] feature, int k, int[] idx, float[] val, Settings s) {
        int n = parentOf.length;
        if (d < 1 || wDec.length % d != 0) throw new IllegalArgumentException("decoder has " + wDec.length + " values, not a whole number of rows of d = " + d);
        int m = wDec.length / d;
        TrueCoFiring co = TrueCoFiring.of(rows, rowStart, feature, parentOf);
        if (!FeatureMatch.fits(n, m)) {
            FeatureMatch none = FeatureMatch.skipped(n, m);
            double nan = Double.NaN;
            return new GroundTruthScores(none, none, new DictionaryCoverage(s.coverBar(), nan, nan, nan, nan),
                    new LatentClassification(nan, nan, nan, nan, rows),
                    new HierarchyAbsorption(s.absorptionBar(), nan, nan, nan, nan, 0, 0, 0, 0), co, s, none.skipped());
        }
        FeatureCosines c = FeatureCosines.of(trueDirs, n, wDec, m, d);
        FeatureMatch match = FeatureMatch.of(c);
        return new GroundTruthScores(match, FeatureMatch.signed(c), DictionaryCoverage.of(c, s.coverBar()),
                LatentClassification.of(c, rows, rowStart, feature, k, idx, val),
                HierarchyAbsorption.of(c, match, rows, rowStart, feature, k, idx, val, parentOf, s.absorptionBar(), s.minTogether()),
                co, s, null);
    }

    /** The named numbers, keys above, in a stable order. */
    public Map<String, Double> metrics() {
        Map<String, Double> o = new LinkedHashMap<>();
        o.put(MCC, match.mcc());
        o.put(MCC_PAIRS, (double) match.pairs());
        o.put(SIGNED_COS, signed.mcc());
        o.put(PRECISION, classification.precision());
        o.put(RECALL, classification.recall());
        o.put(F1, classification.f1());
        o.put(ACCURACY, classification.accuracy());
        o.put(BAR_PRECISION, coverage.precision());
        o.put(BAR_RECALL, coverage.recall());
        o.put(BAR_F1, coverage.f1());
        o.put(UNIQUENESS, coverage.uniqueness());
        o.put(ABSORPTION, absorption.rate());
        o.put(ABSORPTION_POOLED, absorption.pooledRate());
        o.put(PARENT_RECALL, absorption.parentRecall());
        o.put(CHILD_RECALL, absorption.childRecall());
        o.put(ABSORPTION_PAIRS, (double) absorption.pairs());
        o.put(ABSORPTION_UNMATCHED, (double) absorption.unmatchedPairs());
        o.put(TRUE_PAIRS_ABOVE, (double) coFiring.pairsAbove(settings.coFiringThreshold()));
        o.put(TRUE_PARENT_CHILD_ABOVE, (double) coFiring.parentChildAbove(settings.coFiringThreshold()));
        o.put(TRUE_COFIRING_PAIRS, (double) coFiring.coFiringPairs());
        o.put(HIERARCHY_PAIRS, (double) coFiring.hierarchyPairs());
        return o;
    }
}
