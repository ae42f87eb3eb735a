package saelab.eval.stats;

import java.util.Locale;

/**
 * One line of the verdict table: a comparison on one metric, with what the paired test, Holm's
 * correction and (for a metric with a margin) TOST found, and the verdict. Plain data: a report
 * renders it, results.json stores it. Numbers that do not apply are NaN (TOST p without a margin;
 * everything but the mean below two pairs) and {@link #seedsNeeded} is {@link #NOT_APPLICABLE}.
 *
 * @param n                seeds present for both variants (the pairs)
 * @param meanDifference   mean of a − b over those seeds
 * @param ciLow            95% paired-t interval of the mean difference
 * @param rawP             two-sided paired-t p-value, before correction
 * @param holmP            Holm-adjusted p-value within the table's family
 * @param cohenDz          mean / sd of the differences
 * @param tostP            TOST p-value against the metric's margin (NaN without one)
 * @param detectableEffect smallest mean difference these seeds detect with 80% power at the corrected
 *                         level (see {@link #decide}); NaN below two pairs
 * @param seedsNeeded      for an inconclusive row with an observed effect: the seeds it would take to
 *                         detect the observed mean difference with 80% power; otherwise NOT_APPLICABLE
 */
public record VerdictRow(Comparison comparison, Metric metric, int n, double meanDifference, double ciLow, double ciHigh,
                         double rawP, double holmP, double cohenDz, double tostP, Verdict verdict, double detectableEffect,
                         long seedsNeeded) {

    /** Level of the (Holm-adjusted) difference test. */
    public static final double ALPHA = 0.05;
    /** {@link #seedsNeeded} when the row is not inconclusive, no effect was observed, or there was no sd to plan with. */
    public static final long NOT_APPLICABLE = -1;

    /** {@link #decide(Comparison, Metric, PairedComparison, double, int)} on the paired values a[i], b[i] of the same seeds. */
    public static VerdictRow decide(Comparison c, Metric m, double[] a, double[] b, double holmP, int familySize) {
        return decide(c, m, PairedComparison.of(a, b), holmP, familySize);
    }

    /**
     * The verdict on a against b: BETTER or WORSE when the Holm-adjusted p is below 0.05 (better
     * when the mean difference points the metric's good way); else EQUIVALENT when the metric has a
     * margin and TOST finds the difference within it; else INCONCLUSIVE. A significant difference
     * wins over equivalence: a difference inside the margin that the test still resolves is reported
     * as a difference (its TOST p stays in the row).
     *
     * <p>The detectable effect and the seeds needed use α/m, m = {@code familySize}: the level
     * Holm's first step demands, so they describe an effect that is detected even if it is the
     * family's only real one, which is the conservative reading.
     *
     * @param holmP      this test's Holm-adjusted p within its family (NaN when it was not tested)
     * @param familySize m, the number of tested hypotheses Holm adjusted over
     */
    public static VerdictRow decide(Comparison c, Metric m, PairedComparison d, double holmP, int familySize) {
        if (!Double.isNaN(holmP) && !(holmP >= 0 && holmP <= 1)) {
            throw new IllegalArgumentException("verdict " + c.label() + " on " + m.name() + ": Holm p is " + holmP + "; expected a p-value in [0, 1] or NaN");
        }
        if (familySize < (Double.isNaN(holmP) ? 0 : 1)) {
            throw new IllegalArgumentException("verdict " + c.label() + " on " + m.name() + ": family size " + familySize
                    + "; expected at least 1 when the test has a Holm p");
        }
        double tostP = m.hasMargin() ? Equivalence.test(d, m.equivalenceMargin()).p() : Double.NaN;
        Verdict v;
        if (holmP < ALPHA) v = (d.mean() > 0) == m.higherIsBetter() ? Verdict.BETTER : Verdict.WORSE;
        else if (tostP < Equivalence.ALPHA) v = Verdict.EQUIVALENT;
        else v = Verdict.INCONCLUSIVE;
        double alpha = ALPHA / Math.max(1, familySize);
        double detectable = d.n() >= 2 ? Power.minimalDetectableEffect(d.n(), d.sd(), alpha) : Double.NaN;
        long seeds = v == Verdict.INCONCLUSIVE && d.n() >= 2 && d.mean() != 0 ? Power.pairsNeeded(d.mean(), d.sd(), alpha) : NOT_APPLICABLE;
        return new VerdictRow(c, m, d.n(), d.mean(), d.ciLow(), d.ciHigh(), d.p(), holmP, d.cohenDz(), tostP, v, detectable, seeds);
    }

    /** One plain sentence, e.g. "adaptive vs static, mcc: better (Δ +0.012, 95% CI [+0.004, +0.020], Holm p 0.003, 5 seeds)". */
    public String sentence() {
        String head = comparison.label() + ", " + metric.name() + ": ";
        if (n < 2) return head + "inconclusive (" + n + (n == 1 ? " seed" : " seeds") + " paired; a paired test needs at least 2)";
        String numbers = String.format(Locale.ROOT, "Δ %+.4g, 95%% CI [%+.4g, %+.4g], Holm p %.3g, %d seeds", meanDifference, ciLow, ciHigh, holmP, n);
        return switch (verdict) {
            case BETTER -> head + "better (" + numbers + ")";
            case WORSE -> head + "worse (" + numbers + ")";
            case EQUIVALENT -> head + String.format(Locale.ROOT, "equivalent within ±%.4g (%s, TOST p %.3g)", metric.equivalenceMargin(), numbers, tostP);
            case INCONCLUSIVE -> head + "inconclusive (" + numbers + "); " + detectability();
        };
    }

    private String detectability() {
        String detect = String.format(Locale.ROOT, "these seeds detect a difference of %.4g with 80%% power", detectableEffect);
        if (meanDifference == 0) return detect + "; no effect observed";
        if (seedsNeeded == NOT_APPLICABLE) return detect;
        return detect + String.format(Locale.ROOT, "; detecting the observed %.4g would take %d seeds", Math.abs(meanDifference), seedsNeeded);
    }
}
