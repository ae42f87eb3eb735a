package saelab.eval.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.List;
import org.junit.jupiter.api.Test;

class PairedComparisonTest {

    /**
     * Student's sleep data: extra hours of sleep of 10 patients under two hypnotics (Cushny &amp;
     * Peebles 1905, analysed in Student 1908, "The probable error of a mean", Biometrika 6:1–25;
     * R's datasets::sleep). R 4.x, {@code t.test(extra ~ group, data = sleep, paired = TRUE)} prints
     * t = −4.0621, df = 9, p-value = 0.002833, 95% CI [−2.4598858, −0.7001142], mean difference −1.58
     * for group 1 − group 2; here a = group 2, b = group 1, so the signs flip. Tolerances are half a
     * unit in the last printed digit (the float64 arithmetic on 10 values errs by ~1e-15, far below).
     */
    @Test
    void studentsSleepDataGiveThePublishedTDfPAndInterval() {
        double[] group1 = {0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0};
        double[] group2 = {1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4};
        PairedComparison c = PairedComparison.of(group2, group1);
        assertEquals(10, c.n());
        assertEquals(9, c.df());
        assertEquals(1.58, c.mean(), 1e-12);
        assertEquals(4.0621, c.t(), 5e-5);
        assertEquals(0.002833, c.p(), 5e-7);
        assertEquals(0.7001142, c.ciLow(), 5e-8);
        assertEquals(2.4598858, c.ciHigh(), 5e-8);
        // d_z = mean/sd = t/√n exactly, so the published t fixes it to within 5e-5/√10.
        assertEquals(4.0621 / Math.sqrt(10), c.cohenDz(), 5e-5 / Math.sqrt(10) + 1e-12);
        assertFalse(c.deterministic());

        PairedComparison reversed = PairedComparison.of(group1, group2);
        assertEquals(-4.0621, reversed.t(), 5e-5);
        assertEquals(c.p(), reversed.p(), 1e-15);
        assertEquals(-2.4598858, reversed.ciLow(), 5e-8);
    }

    @Test
    void fewerThanTwoPairsTestNothing() {
        PairedComparison none = PairedComparison.of(new double[0], new double[0]);
        assertEquals(0, none.n());
        assertTrue(Double.isNaN(none.mean()) && Double.isNaN(none.p()) && Double.isNaN(none.ciLow()));
        PairedComparison one = PairedComparison.of(new double[] {0.9}, new double[] {0.7});
        assertEquals(1, one.n());
        assertEquals(0.2, one.mean(), 1e-15);
        assertTrue(Double.isNaN(one.sd()) && Double.isNaN(one.t()) && Double.isNaN(one.p()) && Double.isNaN(one.cohenDz()));
        assertFalse(one.deterministic());
    }

    @Test
    void equalDifferencesOnEverySeedAreADeterministicDifference() {
        // 0.1 three times: a naive mean is 0.1 + 1 ulp and the sd 1e-17; the explicit case gives exactly 0.
        PairedComparison shift = PairedComparison.ofDifferences(0.1, 0.1, 0.1);
        assertTrue(shift.deterministic());
        assertEquals(0.1, shift.mean());
        assertEquals(0.0, shift.sd());
        assertEquals(0.0, shift.p());
        assertEquals(Double.POSITIVE_INFINITY, shift.t());
        assertEquals(Double.POSITIVE_INFINITY, shift.cohenDz());
        assertEquals(0.1, shift.ciLow());
        assertEquals(0.1, shift.ciHigh());
        assertEquals(Double.NEGATIVE_INFINITY, PairedComparison.ofDifferences(-2, -2).t());

        PairedComparison same = PairedComparison.of(new double[] {0.5, 0.7, 0.9}, new double[] {0.5, 0.7, 0.9});
        assertTrue(same.deterministic());
        assertEquals(1.0, same.p());
        assertEquals(0.0, same.t());
        assertEquals(0.0, same.cohenDz());
        assertEquals(0.0, same.ciLow());
        assertEquals(0.0, same.ciHigh());
    }

    @Test
    void badInputIsOneClearLine() {
        IllegalArgumentException lengths = assertThrows(IllegalArgumentException.class,
                () -> PairedComparison.of(new double[] {1, 2, 3}, new double[] {1, 2}));
        assertEquals("paired values: a has 3 values and b has 2; expected one value per seed in each, same seeds in the same order", lengths.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> PairedComparison.of(new double[] {1, 2}, new double[] {1, Double.NaN}));
        assertEquals("paired values: b[1] is NaN; expected a finite metric value (leave a seed without a value out of both arrays)", nan.getMessage());
    }

    /**
     * The t-test and its interval are duals: p &lt; 0.05 exactly when 0 lies outside the 95%
     * interval, and the interval is centred on the mean. Sets whose p sits within 1e-9 of 0.05 are
     * skipped: there the two sides are decided by rounding (quantile and CDF each err by ~1e-15).
     */
    @Test
    void pBelowFivePercentExactlyWhenTheIntervalExcludesZero() {
        int[] significant = {0};
        int[] checked = {0};
        qt().withFixedSeed(20260512L).withExamples(400)
                .forAll(lists().of(doubles().between(-1, 3)).ofSizeBetween(2, 12))
                .checkAssert(d -> {
                    PairedComparison c = PairedComparison.ofDifferences(d.stream().mapToDouble(Double::doubleValue).toArray());
                    if (c.deterministic() || Math.abs(c.p() - 0.05) < 1e-9) return;
                    checked[0]++;
                    boolean excludes = c.ciLow() > 0 || c.ciHigh() < 0;
                    assertEquals(c.p() < 0.05, excludes, "p " + c.p() + ", interval [" + c.ciLow() + ", " + c.ciHigh() + "] for " + d);
                    assertEquals(c.mean(), 0.5 * (c.ciLow() + c.ciHigh()), 1e-12 * (1 + Math.abs(c.ciHigh() - c.ciLow())));
                    if (excludes) significant[0]++;
                });
        assertTrue(checked[0] > 300, "most generated sets were checked: " + checked[0]);
        assertTrue(significant[0] > 20 && significant[0] < checked[0] - 20, "both sides of 0.05 were reached: " + significant[0] + " of " + checked[0]);
    }

    /** Swapping the variants negates the mean difference, t, d_z and the interval and keeps p. */
    @Test
    void swappingTheVariantsMirrorsTheResult() {
        qt().withFixedSeed(77031L).withExamples(200)
                .forAll(lists().of(doubles().between(-5, 5)).ofSizeBetween(2, 10), lists().of(doubles().between(-5, 5)).ofSizeBetween(10, 10))
                .checkAssert((x, y) -> {
                    double[] a = x.stream().mapToDouble(Double::doubleValue).toArray();
                    double[] b = y.subList(0, a.length).stream().mapToDouble(Double::doubleValue).toArray();
                    PairedComparison ab = PairedComparison.of(a, b), ba = PairedComparison.of(b, a);
                    List<double[]> pairs = List.of(new double[] {ab.mean(), -ba.mean()}, new double[] {ab.t(), -ba.t()},
                            new double[] {ab.cohenDz(), -ba.cohenDz()}, new double[] {ab.ciLow(), -ba.ciHigh()}, new double[] {ab.p(), ba.p()});
                    for (double[] p : pairs) assertEquals(p[0], p[1], 1e-9 * (1 + Math.abs(p[0])), x + " vs " + y);
                });
    }
}
