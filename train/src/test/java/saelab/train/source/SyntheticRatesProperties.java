package saelab.train.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The designed rates hold: marginals (copula members included), compensation, win probabilities, Zipf, copula correlation. */
class SyntheticRatesProperties {

    /** Dense roots with conditional exclusive children, Zipf bulk, a rank-6 top-level copula over the 40 most frequent. */
    static SyntheticConfig conditional(long seed) {
        return new SyntheticConfig(300, 16, new SyntheticConfig.Rates(0.6, 0.002, 0.3, 1),
                SyntheticConfig.Hierarchy.dense(8, 0.15, 0.35, 2, true, List.of(0.9, 0.6)), new SyntheticConfig.Correlation(6, 0.35, 40, false),
                SyntheticConfig.Magnitudes.constant(1, 0.2), SyntheticConfig.Background.NONE, seed);
    }

    /** SynthSAEBench's construction at a small size: Zipf trees, compensated exclusive children, no copula. */
    static SyntheticConfig compensated(long seed) {
        return new SyntheticConfig(400, 16, new SyntheticConfig.Rates(0.5, 0.005, 0.4, 1),
                SyntheticConfig.Hierarchy.zipf(6, 3, 2, true, true), SyntheticConfig.Correlation.NONE,
                new SyntheticConfig.Magnitudes(5, 4, 0.5, 0.5), SyntheticConfig.Background.NONE, seed);
    }

    /**
     * Every feature's firing fraction over R rows is within 5 binomial sds of its designed rate
     * (√(r(1 − r)/R); over a few hundred features × examples, a 5-sd miss has chance ~1e-4).
     * Checks how many features were compared, so the law cannot pass vacuously.
     */
    private static void marginalsMatch(SyntheticSource src, int rows) {
        SyntheticSource.Batch b = src.withStream(9).batchAt(0, rows);
        long[] count = new long[src.features()];
        for (int f : b.feature()) count[f]++;
        int compared = 0, members = 0;
        for (int i = 0; i < src.features(); i++) {
            double r = src.rateOf(i), measured = (double) count[i] / rows, sd = Math.sqrt(r * (1 - r) / rows);
            assertEquals(r, measured, 5 * sd + 1e-12, "feature " + i + " (level " + src.levelOf(i) + (src.inCopula(i) ? ", copula" : "") + ")");
            if (r > 0.01) compared++;
            if (src.inCopula(i)) members++;
        }
        assertTrue(compared >= 20, "compared " + compared + " features with rate > 0.01");
        assertEquals(src.config().correlation().active() ? Math.min(src.config().correlation().members(), src.features()) : 0, members);
    }

    @Test
    void marginalRatesMatchTheDesignCopulaMembersIncluded() {
        qt().withFixedSeed(5201L).withExamples(4).forAll(longs().all()).checkAssert(seed -> marginalsMatch(new SyntheticSource(conditional(seed)), 20_000));
    }

    @Test
    void compensatedChildrenFireAtTheirDesignedRates() {
        qt().withFixedSeed(5202L).withExamples(4).forAll(longs().all()).checkAssert(seed -> {
            SyntheticSource src = new SyntheticSource(compensated(seed));
            marginalsMatch(src, 20_000);
            // Where the Zipf rate is reachable, compensation hits it: the first-level children of
            // the largest root (rate 0.4) have Zipf rates well below 0.4 / 3.
            double[] zipf = FeatureRates.zipfByRank(src.config().rates(), src.features());
            for (int c : src.childrenOf(0)) assertEquals(zipf[c], src.rateOf(c), 1e-6, "child " + c + " of the most frequent root");
        });
    }

    @Test
    void winProbabilitiesMatchEnumeration() {
        qt().withFixedSeed(5203L).withExamples(200).forAll(integers().between(1, 7), longs().all()).checkAssert((b, seed) -> {
            var rng = new java.util.SplittableRandom(seed);
            double[] pi = new double[b];
            for (int c = 0; c < b; c++) pi[c] = rng.nextDouble();
            double[] win = FeatureRates.winProbabilities(pi);
            for (int c = 0; c < b; c++) {
                // float64 reference: Σ over subsets of the others of P(subset) / (1 + |subset|).
                double e = 0;
                for (int mask = 0; mask < 1 << b; mask++) {
                    if ((mask >> c & 1) == 0) continue;
                    double p = 1;
                    for (int o = 0; o < b; o++) if (o != c) p *= (mask >> o & 1) == 1 ? pi[o] : 1 - pi[o];
                    e += p / Integer.bitCount(mask);
                }
                // both sum ≤ 2^7 products of ≤ 7 factors: a few hundred ulps at most
                assertEquals(e, win[c], 1e-13, "sibling " + c + " of " + b);
            }
        });
    }

    @Test
    void zipfRatesSpanMinToMaxTimesScale() {
        qt().withFixedSeed(5204L).withExamples(100).forAll(doubles().between(0.1, 2), integers().between(2, 5000), doubles().between(0.1, 1))
                .checkAssert((s, count, scale) -> {
                    double[] r = FeatureRates.zipfByRank(new SyntheticConfig.Rates(s, 1e-3, 0.5, scale), count);
                    assertEquals(0.5 * scale, r[0], 1e-15);
                    assertEquals(1e-3 * scale, r[count - 1], 1e-15);
                    for (int k = 1; k < count; k++) assertTrue(r[k] <= r[k - 1], "rates fall with rank");
                });
    }

    /**
     * The copula's positive pairs fire together as much as the bivariate normal says. The
     * achieved φ is measured on 10 independent batches; their mean must lie within the t
     * critical value (9 degrees of freedom, two-sided 0.001) times its standard error of the
     * intended φ, and the intended φ must stand well clear of zero at that precision, so the
     * check has something to find. Without a copula there is nothing to compare.
     */
    @Test
    void theCopulaProducesItsIntendedPositiveCorrelation() {
        double critical = org.apache.commons.statistics.distribution.TDistribution.of(9).inverseSurvivalProbability(0.0005);
        qt().withFixedSeed(5205L).withExamples(3).forAll(longs().all()).checkAssert(seed -> {
            SyntheticSource src = new SyntheticSource(conditional(seed));
            double[] achieved = new double[10];
            double intended = 0;
            int pairs = 0;
            for (int q = 0; q < achieved.length; q++) {
                SourceStatistics st = SourceStatistics.measure(src, src.withStream(2).batchAt(q, 10_000));
                achieved[q] = st.achievedCorrelation();
                intended = st.intendedCorrelation();
                pairs = st.copulaPairs();
            }
            double mean = java.util.Arrays.stream(achieved).average().orElseThrow();
            double se = Math.sqrt(java.util.Arrays.stream(achieved).map(v -> (v - mean) * (v - mean)).sum() / (achieved.length - 1) / achieved.length);
            assertTrue(pairs >= 100, "pairs compared: " + pairs);
            assertTrue(intended > 5 * critical * se, "intended φ " + intended + " against a standard error of " + se);
            assertEquals(intended, mean, critical * se, "achieved φ, mean of 10 batches");
            SyntheticSource independent = new SyntheticSource(new SyntheticConfig(300, 16, src.config().rates(), src.config().hierarchy(),
                    SyntheticConfig.Correlation.NONE, src.config().magnitudes(), SyntheticConfig.Background.NONE, seed));
            assertEquals(0, SourceStatistics.measure(independent, independent.batchAt(0, 1000)).copulaPairs(), "no copula, no pairs");
        });
    }

    @Test
    void bivariateNormalMatchesClosedForms() {
        var std = org.apache.commons.statistics.distribution.NormalDistribution.of(0, 1);
        // ρ = 0: the product of the marginals; P(Z1 < 0, Z2 < 0) = 1/4 + asin(ρ)/(2π) (Sheppard).
        // Simpson with 256 panels of width ≤ 0.07 on a smooth integrand: error of order 1e-9,
        // a million times below the sampling error it is ever compared with.
        assertEquals(std.cumulativeProbability(-1) * std.cumulativeProbability(0.5), SourceStatistics.bivariateNormalBelow(-1, 0.5, 0, std), 1e-8);
        for (double rho : new double[] {-0.6, 0.2, 0.7}) {
            assertEquals(0.25 + Math.asin(rho) / (2 * Math.PI), SourceStatistics.bivariateNormalBelow(0, 0, rho, std), 1e-8, "ρ " + rho);
        }
    }
}
