package saelab.eval.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.lists;

import org.apache.commons.statistics.distribution.TDistribution;
import org.junit.jupiter.api.Test;

class EquivalenceTest {

    /** The t statistics differ from the hand values by a few ulps of ~10 (mean and sd of 5 values), so p by far less than 1e-12. */
    private static final double TOL = 1e-12;

    /**
     * Differences in explained variance on five seeds, margin 0.005. By hand: mean = 0.005/5 =
     * 0.001; deviations 0.001, −0.002, 0.002, −0.001, 0 give Σ = 10e-6, sd² = 10e-6/4 = 2.5e-6,
     * se = √(2.5e-6/5). t_lower = (0.001 + 0.005)/se = 8.485, t_upper = (0.001 − 0.005)/se = −5.657,
     * df 4; p_lower = P(T &gt; t_lower), p_upper = P(T &lt; t_upper); TOST p = the larger, 0.0024.
     */
    @Test
    void smallDifferencesInsideTheMarginAreEquivalentByHand() {
        double se = Math.sqrt(2.5e-6 / 5);
        TDistribution t4 = TDistribution.of(4);
        double tLower = 0.006 / se, tUpper = -0.004 / se;
        double pLower = 1 - t4.cumulativeProbability(tLower), pUpper = t4.cumulativeProbability(tUpper);

        Equivalence e = Equivalence.test(PairedComparison.ofDifferences(0.002, -0.001, 0.003, 0.000, 0.001), 0.005);
        assertEquals(tLower, e.tLower(), TOL * tLower);
        assertEquals(tUpper, e.tUpper(), TOL * -tUpper);
        assertEquals(pLower, e.pLower(), TOL);
        assertEquals(pUpper, e.pUpper(), TOL);
        assertEquals(Math.max(pLower, pUpper), e.p(), TOL);
        assertEquals(pUpper, e.p(), TOL, "the upper test is the binding one: the mean sits above 0");
        assertTrue(e.p() < 0.05 && e.p() > 0.001, "p " + e.p());
        assertTrue(e.equivalent());
        // 90% interval: mean ± t_{0.95, 4}·se, inside (−0.005, 0.005).
        double half = t4.inverseCumulativeProbability(0.95) * se;
        assertEquals(0.001 - half, e.ci90Low(), TOL);
        assertEquals(0.001 + half, e.ci90High(), TOL);
    }

    /**
     * A mean difference of 0.0036 with more spread: deviations 0.0024, −0.0026, 0.0054, −0.0056,
     * 0.0004 give Σ = 73.2e-6, sd² = 18.3e-6, se = √(18.3e-6/5). t_lower = 0.0086/se = 4.50 passes
     * (p 0.005), t_upper = −0.0014/se = −0.73 does not (p 0.25): not equivalent.
     */
    @Test
    void aMeanNearTheMarginWithSpreadIsNotEquivalentByHand() {
        double se = Math.sqrt(18.3e-6 / 5);
        TDistribution t4 = TDistribution.of(4);
        double pLower = 1 - t4.cumulativeProbability(0.0086 / se), pUpper = t4.cumulativeProbability(-0.0014 / se);

        Equivalence e = Equivalence.test(PairedComparison.ofDifferences(0.006, 0.001, 0.009, -0.002, 0.004), 0.005);
        assertEquals(pLower, e.pLower(), TOL);
        assertEquals(pUpper, e.pUpper(), 1e-10, "t_upper is small, so its few-ulp error moves p by ~f(t)·ulp");
        assertTrue(pLower < 0.05 && pUpper > 0.2, pLower + " " + pUpper);
        assertEquals(pUpper, e.p(), 1e-10);
        assertFalse(e.equivalent());
        assertTrue(e.ci90High() > 0.005, "the 90% interval crosses the margin: " + e.ci90High());
    }

    @Test
    void deterministicDifferencesAreDecidedByTheirMean() {
        Equivalence inside = Equivalence.test(PairedComparison.ofDifferences(0.003, 0.003, 0.003), 0.005);
        assertTrue(inside.equivalent());
        assertEquals(0.0, inside.p());
        Equivalence outside = Equivalence.test(PairedComparison.ofDifferences(0.007, 0.007), 0.005);
        assertFalse(outside.equivalent());
        assertEquals(1.0, outside.p());
        Equivalence atMargin = Equivalence.test(PairedComparison.ofDifferences(-0.005, -0.005), 0.005);
        assertFalse(atMargin.equivalent(), "the margin itself is not inside it");
        Equivalence one = Equivalence.test(PairedComparison.ofDifferences(0.0), 0.005);
        assertFalse(one.equivalent());
        assertTrue(Double.isNaN(one.p()));
    }

    @Test
    void aMarginMustBePositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Equivalence.test(PairedComparison.ofDifferences(1, 2), 0));
        assertEquals("equivalence margin is 0.0; expected a finite number above 0", e.getMessage());
    }

    /** TOST at 5% agrees with the 90% interval lying strictly inside (−margin, margin). */
    @Test
    void equivalentExactlyWhenTheNinetyPercentIntervalIsInsideTheMargin() {
        int[] equivalent = {0}, checked = {0};
        qt().withFixedSeed(4242L).withExamples(400)
                .forAll(lists().of(doubles().between(-0.01, 0.01)).ofSizeBetween(2, 10), doubles().between(0.001, 0.02))
                .checkAssert((d, margin) -> {
                    Equivalence e = Equivalence.test(PairedComparison.ofDifferences(d.stream().mapToDouble(Double::doubleValue).toArray()), margin);
                    if (Math.abs(e.p() - 0.05) < 1e-9) return; // decided by rounding
                    checked[0]++;
                    boolean inside = e.ci90Low() > -margin && e.ci90High() < margin;
                    assertEquals(inside, e.equivalent(), "p " + e.p() + ", 90% interval [" + e.ci90Low() + ", " + e.ci90High() + "], margin " + margin);
                    if (e.equivalent()) equivalent[0]++;
                });
        assertTrue(equivalent[0] > 20 && equivalent[0] < checked[0] - 20, "both outcomes reached: " + equivalent[0] + " of " + checked[0]);
    }
}
