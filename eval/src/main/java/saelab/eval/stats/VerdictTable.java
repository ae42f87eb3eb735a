package saelab.eval.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Every comparison on every metric, decided together. The family Holm corrects over is every
 * difference test in the table (comparisons × metrics that have at least two paired seeds), so the
 * chance that the table calls any true null BETTER or WORSE is at most 5%.
 *
 * <p>Equivalence tests (TOST, for metrics with a margin, i.e. reconstruction) are reported beside
 * that family and are not corrected: they answer a different question ("is reconstruction equal
 * within the margin?", the condition under which the other metrics are compared) and each has its
 * own 5% error of calling a difference at the margin equivalent. Folding them into the family would
 * mix rejections of "equal" with rejections of "different" in one step-down; leaving them out means
 * that with k equivalence claims the chance of at least one false one can reach k·5% when true
 * differences sit exactly at the margin.
 *
 * <p>Only seeds with a finite value for both variants pair up; a seed missing (or NaN) on either
 * side is left out of that comparison only.
 */
public final class VerdictTable {
    private VerdictTable() {}

    /** A metric's value for a variant on a seed; NaN when that run did not measure it. */
    @FunctionalInterface
    public interface Values {
        double value(String variant, long seed, String metric);
    }

    /**
     * @param values variant → seed → metric name → value (a missing key or NaN: not measured)
     */
    public static List<VerdictRow> of(List<Comparison> comparisons, List<Metric> metrics, Map<String, Map<Long, Map<String, Double>>> values) {
        for (Comparison c : comparisons) {
            for (String v : List.of(c.a(), c.b())) {
                if (!values.containsKey(v)) {
                    throw new IllegalArgumentException("verdict table: comparison " + c.label() + " names variant '" + v
                            + "', which has no values; variants with values: " + values.keySet());
                }
            }
        }
        TreeSet<Long> seeds = new TreeSet<>();
        values.values().forEach(bySeed -> seeds.addAll(bySeed.keySet()));
        return of(comparisons, metrics, seeds, (variant, seed, metric) -> {
            Double x = values.getOrDefault(variant, Map.of()).getOrDefault(seed, Map.of()).get(metric);
            return x == null ? Double.NaN : x;
        });
    }

    /** Rows in comparison-major order (every metric of the first comparison, then the second's, ...). */
    public static List<VerdictRow> of(List<Comparison> comparisons, List<Metric> metrics, Collection<Long> seeds, Values values) {
        List<Long> order = new ArrayList<>(new TreeSet<>(seeds));
        List<Comparison> rowComparison = new ArrayList<>();
        List<Metric> rowMetric = new ArrayList<>();
        List<PairedComparison> paired = new ArrayList<>();
        for (Comparison c : comparisons) {
            for (Metric m : metrics) {
                rowComparison.add(c);
                rowMetric.add(m);
                paired.add(pair(c, m, order, values));
            }
        }
        double[] raw = paired.stream().mapToDouble(PairedComparison::p).toArray();
        double[] holm = Holm.adjust(raw);
        int family = Holm.familySize(raw);
        List<VerdictRow> rows = new ArrayList<>(raw.length);
        for (int i = 0; i < raw.length; i++) rows.add(VerdictRow.decide(rowComparison.get(i), rowMetric.get(i), paired.get(i), holm[i], family));
        return rows;
    }

    private static PairedComparison pair(Comparison c, Metric m, List<Long> seeds, Values values) {
        double[] a = new double[seeds.size()], b = new double[seeds.size()];
        int n = 0;
        for (long seed : seeds) {
            double x = values.value(c.a(), seed, m.name()), y = values.value(c.b(), seed, m.name());
            if (Double.isFinite(x) && Double.isFinite(y)) {
                a[n] = x;
                b[n] = y;
                n++;
            }
        }
        return PairedComparison.of(Arrays.copyOf(a, n), Arrays.copyOf(b, n));
    }
}
