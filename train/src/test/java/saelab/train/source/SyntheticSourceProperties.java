package saelab.train.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The synthetic source's laws: hierarchy, reconstruction of x from its truth, determinism, streams. */
class SyntheticSourceProperties {

    /** Dense roots with two levels of children, Zipf bulk, a copula, no noise or bias: x is exactly its truth. */
    static SyntheticConfig noiseless(long seed, boolean exclusive) {
        return new SyntheticConfig(200, 24, new SyntheticConfig.Rates(0.8, 0.01, 0.3, 1),
                SyntheticConfig.Hierarchy.dense(6, 0.2, 0.5, 3, exclusive, List.of(0.7, 0.7)), new SyntheticConfig.Correlation(3, 0.3, 20, true),
                new SyntheticConfig.Magnitudes(1.5, 0.5, 0.3, 0.1), SyntheticConfig.Background.NONE, seed);
    }

    /** SynthSAEBench's kind of trees at a small size: Zipf-rated, compensated, scaled by the parent, copula over every feature. */
    static SyntheticConfig compensated(long seed, boolean exclusive) {
        return new SyntheticConfig(300, 24, new SyntheticConfig.Rates(0.5, 0.005, 0.4, 1),
                SyntheticConfig.Hierarchy.zipf(8, 3, 2, exclusive, true), new SyntheticConfig.Correlation(4, 0.1, 300, true),
                new SyntheticConfig.Magnitudes(5, 4, 0.5, 0.5), SyntheticConfig.Background.NONE, seed);
    }

    @Test
    void childrenFireOnlyWithTheirParentAndExclusivelySo() {
        qt().withFixedSeed(5101L).withExamples(20).forAll(longs().all(), booleans().all(), booleans().all()).checkAssert((seed, exclusive, zipf) -> {
            SyntheticSource src = new SyntheticSource(zipf ? compensated(seed, exclusive) : noiseless(seed, exclusive));
            SyntheticSource.Batch b = src.batchAt(0, 300);
            long childFirings = 0;
            for (int r = 0; r < b.rows(); r++) {
                Set<Integer> on = new HashSet<>();
                for (int t = b.rowStart()[r]; t < b.rowStart()[r + 1]; t++) assertTrue(on.add(b.feature()[t]), "a feature fires once per sample");
                for (int f : on) {
                    int p = src.parentOf(f);
                    if (p >= 0) {
                        childFirings++;
                        assertTrue(on.contains(p), "child " + f + " fired without parent " + p + " in row " + r);
                    }
                    if (exclusive) {
                        long kidsOn = Arrays.stream(src.childrenOf(f)).filter(on::contains).count();
                        assertTrue(kidsOn <= 1, "exclusive children: " + kidsOn + " children of " + f + " fired together");
                    }
                }
            }
            // 6 roots at ≥ 0.2 × 0.7 given the parent, or 8 roots at ≥ 0.2 with compensated children,
            // × 300 rows: hundreds of child firings were checked.
            assertTrue(childFirings > 100, "the hierarchy was exercised: " + childFirings + " child firings");
        });
    }

    @Test
    void withoutNoiseEachSampleIsTheSumOfItsFiringDirections() {
        qt().withFixedSeed(5102L).withExamples(20).forAll(longs().all()).checkAssert(seed -> {
            SyntheticSource src = new SyntheticSource(noiseless(seed, true));
            float[] dirs = src.directions();
            int d = src.dim();
            SyntheticSource.Batch b = src.batchAt(3, 50);
            for (int r = 0; r < b.rows(); r++) {
                double[] expect = new double[d];
                double absSum = 0;
                for (int t = b.rowStart()[r]; t < b.rowStart()[r + 1]; t++) {
                    assertTrue(b.magnitude()[t] > 0, "a firing feature has a positive magnitude");
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
        });
    }

    /**
     * With scaleByParent a child's magnitude is its own draw × parent magnitude / parent mean, so
     * over the rows where both fire the two magnitudes correlate strongly; without, their draws
     * are independent. (Per-feature stds |N(0.5, 0.5)| against means 4–5: the parent factor
     * carries most of the child's spread.)
     */
    @Test
    void scalingByTheParentCouplesTheMagnitudes() {
        qt().withFixedSeed(5104L).withExamples(5).forAll(longs().all()).checkAssert(seed -> {
            SyntheticConfig c = compensated(seed, true);
            double scaled = magnitudeCorrelation(new SyntheticSource(c));
            SyntheticConfig.Hierarchy h = c.hierarchy();
            double plain = magnitudeCorrelation(new SyntheticSource(new SyntheticConfig(c.features(), c.dim(), c.rates(),
                    new SyntheticConfig.Hierarchy(h.roots(), h.branching(), h.depth(), h.exclusive(), h.denseMin(), h.denseMax(), h.given(), false),
                    c.correlation(), c.magnitudes(), c.background(), seed)));
            assertTrue(scaled > 0.3, "scaled children follow their parent: correlation " + scaled);
            assertTrue(Math.abs(plain) < 0.1, "unscaled children do not: correlation " + plain);
        });
    }

    /** Correlation of (parent magnitude / parent mean, child magnitude / child mean) over co-firing pairs of 4000 rows. */
    private static double magnitudeCorrelation(SyntheticSource src) {
        SyntheticSource.Batch b = src.batchAt(0, 4000);
        double[] value = new double[src.features()];
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        long n = 0;
        for (int r = 0; r < b.rows(); r++) {
            for (int t = b.rowStart()[r]; t < b.rowStart()[r + 1]; t++) value[b.feature()[t]] = b.magnitude()[t];
            for (int t = b.rowStart()[r]; t < b.rowStart()[r + 1]; t++) {
                int c = b.feature()[t], p = src.parentOf(c);
                if (p < 0) continue;
                double x = value[p] / src.magnitudeMeanOf(p), y = value[c] / src.magnitudeMeanOf(c);
                sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y; n++;
            }
            for (int t = b.rowStart()[r]; t < b.rowStart()[r + 1]; t++) value[b.feature()[t]] = 0;
        }
        assertTrue(n > 500, "co-firing parent/child pairs: " + n);
        double cov = sxy / n - sx / n * sy / n;
        return cov / Math.sqrt((sxx / n - sx / n * sx / n) * (syy / n - sy / n * sy / n));
    }

    @Test
    void theSameSeedGivesTheSameSequentialStream() {
        qt().withFixedSeed(5103L).withExamples(5).forAll(longs().all(), integers().between(1, 30)).checkAssert((seed, rows) -> {
            var a = new SyntheticSource(SyntheticConfig.small(seed)).nextBatch(rows);
            var b = new SyntheticSource(SyntheticConfig.small(seed)).nextBatch(rows);
            assertArrayEquals(a.x(), b.x());
            assertArrayEquals(a.feature(), b.feature());
        });
    }

    @Test
    void batchAtDependsOnlyOnSeedStreamAndIndex() {
        qt().withFixedSeed(5199L).withExamples(10).forAll(integers().between(0, 1000), integers().between(-2, 1000), longs().between(0, 50))
                .checkAssert((seed, index, stream) -> {
                    SyntheticSource a = new SyntheticSource(noiseless(seed, true)).withStream(stream);
                    SyntheticSource b = new SyntheticSource(noiseless(seed, true)).withStream(stream);
                    b.nextBatch(17); // drawing from the sequential stream must not move the indexed one
                    b.batchAt(index + 1, 5);
                    assertArrayEquals(a.batchAt(index, 20).x(), b.batchAt(index, 20).x());
                    assertFalse(Arrays.equals(a.batchAt(index, 20).x(), a.batchAt(index + 1, 20).x()), "different indices give different batches");
                    assertFalse(Arrays.equals(a.batchAt(index, 20).x(), a.withStream(stream + 1).batchAt(index, 20).x()), "different streams give different batches");
                });
    }

    @Test
    void withStreamSharesTheTrueFeatures() {
        SyntheticSource a = new SyntheticSource(SyntheticConfig.bench(7));
        SyntheticSource b = a.withStream(3);
        assertEquals(3, b.stream());
        assertTrue(a.sharedDirections() == b.sharedDirections(), "the directions array is shared, not copied");
        for (int i = 0; i < a.features(); i++) {
            assertEquals(a.rateOf(i), b.rateOf(i));
            assertEquals(a.parentOf(i), b.parentOf(i));
        }
        assertArrayEquals(a.batchAt(5, 64).x(), b.withStream(0).batchAt(5, 64).x(), "stream 0 again gives stream 0's batches");
    }

    @Test
    void meanActiveMatchesTheDesign() {
        // 4000 rows of small: per-row counts have variance ≲ 2·mean (≈ 10), so the mean's sd is
        // ≈ √(10/4000) = 0.05; allow 5 sd.
        SyntheticSource src = new SyntheticSource(SyntheticConfig.small(11));
        var b = src.batchAt(0, 4000);
        double mean = (double) b.feature().length / b.rows();
        assertEquals(src.expectedActive(), mean, 0.25, "mean active per sample");
        assertEquals(src.expectedActive(), SyntheticConfig.small(11).meanActive(), 1e-12);
    }

    @Test
    void presetsHaveTheirShapes() {
        var small = new SyntheticSource(SyntheticConfig.small(1));
        assertEquals(64, small.dim());
        assertEquals(512, small.features());
        SyntheticConfig big = SyntheticConfig.synthSaeBench(1);
        assertEquals(16384, big.features());
        assertEquals(768, big.dim());
        // SAELens's max_depth 3 counts levels below the root: 1 + 4 + 16 + 64 features per tree.
        assertEquals(128 * (1 + 4 + 16 + 64), big.hierarchy().features());
        assertEquals(List.of("small", "bench", "synthsaebench"), SyntheticPresets.PRESETS.stream().map(SyntheticPresets.Preset::name).toList());
    }
}
