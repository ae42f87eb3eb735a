package saelab.eval;

/**
 * The decoder's geometry against the truth, from |cos| alone (no codes): how many latents point
 * at some true feature, how many true features some latent points at, both at a cosine bar, and
 * SynthSAEBench's uniqueness.
 *
 * <p>Uniqueness follows SAELens ({@code sae_lens/synthetic/evals.py}, {@code feature_uniqueness}):
 * each latent's best-matching true feature is the argmax of |cos|; uniqueness = distinct best
 * matches / m, over all m latents, dead ones included as SAELens does. 1 when every latent tracks
 * a different feature; duplicated latents lower it.
 *
 * <p>SynthSAEBench's own precision, recall and F1 are per-latent firing statistics, not a cosine
 * bar: see {@link LatentClassification}. The bar-based pair here is the dictionary-level reading.
 *
 * @param bar        the |cos| at or above which a latent and a feature count as the same direction
 * @param precision  latents whose best |cos| with any true feature is ≥ bar, over m
 * @param recall     true features whose best |cos| with any latent is ≥ bar, over n
 * @param f1         harmonic mean of the two (0 when both are 0)
 * @param uniqueness distinct argmax-|cos| features over latents, / m
 */
public record DictionaryCoverage(double bar, double precision, double recall, double f1, double uniqueness) {

    /** From plain arrays: n × d true directions, m × d decoder rows. */
    public static DictionaryCoverage of(float[] trueDirs, int n, float[] wDec, int m, int d, double bar) {
        return of(FeatureCosines.of(trueDirs, n, wDec, m, d), bar);
    }

    public static DictionaryCoverage of(FeatureCosines c, double bar) {
        if (!(bar >= 0 && bar <= 1)) throw new IllegalArgumentException("cosine bar must be in [0, 1], got " + bar);
        int n = c.features(), m = c.latents();
        float[] topF = c.maxAbsCosOfFeature(), topL = c.maxAbsCosOfLatent();
        int coveredLatents = 0, coveredFeatures = 0;
        for (float t : topL) if (t >= bar) coveredLatents++;
        for (float t : topF) if (t >= bar) coveredFeatures++;
        boolean[] seen = new boolean[n];
        int distinct = 0;
        for (int f : c.bestFeatureByAbsCos()) if (!seen[f]) { seen[f] = true; distinct++; }
        double p = (double) coveredLatents / m, r = (double) coveredFeatures / n;
        return new DictionaryCoverage(bar, p, r, p + r == 0 ? 0 : 2 * p * r / (p + r), (double) distinct / m);
    }
}
