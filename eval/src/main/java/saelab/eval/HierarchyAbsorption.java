package saelab.eval;

/**
 * Feature absorption on synthetic data, where the hierarchy is known. For a parent P and its
 * child C (parentOf[C] = P), over the rows where both truly fire, a row is <b>absorbed</b> when
 * P's latent is silent while C's latent fires and C's decoder row carries P's direction:
 * cos(W_dec[C's latent], d_P) &gt; {@code bar} (signed: codes are non-negative, so only a
 * positive component adds P back). The child's latent has taken the parent's direction and the
 * parent's latent no longer needs to fire. A row where both latents are silent is not absorbed;
 * the recalls below show it instead, so a penalty that silences both is not read as progress.
 *
 * <p><b>A feature's latent</b> is its partner in the |cos| Hungarian matching
 * ({@link FeatureMatch#latentOfFeature}): one latent per feature, never shared, chosen from the
 * decoder alone (not from the batch being scored). With fewer latents than features some features
 * have none; a pair with such a member is left out and counted in {@link #unmatchedPairs}.
 *
 * <p>A pair is counted when both members are matched and they fired together in at least
 * {@code minTogether} rows.
 *
 * @param bar            the cosine with P's direction above which C's latent carries it
 * @param rate           mean over counted pairs of absorbed rows / rows where both fired; NaN when no pair counts
 * @param pooledRate     absorbed rows / rows where both fired, summed over counted pairs; NaN when no pair counts
 * @param parentRecall   mean over counted pairs of: rows where P's latent fires among the rows where P truly fires
 * @param childRecall    the same for C
 * @param pairs          counted (parent, child) pairs
 * @param unmatchedPairs pairs seen together ≥ minTogether times but with P or C unmatched, left out
 * @param absorbed       absorbed rows over counted pairs
 * @param together       rows where both fired, over counted pairs
 */
public record HierarchyAbsorption(double bar, double rate, double pooledRate, double parentRecall, double childRecall,
                                  int pairs, int unmatchedPairs, long absorbed, long together) {

    /** The default bar on cos(C's latent, P's direction): what "carries P's direction" means here. */
    public static final double DEFAULT_BAR = 0.1;

    /**
     * From plain arrays: builds the cosines and the |cos| matching itself (n = parentOf.length,
     * m = wDec.length / d). Use {@link #of(FeatureCosines, FeatureMatch, int, int[], int[], int, int[], float[], int[], double, int)}
     * when they are already at hand.
     */
    public static HierarchyAbsorption of(float[] trueDirs, float[] wDec, int d, int rows, int[] rowStart, int[] feature,
                                         int k, int[] idx, float[] val, int[] parentOf, double bar, int minTogether) {
        int n = parentOf.length, m = wDec.length / Math.max(1, d);
        FeatureCosines c = FeatureCosines.of(trueDirs, n, wDec, m, d);
        return of(c, FeatureMatch.of(c), rows, rowStart, feature, k, idx, val, parentOf, bar, minTogether);
    }

    /**
     * @param rowStart,feature the truth: row r fired feature[rowStart[r] .. rowStart[r+1])
     * @param k,idx,val        the SAE's codes for the same rows (k slots per row; fires when > 0)
     * @param parentOf         true parent of each feature, −1 for a root
     */
    public static HierarchyAbsorption of(FeatureCosines c, FeatureMatch match, int rows, int[] rowStart, int[] feature,
                                         int k, int[] idx, float[] val, int[] parentOf, double bar, int minTogether) {
        int n = c.features(), m = c.latents();
        Truth.check(rows, rowStart, feature, n, k, idx, val, m);
        Truth.checkParents(parentOf, n);
        if (match.latentOfFeature().length != n) throw new IllegalArgumentException("the matching covers " + match.latentOfFeature().length + " features, expected " + n);
        int[] latentOf = match.latentOfFeature();
        boolean[] carries = new boolean[n];   // C's latent carries P's direction
        for (int f = 0; f < n; f++) {
            int p = parentOf[f];
            carries[f] = p >= 0 && latentOf[f] >= 0 && c.cos(p, latentOf[f]) > bar;
        }
        long[] fired = new long[n], caught = new long[n], together = new long[n], absorbed = new long[n];
        int[] truthStamp = new int[n], firedStamp = new int[m];
        for (int r = 0; r < rows; r++) {
            int stamp = r + 1;
            for (int t = rowStart[r]; t < rowStart[r + 1]; t++) truthStamp[feature[t]] = stamp;
            for (int s = r * k; s < (r + 1) * k; s++) if (val[s] > 0) firedStamp[idx[s]] = stamp;
            for (int t = rowStart[r]; t < rowStart[r + 1]; t++) {
                int f = feature[t];
                int lf = latentOf[f];
                boolean fFires = lf >= 0 && firedStamp[lf] == stamp;
                fired[f]++;
                if (fFires) caught[f]++;
                int p = parentOf[f];
                if (p < 0 || truthStamp[p] != stamp) continue;
                together[f]++;
                int lp = latentOf[p];
                if (lp >= 0 && firedStamp[lp] != stamp && fFires && carries[f]) absorbed[f]++;
            }
        }
        int pairs = 0, unmatched = 0;
        long a = 0, tg = 0;
        double rate = 0, parentRecall = 0, childRecall = 0;
        for (int f = 0; f < n; f++) {
            int p = parentOf[f];
            if (p < 0 || together[f] < Math.max(1, minTogether)) continue;
            if (latentOf[p] < 0 || latentOf[f] < 0) { unmatched++; continue; }
            pairs++;
            rate += (double) absorbed[f] / together[f];
            parentRecall += (double) caught[p] / fired[p];
            childRecall += (double) caught[f] / fired[f];
            a += absorbed[f];
            tg += together[f];
        }
        if (pairs == 0) return new HierarchyAbsorption(bar, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, unmatched, 0, 0);
        return new HierarchyAbsorption(bar, rate / pairs, (double) a / tg, parentRecall / pairs, childRecall / pairs, pairs, unmatched, a, tg);
    }
}
