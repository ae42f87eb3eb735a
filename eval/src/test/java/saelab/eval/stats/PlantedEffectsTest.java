package saelab.eval.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.commons.statistics.distribution.BinomialDistribution;
import org.junit.jupiter.api.Test;
import saelab.eval.report.SeedSpread;

/**
 * Simulated experiments: per-seed metric values = a seed effect shared by every variant (the
 * initialisation and data a seed fixes) + the variant's planted shift + the run's own noise. The
 * shared part is what pairing removes.
 */
class PlantedEffectsTest {

    static final Metric MCC = Metric.of("mcc", true);
    static final Metric ABSORPTION = Metric.of("absorption", false);
    static final Metric EV = Metric.withMargin("ev", true, 0.005);

    /** One variant's shift per metric; the seed effect has sd {@code seedSd[m]} and the run noise {@code runSd[m]}. */
    record Metrics(List<Metric> metrics, double[] seedSd, double[] runSd) {}

    static Map<String, Map<Long, Map<String, Double>>> simulate(SplittableRandom rng, Metrics ms, Map<String, double[]> shifts, int seeds) {
        Map<String, Map<Long, Map<String, Double>>> values = new LinkedHashMap<>();
        shifts.keySet().forEach(v -> values.put(v, new LinkedHashMap<>()));
        for (long s = 0; s < seeds; s++) {
            for (int m = 0; m < ms.metrics().size(); m++) {
                double seedEffect = ms.seedSd()[m] * rng.nextGaussian();
                for (var e : shifts.entrySet()) {
                    double x = seedEffect + e.getValue()[m] + ms.runSd()[m] * rng.nextGaussian();
                    values.get(e.getKey()).computeIfAbsent(s, k -> new LinkedHashMap<>()).put(ms.metrics().get(m).name(), x);
                }
            }
        }
        return values;
    }

    static double[] column(Map<Long, Map<String, Double>> bySeed, String metric) {
        return bySeed.values().stream().mapToDouble(m -> m.get(metric)).toArray();
    }

    /**
     * Adaptive is better by construction on MCC (+0.8) and absorption (−0.8), with the same
     * reconstruction; the seed effect (sd 1) dwarfs the shift while the run noise (sd 0.1, so the
     * differences have sd 0.14 and the shift is 5.7 of them) does not. Over 1000 simulated
     * 5-seed experiments the paired table calls adaptive BETTER on both nearly always and EV
     * EQUIVALENT; the old rule (unpaired 95% intervals must not overlap) almost never sees it.
     */
    @Test
    void aVariantBetterByConstructionIsCalledBetterWhereTheUnpairedRuleSeesNothing() {
        Metrics ms = new Metrics(List.of(MCC, ABSORPTION, EV), new double[] {1, 1, 0.01}, new double[] {0.1, 0.1, 0.001});
        Map<String, double[]> shifts = new LinkedHashMap<>();
        shifts.put("topk", new double[] {0, 0, 0});
        shifts.put("static", new double[] {0, 0, 0});
        shifts.put("adaptive", new double[] {0.8, -0.8, 0});
        List<Comparison> comparisons = List.of(new Comparison("adaptive", "topk"), new Comparison("adaptive", "static"), new Comparison("static", "topk"));
        SplittableRandom rng = new SplittableRandom(424242L);
        int sets = 1000, pairedBetter = 0, unpairedBetter = 0, evEquivalent = 0, pairedNull = 0;
        for (int i = 0; i < sets; i++) {
            var values = simulate(rng, ms, shifts, 5);
            List<VerdictRow> rows = VerdictTable.of(comparisons, ms.metrics(), values);
            // rows: adaptive vs topk (mcc, absorption, ev), adaptive vs static (...), static vs topk (...)
            if (rows.get(3).verdict() == Verdict.BETTER && rows.get(4).verdict() == Verdict.BETTER) pairedBetter++;
            if (rows.get(5).verdict() == Verdict.EQUIVALENT) evEquivalent++;
            if (rows.get(6).verdict() == Verdict.BETTER || rows.get(6).verdict() == Verdict.WORSE) pairedNull++;
            SeedSpread a = SeedSpread.of(column(values.get("adaptive"), "mcc")), b = SeedSpread.of(column(values.get("static"), "mcc"));
            // The rule the verdict table replaced: better only when the unpaired 95% intervals do not overlap.
            if (a.low() > b.high()) unpairedBetter++;
        }
        assertTrue(pairedBetter >= 0.95 * sets, "paired: adaptive better on MCC and absorption in " + pairedBetter + " of " + sets);
        assertTrue(unpairedBetter <= 0.05 * sets, "unpaired interval rule: better in " + unpairedBetter + " of " + sets);
        assertTrue(evEquivalent >= 0.9 * sets, "equal reconstruction shown equivalent in " + evEquivalent + " of " + sets);
        assertTrue(pairedNull <= 0.05 * sets, "static vs topk (no planted effect) called different in " + pairedNull + " of " + sets);
    }

    /**
     * The same distribution under four names, 3 comparisons × 2 metrics per experiment (a family of
     * 6), 2000 simulated 5-seed experiments: the share of experiments in which any row says BETTER or
     * WORSE (the family-wise error) stays within 5% plus the binomial margin (the 99.9% quantile of
     * Binomial(2000, 0.05), i.e. 6.5%). Without Holm the same experiments would see a false
     * difference far more often, and each raw test rejects at its nominal 5%.
     */
    @Test
    void theSameVariantUnderFourNamesIsRarelyCalledDifferent() {
        Metrics ms = new Metrics(List.of(MCC, ABSORPTION), new double[] {1, 0.5}, new double[] {0.1, 0.05});
        Map<String, double[]> shifts = new LinkedHashMap<>();
        for (String v : List.of("topk", "static", "adaptive", "adaptive-copy")) shifts.put(v, new double[] {0, 0});
        List<Comparison> comparisons = List.of(new Comparison("static", "topk"), new Comparison("adaptive", "topk"), new Comparison("adaptive-copy", "adaptive"));
        SplittableRandom rng = new SplittableRandom(20260512L);
        int sets = 2000, familyErrors = 0, unadjustedFamilyErrors = 0, rawRejections = 0, tests = 0;
        List<Verdict> seen = new ArrayList<>();
        for (int i = 0; i < sets; i++) {
            List<VerdictRow> rows = VerdictTable.of(comparisons, ms.metrics(), simulate(rng, ms, shifts, 5));
            assertEquals(6, rows.size());
            boolean any = false, anyRaw = false;
            for (VerdictRow r : rows) {
                tests++;
                if (r.verdict() == Verdict.BETTER || r.verdict() == Verdict.WORSE) any = true;
                if (r.rawP() < 0.05) {
                    anyRaw = true;
                    rawRejections++;
                }
                if (!seen.contains(r.verdict())) seen.add(r.verdict());
            }
            if (any) familyErrors++;
            if (anyRaw) unadjustedFamilyErrors++;
        }
        int bound = BinomialDistribution.of(sets, 0.05).inverseSurvivalProbability(0.001);
        assertTrue(familyErrors <= bound, "false BETTER/WORSE in " + familyErrors + " of " + sets + " experiments (bound " + bound + ")");
        assertTrue(familyErrors > 0 && seen.contains(Verdict.INCONCLUSIVE), "the decisions were exercised: " + familyErrors + " " + seen);
        assertTrue(unadjustedFamilyErrors > 2 * bound, "without Holm: " + unadjustedFamilyErrors + " of " + sets);
        double rawRate = rawRejections / (double) tests;
        assertEquals(0.05, rawRate, 0.01, "each raw paired t-test rejects a true null at its nominal 5%");
    }
}
