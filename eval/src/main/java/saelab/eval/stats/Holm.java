package saelab.eval.stats;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Holm–Bonferroni adjusted p-values: with the m p-values sorted ascending, the i-th smallest
 * (i = 1..m) becomes max over j ≤ i of min(1, (m − j + 1)·p_(j)). The running maximum makes the
 * adjusted values monotone in the raw ones (step-down), so "adjusted p &lt; α" rejects exactly the
 * hypotheses Holm's procedure rejects at level α, with the family-wise error rate at most α.
 *
 * <p>A NaN p-value (a test that could not be run, e.g. fewer than two seeds) stays NaN and is not
 * counted in m, as R's {@code p.adjust} does: an untestable hypothesis cannot be rejected, so it
 * need not be paid for.
 */
public final class Holm {
    private Holm() {}

    /** Adjusted p-values, in the order of {@code p}. Each p must be NaN or in [0, 1]. */
    public static double[] adjust(double... p) {
        for (int i = 0; i < p.length; i++) {
            if (!Double.isNaN(p[i]) && !(p[i] >= 0 && p[i] <= 1)) {
                throw new IllegalArgumentException("Holm: p[" + i + "] is " + p[i] + "; expected a p-value in [0, 1] or NaN for an untested hypothesis");
            }
        }
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < p.length; i++) order[i] = i;
        Integer[] tested = Arrays.stream(order).filter(i -> !Double.isNaN(p[i])).sorted(Comparator.comparingDouble(i -> p[i])).toArray(Integer[]::new);
        double[] out = new double[p.length];
        Arrays.fill(out, Double.NaN);
        int m = tested.length;
        double running = 0;
        for (int j = 0; j < m; j++) {
            running = Math.max(running, Math.min(1, (m - j) * p[tested[j]]));
            out[tested[j]] = running;
        }
        return out;
    }

    /** How many of these p-values are tested (not NaN): the m of the family. */
    public static int familySize(double... p) {
        int m = 0;
        for (double x : p) if (!Double.isNaN(x)) m++;
        return m;
    }
}
