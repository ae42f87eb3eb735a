package saelab.eval.stats;

import org.apache.commons.statistics.distribution.TDistribution;

/**
 * The paired t-test of one metric between two variants run on the same seeds: d[i] = a[i] − b[i],
 * their mean with its 95% t-interval, the two-sided p-value of H0 "mean difference 0", and Cohen's
 * d_z = mean / sd.
 *
 * <p>Degenerate samples are answered explicitly, never by a division that happens to give NaN:
 * <ul>
 *   <li>n = 0: every field NaN; n = 1: the mean is the one difference, everything else NaN (there is
 *       no spread to test against).</li>
 *   <li>n ≥ 2 with every difference equal (sd = 0): a <em>deterministic difference</em>. With mean
 *       ≠ 0 the interval is [mean, mean], t and d_z are ±∞ and p = 0: every seed moved the same way
 *       by the same amount, which is as strong as paired evidence gets. With mean = 0 the variants
 *       agreed exactly on every seed: t = 0, d_z = 0, p = 1, interval [0, 0].
 *       {@link #deterministic()} tells these apart from a tested difference.</li>
 * </ul>
 */
public record PairedComparison(int n, double mean, double sd, double ciLow, double ciHigh, double t, double p, double cohenDz) {

    /** Two-sided level of the interval: 95%. */
    public static final double CONFIDENCE = 0.95;

    /** a and b hold one finite value per seed, in the same seed order. */
    public static PairedComparison of(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("paired values: a has " + a.length + " values and b has " + b.length
                    + "; expected one value per seed in each, same seeds in the same order");
        }
        double[] d = new double[a.length];
        for (int i = 0; i < d.length; i++) {
            requireFinite(a[i], "a", i);
            requireFinite(b[i], "b", i);
            d[i] = a[i] - b[i];
        }
        return ofDifferences(d);
    }

    /** The per-seed differences a − b, each finite. */
    public static PairedComparison ofDifferences(double... d) {
        for (int i = 0; i < d.length; i++) requireFinite(d[i], "d", i);
        int n = d.length;
        if (n == 0) return new PairedComparison(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        if (n == 1) return new PairedComparison(1, d[0], Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        if (allEqual(d)) {
            // Summing n equal values and dividing by n can be off by an ulp, which would turn "no
            // spread" into a spread of 1e-17 and a finite t; the deterministic case is decided here.
            double m = d[0];
            if (m == 0) return new PairedComparison(n, 0, 0, 0, 0, 0, 1, 0);
            double inf = Math.copySign(Double.POSITIVE_INFINITY, m);
            return new PairedComparison(n, m, 0, m, m, inf, 0, inf);
        }
        double mean = 0;
        for (double x : d) mean += x;
        mean /= n;
        double ss = 0;
        for (double x : d) ss += (x - mean) * (x - mean);
        double sd = Math.sqrt(ss / (n - 1));
        double se = sd / Math.sqrt(n);
        TDistribution dist = TDistribution.of(n - 1);
        double half = dist.inverseSurvivalProbability((1 - CONFIDENCE) / 2) * se;
        double t = mean / se;
        // survivalProbability keeps its relative accuracy for tiny p, where 1 − cdf would round to 0.
        double p = Math.min(1, 2 * dist.survivalProbability(Math.abs(t)));
        return new PairedComparison(n, mean, sd, mean - half, mean + half, t, p, mean / sd);
    }

    /** Degrees of freedom of the t-test, n − 1. */
    public int df() { return n - 1; }

    /** Standard error of the mean difference, sd / √n (NaN below two pairs). */
    public double se() { return sd / Math.sqrt(n); }

    /** Two or more pairs whose differences are all equal: no spread, see the class comment. */
    public boolean deterministic() { return n >= 2 && sd == 0; }

    private static boolean allEqual(double[] d) {
        for (double x : d) if (x != d[0]) return false;
        return true;
    }

    private static void requireFinite(double v, String which, int i) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("paired values: " + which + "[" + i + "] is " + v
                    + "; expected a finite metric value (leave a seed without a value out of both arrays)");
        }
    }
}
