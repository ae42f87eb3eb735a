package saelab.eval.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.SplittableRandom;
import org.apache.commons.statistics.distribution.TDistribution;
import org.junit.jupiter.api.Test;

class PowerTest {

    /**
     * Quadrature error: 64 panels of 5-point Gauss–Legendre on integrands smooth over ≥ 4 panels
     * err by far below 1e-12, and Commons Statistics' CDFs by ~1e-15 each; 1e-10 leaves room.
     */
    private static final double QUADRATURE = 1e-10;

    /**
     * Two-sided power P(|T'| &gt; t_{1−α/2, ν}) from SciPy 1.17.1,
     * {@code stats.nct.sf(c, df, nc) + stats.nct.cdf(-c, df, nc)} with {@code c = stats.t.isf(α/2, df)}
     * (Boost's noncentral t), as {df, λ, α, power}.
     */
    private static final double[][] SCIPY = {
        {1, 3, 0.05, 0.1861320616065874},
        {4, 3.1, 0.05, 0.6461552769020833},
        {9, 2, 0.01, 0.1774267996573908},
        {99, 2.8, 0.05, 0.7918283273997715},
        {1000, 3, 0.001, 0.38260568002106976},
        {2, 10, 0.008333, 0.5675099545112755},
    };

    @Test
    void noncentralTPowerMatchesSciPy() {
        for (double[] r : SCIPY) assertEquals(r[3], Power.twoSided(r[0], r[1], r[2]), QUADRATURE, "df " + r[0] + ", λ " + r[1] + ", α " + r[2]);
    }

    /**
     * R's documented examples of {@code power.t.test} (upper tail only): two samples of n = 20,
     * delta 1, sd 1 (df 38, λ = √10) give power = 0.8689528; for power 0.90 at delta 1 it solves
     * n = 22.02110 (df 2(n − 1), λ = √(n/2)). Tolerances: half a unit in the last printed digit, and
     * for the second the power change from rounding n to 5 decimals (dpower/dn ≈ 0.01, so 1e-7).
     */
    @Test
    void upperTailMatchesRsPowerTTestExamples() {
        double c38 = TDistribution.of(38).inverseSurvivalProbability(0.025);
        assertEquals(0.8689528, Power.upperTail(38, Math.sqrt(10), c38), 5e-8);
        double n = 22.02110, df = 2 * (n - 1);
        assertEquals(0.90, Power.upperTail(df, Math.sqrt(n / 2), TDistribution.of(df).inverseSurvivalProbability(0.025)), 1e-7);
    }

    /** With no effect the noncentral t is the central t: the two-sided test rejects with probability α. */
    @Test
    void powerWithoutAnEffectIsAlpha() {
        qt().withFixedSeed(5150L).withExamples(60)
                .forAll(integers().between(1, 400), doubles().between(0.001, 0.2))
                .checkAssert((df, alpha) -> assertEquals(alpha, Power.twoSided(df, 0, alpha), QUADRATURE, "df " + df));
    }

    /** Both forms of the integral are exact; where both resolve their integrand they agree. */
    @Test
    void theTwoIntegrationVariablesAgreeWhereBothResolve() {
        qt().withFixedSeed(6061L).withExamples(60)
                .forAll(integers().between(4, 200), doubles().between(-4, 6), doubles().between(1.5, 3))
                .checkAssert((df, ncp, c) -> assertEquals(Power.upperTailOverS(df, ncp, c), Power.upperTailOverZ(df, ncp, c), 1e-9,
                        "df " + df + ", λ " + ncp + ", c " + c));
    }

    /** Simulated paired t-tests at a few (n, effect in sd units), 20000 sets each, against the exact power. */
    @Test
    void exactPowerMatchesSimulatedPower() {
        double[][] points = {{3, 2.5}, {5, 1.2}, {10, 0.8}, {20, 0.5}};
        SplittableRandom rng = new SplittableRandom(20260512L);
        for (double[] pt : points) {
            int n = (int) pt[0];
            double exact = Power.of(n, pt[1], 1, 0.05);
            double simulated = simulatedPower(rng, n, pt[1], 0.05, 20_000);
            assertTrue(exact > 0.3 && exact < 0.9, "a point where power is neither 0 nor 1: " + exact);
            assertEquals(exact, simulated, 4 * binomialSd(exact, 20_000), "n " + n + ", effect " + pt[1]);
        }
    }

    /**
     * The approximation (t_{1−α/2} + t_{0.8})·sd/√n against simulation: at n = 10 an effect of that
     * size is detected 80% of the time (exact 0.799); at n = 3 only about 77% (exact 0.766), which
     * is why the exact value is the one used.
     */
    @Test
    void theApproximationIsAccurateFromTenPairsAndOptimisticAtThree() {
        SplittableRandom rng = new SplittableRandom(8086L);
        int sets = 20_000;
        double at10 = simulatedPower(rng, 10, Power.approximateMinimalDetectableEffect(10, 1, 0.05), 0.05, sets);
        assertEquals(0.8, at10, 0.002 + 4 * binomialSd(0.8, sets));
        double at3 = simulatedPower(rng, 3, Power.approximateMinimalDetectableEffect(3, 1, 0.05), 0.05, sets);
        assertTrue(at3 < 0.8 - 4 * binomialSd(0.8, sets), "the approximation understates the n = 3 effect: power " + at3);
        double exactAt3 = simulatedPower(rng, 3, Power.minimalDetectableEffect(3, 1, 0.05), 0.05, sets);
        assertEquals(0.8, exactAt3, 4 * binomialSd(0.8, sets));
    }

    /** The detectable effect has power 0.8 (and scales with sd); the pairs needed are the fewest that reach 0.8. */
    @Test
    void detectableEffectAndPairsNeededInvertThePower() {
        for (int n : new int[] {2, 3, 5, 12, 40}) {
            double mde = Power.minimalDetectableEffect(n, 0.3, 0.01);
            assertEquals(Power.TARGET, Power.of(n, mde, 0.3, 0.01), 1e-9, "n " + n);
            assertEquals(mde / 0.3, Power.minimalDetectableEffect(n, 1, 0.01), 1e-12 * mde);
        }
        qt().withFixedSeed(31337L).withExamples(40)
                .forAll(doubles().between(0.05, 4), doubles().between(0.001, 0.1))
                .checkAssert((dz, alpha) -> {
                    long n = Power.pairsNeeded(-dz * 0.02, 0.02, alpha);
                    assertTrue(n >= 2);
                    assertTrue(Power.of((int) n, dz, 1, alpha) >= Power.TARGET, "power at " + n + " pairs");
                    if (n > 2) assertTrue(Power.of((int) n - 1, dz, 1, alpha) < Power.TARGET, "power at " + (n - 1) + " pairs");
                });
    }

    @Test
    void degenerateSpreadsAndBadArgumentsAreAnsweredExplicitly() {
        assertEquals(0.0, Power.minimalDetectableEffect(4, 0, 0.05));
        assertTrue(Double.isNaN(Power.minimalDetectableEffect(4, Double.NaN, 0.05)));
        assertEquals(2, Power.pairsNeeded(0.1, 0, 0.05));
        assertEquals(1.0, Power.of(3, 0.1, 0, 0.05));
        assertEquals(0.0, Power.of(3, 0, 0, 0.05));
        // Beyond 10⁹ pairs: the normal count with Guenther's correction, ((1.96 + 0.8416)/1e-5)² + 1.92.
        assertEquals(7.85e10, Power.pairsNeeded(1e-5, 1, 0.05), 0.001 * 7.85e10);
        assertEquals(Long.MAX_VALUE, Power.pairsNeeded(1e-300, 1, 0.05));
        assertEquals("power: 1 pairs; expected at least 2 for a paired t-test",
                assertThrows(IllegalArgumentException.class, () -> Power.minimalDetectableEffect(1, 1, 0.05)).getMessage());
        assertEquals("pairs needed: the effect is 0.0; expected a finite non-zero mean difference",
                assertThrows(IllegalArgumentException.class, () -> Power.pairsNeeded(0, 1, 0.05)).getMessage());
        assertEquals("power: alpha is 0.7; expected a level in (0, 0.5)",
                assertThrows(IllegalArgumentException.class, () -> Power.of(5, 1, 1, 0.7)).getMessage());
    }

    static double simulatedPower(SplittableRandom rng, int n, double effect, double alpha, int sets) {
        int rejected = 0;
        double[] d = new double[n];
        for (int s = 0; s < sets; s++) {
            for (int i = 0; i < n; i++) d[i] = effect + rng.nextGaussian();
            if (PairedComparison.ofDifferences(d).p() < alpha) rejected++;
        }
        return rejected / (double) sets;
    }

    static double binomialSd(double p, int trials) { return Math.sqrt(p * (1 - p) / trials); }
}
