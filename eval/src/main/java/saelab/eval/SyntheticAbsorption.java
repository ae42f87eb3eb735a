package saelab.eval;

import java.util.function.IntUnaryOperator;

/**
 * Absorption measured exactly on synthetic data: for a parent feature p and its child c, over
 * the samples where both truly fire, how often the parent's latent stays silent while the
 * child's latent fires — the child's latent has absorbed the parent's direction.
 *
 * <p>"The parent's latent" is the latent whose decoder direction best matches p (from
 * {@link GroundTruthMetrics#bestLatent()}); likewise for c. Pairs seen together fewer than
 * {@code minSamples} times are left out of the mean.
 *
 * @param meanRate  mean over counted (parent, child) pairs of absorbed / co-occurring samples
 * @param pairs     pairs counted
 * @param absorbed  samples absorbed, over all counted pairs
 * @param together  samples where parent and child fired together, over all counted pairs
 */
public record SyntheticAbsorption(double meanRate, int pairs, long absorbed, long together) {

    /**
     * @param rowStart,feature the truth: row r fired feature[rowStart[r] .. rowStart[r+1])
     * @param k,idx,val        the SAE's codes for the same rows (k slots per row; fires when > 0)
     * @param parentOf         true parent of a feature, −1 for none
     */
    public static SyntheticAbsorption of(int rows, int[] rowStart, int[] feature, int nFeatures,
                                         int k, int[] idx, float[] val, IntUnaryOperator parentOf,
                                         int[] bestLatent, int minSamples) {
        long[] together = new long[nFeatures], absorbed = new long[nFeatures];
        java.util.Set<Integer> truth = new java.util.HashSet<>();
        java.util.Set<Integer> fired = new java.util.HashSet<>();
        for (int r = 0; r < rows; r++) {
            truth.clear();
            fired.clear();
            for (int t = rowStart[r]; t < rowStart[r + 1]; t++) truth.add(feature[t]);
            for (int s = r * k; s < (r + 1) * k; s++) if (val[s] > 0) fired.add(idx[s]);
            for (int c : truth) {
                int p = parentOf.applyAsInt(c);
                if (p < 0 || !truth.contains(p)) continue;
                together[c]++;
                if (!fired.contains(bestLatent[p]) && fired.contains(bestLatent[c])) absorbed[c]++;
            }
        }
        double sum = 0;
        int pairs = 0;
        long a = 0, tg = 0;
        for (int c = 0; c < nFeatures; c++) {
            if (together[c] < Math.max(1, minSamples)) continue;
            pairs++;
            sum += (double) absorbed[c] / together[c];
            a += absorbed[c];
            tg += together[c];
        }
        return new SyntheticAbsorption(pairs == 0 ? 0 : sum / pairs, pairs, a, tg);
    }
}
