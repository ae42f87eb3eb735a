package saelab.eval.stats;

import org.apache.commons.statistics.distribution.TDistribution;

/**
 * Schuirmann's two one-sided tests (TOST) that the mean paired difference lies within ±margin:
 * H01: mean ≤ −margin, rejected by t_lower = (mean + margin)/se with p_lower = P(T > t_lower); H02:
 * mean ≥ +margin, rejected by t_upper = (mean − margin)/se with p_upper = P(T < t_upper), T ~ t(n − 1).
 * The TOST p-value is the larger of the two, and the differences are called equivalent iff it is
 * below {@link #ALPHA}: the same as the 90% interval lying strictly inside (−margin, margin).
 *
 * <p>Below two pairs nothing is tested (p NaN, not equivalent). With no spread (every difference
 * equal, see {@link PairedComparison}) each one-sided test is decided exactly: p = 0 on the side the
 * mean is strictly inside the margin, 1 otherwise, so a deterministic difference is equivalent iff
 * |mean| &lt; margin.
 */
public record Equivalence(double margin, int n, double mean, double tLower, double tUpper, double pLower, double pUpper,
                          double p, double ci90Low, double ci90High, boolean equivalent) {

    /** Level of each one-sided test; the matching interval is the 1 − 2α = 90% interval. */
    public static final double ALPHA = 0.05;

    public static Equivalence test(PairedComparison d, double margin) {
        if (!(margin > 0) || !Double.isFinite(margin)) {
            throw new IllegalArgumentException("equivalence margin is " + margin + "; expected a finite number above 0");
        }
        int n = d.n();
        if (n < 2) {
            return new Equivalence(margin, n, d.mean(), Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, Double.NaN, false);
        }
        double mean = d.mean(), se = d.se();
        double tLower, tUpper, pLower, pUpper, half;
        if (d.deterministic()) {
            tLower = ratio(mean + margin);
            tUpper = ratio(mean - margin);
            pLower = mean > -margin ? 0 : 1;
            pUpper = mean < margin ? 0 : 1;
            half = 0;
        } else {
            TDistribution t = TDistribution.of(n - 1);
            tLower = (mean + margin) / se;
            tUpper = (mean - margin) / se;
            pLower = t.survivalProbability(tLower);
            pUpper = t.cumulativeProbability(tUpper);
            half = t.inverseSurvivalProbability(ALPHA) * se;
        }
        double p = Math.max(pLower, pUpper);
        return new Equivalence(margin, n, mean, tLower, tUpper, pLower, pUpper, p, mean - half, mean + half, p < ALPHA);
    }

    /** A t statistic over a zero standard error: ±∞ by the numerator's sign, 0 when it is 0. */
    private static double ratio(double numerator) {
        return numerator == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, numerator);
    }
}
