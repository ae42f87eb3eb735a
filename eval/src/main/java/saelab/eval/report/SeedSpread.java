package saelab.eval.report;

import org.apache.commons.statistics.distribution.TDistribution;

/**
 * A metric over several seeds: mean, sample standard deviation, and the half-width of the 95%
 * confidence interval for the mean from Student's t with n − 1 degrees of freedom
 * (t_{0.975, n−1}·s/√n). With one seed the interval is undefined (NaN), not zero.
 */
public record SeedSpread(int n, double mean, double sd, double halfWidth95) {

    public static SeedSpread of(double... values) {
        int n = values.length;
        if (n == 0) throw new IllegalArgumentException("no values");
        double mean = 0;
        for (double v : values) mean += v;
        mean /= n;
        if (n == 1) return new SeedSpread(1, mean, Double.NaN, Double.NaN);
        double ss = 0;
        for (double v : values) ss += (v - mean) * (v - mean);
        double sd = Math.sqrt(ss / (n - 1));
        double t = TDistribution.of(n - 1).inverseCumulativeProbability(0.975);
        return new SeedSpread(n, mean, sd, t * sd / Math.sqrt(n));
    }

    public double low() { return mean - halfWidth95; }

    public double high() { return mean + halfWidth95; }

    /** "0.912 ± 0.004" with {@code digits} decimals; "0.912" for a single seed. */
    public String format(int digits) {
        String f = "%." + digits + "f";
        return Double.isNaN(halfWidth95) ? String.format(f, mean) : String.format(f + " ± " + f, mean, halfWidth95);
    }
}
