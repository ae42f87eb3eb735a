package saelab.train.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class SyntheticSourceProperties {

    static SyntheticConfig noiseless(long seed, boolean exclusive) {
        return new SyntheticConfig(200, 24, 5, 0.8, 1.0, 0.3, 6, 3, 3, 0.7, exclusive, 4, 3, 0.5, 0.0, seed);
    }

    @Property(tries = 20, seed = "5101")
    void childrenFireOnlyWithTheirParentAndExclusivelySo(@ForAll long seed, @ForAll boolean exclusive) {
        SyntheticSource src = new SyntheticSource(noiseless(seed, exclusive));
        SyntheticSource.Batch b = src.nextBatch(200);
        for (int r = 0; r < b.rows(); r++) {
            java.util.Set<Integer> on = new java.util.HashSet<>();
            for (int t = b.rowStart()[r]; t < b.rowStart()[r + 1]; t++) assertTrue(on.add(b.feature()[t]), "a feature fires once per sample");
            for (int f : on) {
                int p = src.parentOf(f);
                if (p >= 0) assertTrue(on.contains(p), "child " + f + " fired without parent " + p + " in row " + r);
                if (exclusive) {
                    long kidsOn = java.util.Arrays.stream(src.childrenOf(f)).filter(on::contains).count();
                    assertTrue(kidsOn <= 1, "exclusive children: " + kidsOn + " children of " + f + " fired together");
                }
            }
        }
    }

    @Property(tries = 20, seed = "5102")
    void withoutNoiseEachSampleIsTheSumOfItsFiringDirections(@ForAll long seed) {
        SyntheticSource src = new SyntheticSource(noiseless(seed, true));
        float[] dirs = src.directions();
        int d = src.dim();
        SyntheticSource.Batch b = src.nextBatch(50);
        for (int r = 0; r < b.rows(); r++) {
            double[] expect = new double[d];
            double absSum = 0;
            for (int t = b.rowStart()[r]; t < b.rowStart()[r + 1]; t++) {
                assertTrue(b.magnitude()[t] >= 0, "magnitudes are non-negative");
                for (int e = 0; e < d; e++) { expect[e] += b.magnitude()[t] * dirs[b.feature()[t] * d + e]; absSum += Math.abs(b.magnitude()[t] * dirs[b.feature()[t] * d + e]); }
            }
            // a float sum of (active) terms: within active·ε·Σ|terms| (+ one rounding per product).
            double tol = (b.activeIn(r) + 2) * 0x1p-24 * absSum + 1e-7;
            for (int e = 0; e < d; e++) assertEquals(expect[e], b.x()[r * d + e], tol, "row " + r + " dim " + e);
        }
        for (int i = 0; i < 200; i++) {
            double norm = 0;
            for (int e = 0; e < d; e++) norm += dirs[i * d + e] * dirs[i * d + e];
            assertEquals(1.0, norm, 1e-5, "direction " + i + " has unit norm");
        }
    }

    @Property(tries = 5, seed = "5103")
    void theSameSeedGivesTheSameStream(@ForAll long seed, @ForAll @IntRange(min = 1, max = 30) int rows) {
        var a = new SyntheticSource(SyntheticConfig.small(seed)).nextBatch(rows);
        var b = new SyntheticSource(SyntheticConfig.small(seed)).nextBatch(rows);
        assertArrayEquals(a.x(), b.x());
        assertArrayEquals(a.feature(), b.feature());
    }

    @Example
    void meanActiveMatchesTheTargetWhenNoRateSaturates() {
        // Rates are scaled so the expected count, hierarchy and groups included, is meanActive.
        SyntheticConfig cfg = new SyntheticConfig(2000, 32, 8, 0.5, 1.0, 0.3, 20, 3, 3, 0.6, true, 10, 3, 0.5, 0.0, 11);
        SyntheticSource src = new SyntheticSource(cfg);
        for (int i = 0; i < cfg.features(); i++) assertTrue(src.rateOf(i) < 1, "no rate saturates in this config");
        var b = src.nextBatch(4000);
        double mean = (double) b.feature().length / b.rows();
        // Per-sample counts have variance ≤ about 2·mean here; the mean of 4000 has sd ≈ √(16/4000) ≈ 0.06.
        assertEquals(8.0, mean, 0.3, "mean active per sample");
    }

    @Example
    void presetsAreValid() {
        var small = new SyntheticSource(SyntheticConfig.small(1));
        assertEquals(64, small.dim());
        SyntheticConfig big = SyntheticConfig.synthSaeBench(1);
        assertEquals(16384, big.features());
        assertEquals(768, big.dim());
        assertEquals(128 * (1 + 4 + 16), SyntheticConfig.hierarchyFeatures(big.hierarchyRoots(), big.branching(), big.depth()));
    }

    @Property(tries = 10, seed = "5199")
    void batchAtDependsOnlyOnSeedAndIndex(@ForAll @IntRange(min = 0, max = 1000) int seed, @ForAll @IntRange(min = -2, max = 1000) int index) {
        SyntheticSource a = new SyntheticSource(noiseless(seed, true));
        SyntheticSource b = new SyntheticSource(noiseless(seed, true));
        b.nextBatch(17); // drawing from the sequential stream must not move the indexed one
        b.batchAt(index + 1, 5);
        assertArrayEquals(a.batchAt(index, 20).x(), b.batchAt(index, 20).x());
        assertTrue(!java.util.Arrays.equals(a.batchAt(index, 20).x(), a.batchAt(index + 1, 20).x()), "different indices give different batches");
    }
}
