package saelab.eval;

import saelab.train.metrics.Recovery;

/**
 * How well learned latent directions (decoder rows, m × d) recover known true feature
 * directions (n × d), by cosine similarity.
 *
 * @param meanMaxCosTrue      mean over true features of the best cosine with any latent
 * @param meanMaxCosLearned   mean over latents of the best cosine with any true feature
 * @param recoveredFraction   true features whose best cosine is ≥ {@code bar}
 * @param hungarianMeanCos    mean cosine after one-to-one Hungarian matching (NaN when the
 *                            n·m problem is too large to solve here; see {@link #HUNGARIAN_LIMIT})
 * @param latentsPerFeature   mean number of latents that pick a recovered feature as their best
 *                            match with cosine ≥ bar (feature splitting when above 1)
 * @param splitFraction       recovered features claimed by two or more latents
 * @param bestLatent          per true feature, the latent with the highest cosine
 */
public record GroundTruthMetrics(double bar, double meanMaxCosTrue, double meanMaxCosLearned, double recoveredFraction,
                                 double hungarianMeanCos, double latentsPerFeature, double splitFraction, int[] bestLatent) {

    /** Largest n·m matched exactly: the O(n²m) method takes seconds at this size on 2 cores. */
    public static final long HUNGARIAN_LIMIT = 4L << 20;

    public static GroundTruthMetrics of(float[] trueDirs, int n, float[] learned, int m, int d, double bar) {
        float[] cos = Recovery.cosineMatrix(trueDirs, n, learned, m, d);
        int[] bestLatent = new int[n], bestTrue = new int[m];
        double[] bestOfLatent = new double[m];
        java.util.Arrays.fill(bestOfLatent, Double.NEGATIVE_INFINITY);
        double sumTrue = 0;
        int recovered = 0;
        for (int i = 0; i < n; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < m; j++) {
                double c = cos[i * m + j];
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
                hungarianMeanCos(cos, n, m), claimed == 0 ? 0 : (double) claimsTotal / claimed,
                claimed == 0 ? 0 : (double) split / claimed, bestLatent);
    }

    private static double hungarianMeanCos(float[] cos, int n, int m) {
        if ((long) n * m > HUNGARIAN_LIMIT) return Double.NaN;
        boolean transpose = n > m;
        int r = Math.min(n, m), c = Math.max(n, m);
        double[][] cost = new double[r][c];
        for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) {
            if (transpose) cost[j][i] = -cos[i * m + j]; else cost[i][j] = -cos[i * m + j];
        }
        int[] match = Hungarian.minCost(cost);
        double sum = 0;
        for (int a = 0; a < r; a++) sum -= cost[a][match[a]];
        return sum / r;
    }
}
