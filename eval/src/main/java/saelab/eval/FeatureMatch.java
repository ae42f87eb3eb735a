package saelab.eval;

import java.util.Arrays;

/**
 * SynthSAEBench's MCC (mean correlation coefficient): true features and decoder rows matched one
 * to one by the Hungarian method so that the summed |cos| is largest, then the mean |cos| over
 * the matched pairs. As in SAELens ({@code sae_lens/synthetic/evals.py},
 * {@code mean_correlation_coefficient}: scipy's {@code linear_sum_assignment} on the rectangular
 * |cos| matrix), there are min(n, m) pairs and the mean is over them: with fewer latents than
 * features (m &lt; n) every latent is matched and the unmatched features do not lower the score;
 * with more latents the extra latents are ignored.
 *
 * <p>The same matching defines "a feature's latent" for {@link HierarchyAbsorption}.
 * {@link #signed} keeps the earlier score under its own name: the matching that maximises the
 * signed cosine and the mean signed cosine over it (a latent pointing against a feature cannot
 * stand for it with a non-negative code, so that score counts it as −|cos|).
 *
 * @param mcc             mean |cos| over the matched pairs (signed cos for {@link #signed}); NaN when skipped
 * @param pairs           matched pairs, min(n, m) (0 when skipped)
 * @param latentOfFeature per true feature, its matched latent, −1 when unmatched or skipped
 * @param featureOfLatent per latent, its matched true feature, −1 when unmatched or skipped
 * @param skipped         null when computed, else one line saying why not (for the report)
 */
public record FeatureMatch(double mcc, int pairs, int[] latentOfFeature, int[] featureOfLatent, String skipped) {

    /**
     * Largest n·m matched: SynthSAEBench-16k's 16384 × 16384. Its cosines take 1 GiB (the
     * matching reads them in place). Measured on 2 shared cores at d 768: the cosines 4–10 s;
     * the matching about 1 s for a decoder near the truth and about a minute for a random
     * (untrained) one, the hardest case; 16384 × 4096 (SynthSAEBench's recommended width) about 1 s.
     */
    public static final long LIMIT = 16384L * 16384L;

    /** Whether an n × m problem is matched rather than skipped. */
    public static boolean fits(int n, int m) { return (long) n * m <= LIMIT; }

    /** From plain arrays: n × d true directions, m × d decoder rows. Checks the size before computing any cosine. */
    public static FeatureMatch of(float[] trueDirs, int n, float[] wDec, int m, int d) {
        if (!fits(n, m)) return skipped(n, m);
        return of(FeatureCosines.of(trueDirs, n, wDec, m, d));
    }

    /** The |cos| matching: SynthSAEBench's MCC. */
    public static FeatureMatch of(FeatureCosines c) { return solve(c, true); }

    /** The signed-cosine matching and its mean signed cosine (the score formerly called the Hungarian mean cos). */
    public static FeatureMatch signed(FeatureCosines c) { return solve(c, false); }

    /** A skipped result: NaN, no pairs, and the reason. */
    public static FeatureMatch skipped(int n, int m) {
        return new FeatureMatch(Double.NaN, 0, filled(n), filled(m), String.format(java.util.Locale.ROOT,
                "Hungarian matching skipped: %d true features × %d latents = %d cosines is over the limit of %d (16384 × 16384)",
                n, m, (long) n * m, LIMIT));
    }

    private static FeatureMatch solve(FeatureCosines c, boolean absolute) {
        int n = c.features(), m = c.latents();
        if (!fits(n, m)) return skipped(n, m);
        boolean byLatent = c.latentMajor();
        int rows = Math.min(n, m), cols = Math.max(n, m);
        int[] match = Hungarian.maxWeight(c.values(), rows, cols, absolute);
        int[] latentOf = filled(n), featureOf = filled(m);
        double sum = 0;
        for (int i = 0; i < rows; i++) {
            int f = byLatent ? match[i] : i, l = byLatent ? i : match[i];
            latentOf[f] = l;
            featureOf[l] = f;
            double s = c.cos(f, l);
            sum += absolute ? Math.abs(s) : s;
        }
        return new FeatureMatch(sum / rows, rows, latentOf, featureOf, null);
    }

    private static int[] filled(int size) {
        int[] a = new int[size];
        Arrays.fill(a, -1);
        return a;
    }
}
