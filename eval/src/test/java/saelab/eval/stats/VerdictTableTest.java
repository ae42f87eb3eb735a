package saelab.eval.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VerdictTableTest {

    static final Comparison AB = new Comparison("adaptive", "static");
    static final Metric MCC = Metric.of("mcc", true);
    static final Metric ABSORPTION = Metric.of("absorption", false);
    static final Metric EV = Metric.withMargin("ev", true, 0.005);

    /** Differences of about +0.05 ± 0.01 on five seeds: p ≈ 1e-4, significant even after a family of 6. */
    static final double[] HIGHER = {0.80, 0.82, 0.79, 0.81, 0.83}, LOWER = {0.75, 0.76, 0.75, 0.77, 0.77};

    @Test
    void aSignificantDifferenceIsBetterOrWorseByTheMetricsSense() {
        VerdictRow up = VerdictRow.decide(AB, MCC, HIGHER, LOWER, 0.001, 6);
        assertEquals(Verdict.BETTER, up.verdict());
        assertEquals(0.05, up.meanDifference(), 1e-12);
        assertEquals(VerdictRow.NOT_APPLICABLE, up.seedsNeeded());
        assertEquals(Verdict.WORSE, VerdictRow.decide(AB, ABSORPTION, HIGHER, LOWER, 0.001, 6).verdict(), "more absorption is worse");
        assertEquals(Verdict.WORSE, VerdictRow.decide(AB, MCC, LOWER, HIGHER, 0.001, 6).verdict());
        assertEquals(Verdict.BETTER, VerdictRow.decide(AB, ABSORPTION, LOWER, HIGHER, 0.001, 6).verdict());
        // The same +0.02 on every seed: a deterministic difference, p = 0, and a verdict.
        PairedComparison shift = PairedComparison.ofDifferences(0.02, 0.02, 0.02);
        VerdictRow deterministic = VerdictRow.decide(AB, MCC, shift, Holm.adjust(shift.p(), 0.5)[0], 2);
        assertEquals(Verdict.BETTER, deterministic.verdict());
        assertEquals(0.0, deterministic.detectableEffect(), "no spread: any non-zero difference is detected");
        // Differences 0.05, 0.06, 0.04, 0.04, 0.06: sd 0.01, se 0.01/√5; t_{0.975, 4} = 2.776445 gives ±0.012417.
        assertEquals("adaptive vs static, mcc: better (Δ +0.05000, 95% CI [+0.03758, +0.06242], Holm p 0.00100, 5 seeds)", up.sentence());
    }

    @Test
    void withinTheMarginAndNotSignificantIsEquivalentWhileASignificantDifferenceStaysOne() {
        double[] a = {0.9001, 0.9102, 0.8899, 0.9050, 0.8952}, b = {0.9000, 0.9100, 0.8900, 0.9049, 0.8950};
        VerdictRow equal = VerdictRow.decide(AB, EV, a, b, 0.6, 6);
        assertEquals(Verdict.EQUIVALENT, equal.verdict());
        assertEquals(Equivalence.test(PairedComparison.of(a, b), 0.005).p(), equal.tostP(), 0);
        assertTrue(equal.tostP() < 0.05);
        VerdictRow noMargin = VerdictRow.decide(AB, MCC, a, b, 0.6, 6);
        assertEquals(Verdict.INCONCLUSIVE, noMargin.verdict(), "without a margin equality cannot be shown");
        assertTrue(Double.isNaN(noMargin.tostP()));
        // +0.001 on every seed, give or take 1e-4: inside the margin, yet resolved as a difference.
        double[] c = {0.9011, 0.9111, 0.8910, 0.9060, 0.8961};
        VerdictRow small = VerdictRow.decide(AB, EV, c, b, 0.0001, 6);
        assertEquals(Verdict.BETTER, small.verdict());
        assertTrue(small.tostP() < 0.05, "TOST says equivalent too, and the row keeps it: " + small.tostP());
    }

    /**
     * Inconclusive: the row carries the effect these seeds detect at 80% power at α/m and the seeds
     * the observed effect would need, both from Power with the row's own n and sd.
     */
    @Test
    void anInconclusiveRowSaysWhatWasDetectableAndHowManySeedsItWouldTake() {
        double[] a = {0.80, 0.84, 0.77, 0.83, 0.79}, b = {0.79, 0.82, 0.79, 0.80, 0.80};
        PairedComparison d = PairedComparison.of(a, b);
        VerdictRow row = VerdictRow.decide(AB, MCC, d, Math.min(1, 6 * d.p()), 6);
        assertEquals(Verdict.INCONCLUSIVE, row.verdict());
        assertEquals(Power.minimalDetectableEffect(5, d.sd(), 0.05 / 6), row.detectableEffect(), 0);
        assertTrue(row.detectableEffect() > Math.abs(row.meanDifference()), row.detectableEffect() + " vs " + row.meanDifference());
        assertEquals(Power.pairsNeeded(d.mean(), d.sd(), 0.05 / 6), row.seedsNeeded());
        assertTrue(row.seedsNeeded() > 5, "more seeds than were run: " + row.seedsNeeded());
        assertTrue(row.sentence().endsWith(String.format(java.util.Locale.ROOT,
                "would take %d seeds", row.seedsNeeded())), row.sentence());

        double[] same = {0.5, 0.6, 0.7};
        VerdictRow none = VerdictRow.decide(AB, MCC, same, same, 1.0, 6);
        assertEquals(Verdict.INCONCLUSIVE, none.verdict());
        assertEquals(VerdictRow.NOT_APPLICABLE, none.seedsNeeded());
        assertTrue(none.sentence().endsWith("no effect observed"), none.sentence());
        assertEquals(Verdict.EQUIVALENT, VerdictRow.decide(AB, EV, same, same, 1.0, 6).verdict(), "identical on every seed is within any margin");

        VerdictRow one = VerdictRow.decide(AB, MCC, new double[] {0.9}, new double[] {0.8}, Double.NaN, 6);
        assertEquals(Verdict.INCONCLUSIVE, one.verdict());
        assertTrue(Double.isNaN(one.detectableEffect()));
        assertEquals("adaptive vs static, mcc: inconclusive (1 seed paired; a paired test needs at least 2)", one.sentence());
    }

    /** Holm runs over every difference test of the table; TOST p-values sit beside it, unadjusted. */
    @Test
    void theTableAdjustsOverAllComparisonsAndMetricsAndPairsOnlySharedSeeds() {
        Map<String, Map<Long, Map<String, Double>>> values = new LinkedHashMap<>();
        double[][] byVariant = {
            {0.80, 0.82, 0.79, 0.81, 0.83}, // adaptive
            {0.75, 0.76, 0.75, 0.77, 0.77}, // static
            {0.74, 0.78, 0.72, 0.77, 0.79}, // topk
        };
        String[] ids = {"adaptive", "static", "topk"};
        for (int v = 0; v < 3; v++) {
            Map<Long, Map<String, Double>> seeds = new LinkedHashMap<>();
            for (int s = 0; s < 5; s++) {
                Map<String, Double> m = new LinkedHashMap<>();
                m.put("mcc", byVariant[v][s]);
                m.put("ev", 0.9 + 0.01 * s + 0.0003 * v * (s % 2));
                seeds.put(100L + s, m);
            }
            values.put(ids[v], seeds);
        }
        values.get("topk").remove(104L);                       // topk never ran seed 104
        values.get("static").get(101L).put("mcc", Double.NaN); // static's seed 101 did not measure mcc
        List<Comparison> comparisons = List.of(AB, new Comparison("adaptive", "topk"), new Comparison("static", "topk"));
        List<VerdictRow> rows = VerdictTable.of(comparisons, List.of(MCC, EV), values);

        assertEquals(6, rows.size());
        assertEquals(List.of("adaptive vs static mcc", "adaptive vs static ev", "adaptive vs topk mcc", "adaptive vs topk ev", "static vs topk mcc", "static vs topk ev"),
                rows.stream().map(r -> r.comparison().label() + " " + r.metric().name()).toList());
        assertArrayEquals(new int[] {4, 5, 4, 4, 3, 4}, rows.stream().mapToInt(VerdictRow::n).toArray());
        PairedComparison staticTopk = PairedComparison.of(new double[] {0.75, 0.75, 0.77}, new double[] {0.74, 0.72, 0.77});
        assertEquals(staticTopk.p(), rows.get(4).rawP(), 0, "static vs topk pairs seeds 100, 102, 103 only");
        double[] raw = rows.stream().mapToDouble(VerdictRow::rawP).toArray();
        assertArrayEquals(Holm.adjust(raw), rows.stream().mapToDouble(VerdictRow::holmP).toArray(), 0);
        assertTrue(rows.get(0).holmP() > rows.get(0).rawP(), "the family of 6 raised adaptive vs static's p");
        assertTrue(Double.isNaN(rows.get(0).tostP()) && !Double.isNaN(rows.get(1).tostP()));
        double[] evAdaptive = {0.9, 0.91, 0.92, 0.93, 0.94}, evStatic = {0.9, 0.9103, 0.92, 0.9303, 0.94};
        assertEquals(Equivalence.test(PairedComparison.of(evAdaptive, evStatic), 0.005).p(), rows.get(1).tostP(), 1e-15, "unadjusted");
        assertEquals(Verdict.BETTER, rows.get(0).verdict());
        assertEquals(Verdict.EQUIVALENT, rows.get(1).verdict());
    }

    @Test
    void aComparisonOfAVariantWithoutValuesIsOneClearLine() {
        Map<String, Map<Long, Map<String, Double>>> values = Map.of("adaptive", Map.of(1L, Map.of("mcc", 0.8)), "static", Map.of(1L, Map.of("mcc", 0.7)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VerdictTable.of(List.of(new Comparison("adaptive", "statc")), List.of(MCC), values));
        assertTrue(e.getMessage().startsWith("verdict table: comparison adaptive vs statc names variant 'statc', which has no values; variants with values: "), e.getMessage());
        assertEquals("comparison: 'topk' vs 'topk'; expected two different variant ids",
                assertThrows(IllegalArgumentException.class, () -> new Comparison("topk", "topk")).getMessage());
        assertEquals("metric ev: equivalence margin -0.005; expected a finite number above 0, or none",
                assertThrows(IllegalArgumentException.class, () -> Metric.withMargin("ev", true, -0.005)).getMessage());
    }
}
