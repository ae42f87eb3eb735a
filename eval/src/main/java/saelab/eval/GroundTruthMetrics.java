package saelab.eval;

/**
 * How well learned latent directions (decoder rows, m × d) recover known true feature
 * directions (n × d), by signed cosine similarity: the earlier recovery scores. SynthSAEBench's
 * |cos| scores are {@link FeatureMatch} (MCC), {@link DictionaryCoverage} and
 * {@link LatentClassification}.
 *
 * @param meanMaxCosTrue      mean over true features of the best cosine with any latent
 * @param meanMaxCosLearned   mean over latents of the best cosine with any true feature
 * @param recoveredFraction   true features whose best cosine is ≥ {@code bar}
 * @param hungarianMeanCos    mean signed cosine after the one-to-one matching that maximises the
 *                            signed cosine ({@link FeatureMatch#signed}; NaN above {@link FeatureMatch#LIMIT})
 * @param latentsPerFeature   mean number of latents that pick a recovered feature as their best
 *                            match with cosine ≥ bar (feature splitting when above 1)
 * @param splitFraction       recovered features claimed by two or more latents
 * @param bestLatent          per true feature, the latent with the highest cosine
 */
public record GroundTruthMetrics(double bar, double meanMaxCosTrue, double meanMaxCosLearned, double recoveredFraction,
                                 double hungarianMeanCos, double latentsPerFeature, double splitFraction, int[] bestLatent) {

    public static GroundTruthMetrics of(float[] trueDirs, int n, float[] learned, int m, int d, double bar) {
        return of(FeatureCosines.of(trueDirs, n, learned, m, d), bar);
    }

    /** From cosines already computed for the other ground-truth metrics. */
    public static GroundTruthMetrics of(FeatureCosines fc, double bar) {
        int n = fc.features(), m = fc.latents();
        int[] bestLatent = new int[n], bestTrue = new int[m];
        double[] bestOfLatent = new double[m];
        java.util.Arrays.fill(bestOfLatent, Double.NEGATIVE_INFINITY);
        double sumTrue = 0;
        int recovered = 0;
        for (int i = 0; i < n; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < m; j++) {
                double c = fc.cos(i, j);
                if (c > best) { best = c; bestLatent[i] = j; }
                if (c > bestOfLatent[j]) { bestOfLatent[j] = c; bestTrue[j] = i; }
            }
            sumTrue += best;
            if (best >= bar) recovered++;
        }
        double sumLearned = 0;
        int[] claims = new int[n];
        for (int j = 0; j < m; j++) {
            sumLearned += bestOfLatent[j];
            if (bestOfLatent[j] >= bar) claims[bestTrue[j]]++;
        }
        int claimed = 0, split = 0;
        long claimsTotal = 0;
        for (int i = 0; i < n; i++) {
            if (claims[i] > 0) { claimed++; claimsTotal += claims[i]; }
            if (claims[i] > 1) split++;
        }
        return new GroundTruthMetrics(bar, sumTrue / n, sumLearned / m, (double) recovered / n,
                FeatureMatch.signed(fc).mcc(), claimed == 0 ? 0 : (double) claimsTotal / claimed,
                claimed == 0 ? 0 : (double) split / claimed, bestLatent);
    }
}
