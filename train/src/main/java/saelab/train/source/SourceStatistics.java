package saelab.train.source;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.apache.commons.statistics.distribution.NormalDistribution;

/**
 * What a batch of a {@link SyntheticSource} shows about its design: how many features fire per
 * row, the rate range, how often each parent/child pair fires together (the n the co-firing
 * penalty sees, against its 0.1 threshold), and how much correlation the copula produced.
 *
 * @param rows                 rows measured
 * @param meanActive           mean number of firing features per row (the data's L0)
 * @param designedMeanActive   Σ of the designed rates ({@link SyntheticSource#expectedActive})
 * @param minRate              smallest designed rate among features that can fire
 * @param maxRate              largest designed rate
 * @param maxMeasuredRate      largest measured firing fraction of any feature
 * @param pairs                each parent/child pair with its measured co-firing fraction n
 * @param copulaPairs          pairs of top-level copula members compared (0 without a copula)
 * @param intendedCorrelation  mean φ (correlation of the firing indicators) the copula implies
 *                             over the compared pairs with positive latent correlation
 * @param achievedCorrelation  mean φ measured over the same pairs
 */
public record SourceStatistics(int rows, double meanActive, double designedMeanActive, double minRate, double maxRate, double maxMeasuredRate,
                               List<Pair> pairs, int copulaPairs, double intendedCorrelation, double achievedCorrelation) {

    /** The co-firing threshold of the original method (base_threshold 0.1). */
    public static final double THRESHOLD = 0.1;
    /** At most this many top-level copula members (the most frequent) enter the correlation check. */
    static final int COPULA_SAMPLE = 48;

    /** One parent/child pair and the fraction of rows where both fired. */
    public record Pair(int parent, int child, double coFiring) {}

    /** Parent/child pairs co-firing in more than {@code threshold} of the rows. */
    public long pairsAbove(double threshold) {
        return pairs.stream().filter(p -> p.coFiring() > threshold).count();
    }

    public double minPairCoFiring() {
        return pairs.stream().mapToDouble(Pair::coFiring).min().orElse(0);
    }

    public double maxPairCoFiring() {
        return pairs.stream().mapToDouble(Pair::coFiring).max().orElse(0);
    }

    /** One line for logs and reports. */
    public String summary() {
        return String.format(Locale.ROOT, "%d rows: L0 %.2f (designed %.2f), rates %.2g–%.3f (measured max %.3f), %d parent/child pairs, "
                        + "%d co-fire in > %.1f of rows (n %.3f–%.3f), copula φ %.3f achieved vs %.3f intended over %d pairs",
                rows, meanActive, designedMeanActive, minRate, maxRate, maxMeasuredRate, pairs.size(), pairsAbove(THRESHOLD), THRESHOLD,
                minPairCoFiring(), maxPairCoFiring(), achievedCorrelation, intendedCorrelation, copulaPairs);
    }

    /** Measures {@code b}, a batch drawn from {@code src}. */
    public static SourceStatistics measure(SyntheticSource src, SyntheticSource.Batch b) {
        int n = src.features(), rows = b.rows();
        if (rows == 0) throw new IllegalArgumentException("source statistics: the batch has no rows");
        long[] count = new long[n];
        for (int f : b.feature()) count[f]++;
        boolean[] on = new boolean[n];
        long[] both = new long[n];                 // rows where feature c and its parent fired
        for (int r = 0; r < rows; r++) {
            for (int t = b.rowStart()[r]; t < b.rowStart()[r + 1]; t++) on[b.feature()[t]] = true;
            for (int t = b.rowStart()[r]; t < b.rowStart()[r + 1]; t++) {
                int c = b.feature()[t], p = src.parentOf(c);
                if (p >= 0 && on[p]) both[c]++;
            }
            for (int t = b.rowStart()[r]; t < b.rowStart()[r + 1]; t++) on[b.feature()[t]] = false;
        }
        List<Pair> pairs = new ArrayList<>();
        double minRate = Double.POSITIVE_INFINITY, maxRate = 0, maxMeasured = 0;
        for (int i = 0; i < n; i++) {
            double rate = src.rateOf(i);
            if (rate > 0) minRate = Math.min(minRate, rate);
            maxRate = Math.max(maxRate, rate);
            maxMeasured = Math.max(maxMeasured, (double) count[i] / rows);
            if (src.parentOf(i) >= 0) pairs.add(new Pair(src.parentOf(i), i, (double) both[i] / rows));
        }
        double[] phi = copulaCorrelation(src, b, count);
        return new SourceStatistics(rows, (double) b.feature().length / rows, src.expectedActive(), minRate == Double.POSITIVE_INFINITY ? 0 : minRate,
                maxRate, maxMeasured, List.copyOf(pairs), (int) phi[0], phi[1], phi[2]);
    }

    /**
     * Over pairs of the most frequent top-level copula members with positive latent correlation
     * ρ: the mean φ the copula implies (from the bivariate normal probability of both drawing)
     * and the mean φ measured. Top-level members fire exactly when they draw (up to a magnitude
     * of 0, negligible here), so the two are comparable. Returns {pairs, intended, achieved}.
     */
    private static double[] copulaCorrelation(SyntheticSource src, SyntheticSource.Batch b, long[] count) {
        int[] members = IntStream.range(0, src.features()).filter(i -> src.inCopula(i) && src.parentOf(i) < 0).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -src.drawProbabilityOf(i)).thenComparingInt(i -> i))
                .limit(COPULA_SAMPLE).mapToInt(Integer::intValue).toArray();
        int k = members.length, rows = b.rows();
        if (k < 2) return new double[] {0, 0, 0};
        int[] slot = new int[src.features()];
        java.util.Arrays.fill(slot, -1);
        for (int s = 0; s < k; s++) slot[members[s]] = s;
        long[] joint = new long[k * k];
        int[] here = new int[k];
        for (int r = 0; r < rows; r++) {
            int m = 0;
            for (int t = b.rowStart()[r]; t < b.rowStart()[r + 1]; t++) if (slot[b.feature()[t]] >= 0) here[m++] = slot[b.feature()[t]];
            for (int x = 0; x < m; x++) for (int y = x + 1; y < m; y++) joint[Math.min(here[x], here[y]) * k + Math.max(here[x], here[y])]++;
        }
        NormalDistribution std = NormalDistribution.of(0, 1);
        int pairs = 0;
        double intended = 0, achieved = 0;
        for (int x = 0; x < k; x++) {
            for (int y = x + 1; y < k; y++) {
                double rho = src.latentCorrelation(members[x], members[y]);
                if (!(rho > 0)) continue;
                double px = src.drawProbabilityOf(members[x]), py = src.drawProbabilityOf(members[y]);
                double both = bivariateNormalBelow(std.inverseCumulativeProbability(px), std.inverseCumulativeProbability(py), rho, std);
                intended += phi(both, px, py);
                achieved += phi((double) joint[x * k + y] / rows, (double) count[members[x]] / rows, (double) count[members[y]] / rows);
                pairs++;
            }
        }
        return pairs == 0 ? new double[] {0, 0, 0} : new double[] {pairs, intended / pairs, achieved / pairs};
    }

    /** The correlation of two indicators from their joint and marginal probabilities. */
    static double phi(double both, double pa, double pb) {
        double v = pa * (1 - pa) * pb * (1 - pb);
        return v > 0 ? (both - pa * pb) / Math.sqrt(v) : 0;
    }

    /**
     * P(Z1 &lt; a, Z2 &lt; b) for standard normals with correlation ρ &lt; 1: ∫_{−∞}^{a} φ(x)
     * Φ((b − ρx)/√(1 − ρ²)) dx by composite Simpson on [−9, a] (256 panels; the integrand is
     * smooth and the tail below −9 is under 1e-18): error of order 1e-9, far below the sampling
     * error of any batch it is compared with.
     */
    static double bivariateNormalBelow(double a, double b, double rho, NormalDistribution std) {
        double lo = -9, hi = Math.min(a, 9);
        if (hi <= lo) return 0;
        double s = Math.sqrt(1 - rho * rho);
        int panels = 256;
        double h = (hi - lo) / panels, sum = 0;
        for (int q = 0; q <= panels; q++) {
            double x = lo + q * h;
            double f = std.density(x) * std.cumulativeProbability((b - rho * x) / s);
            sum += (q == 0 || q == panels ? 1 : q % 2 == 1 ? 4 : 2) * f;
        }
        return sum * h / 3;
    }
}
