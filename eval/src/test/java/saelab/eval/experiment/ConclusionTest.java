package saelab.eval.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import saelab.eval.experiment.Conclusion.Verdict;
import saelab.eval.report.SeedSpread;

class ConclusionTest {

    static Map<String, SeedSpread> variant(double hungarian, double cofire, double absorption, double ev, double spread) {
        Map<String, SeedSpread> m = new LinkedHashMap<>();
        m.put(Snapshot.HUNGARIAN, SeedSpread.of(hungarian - spread, hungarian, hungarian + spread));
        m.put(Snapshot.COFIRE_COS, SeedSpread.of(cofire - spread, cofire, cofire + spread));
        m.put(Snapshot.ABSORPTION, SeedSpread.of(absorption - spread, absorption, absorption + spread));
        m.put(Snapshot.EV, SeedSpread.of(ev - spread, ev, ev + spread));
        return m;
    }

    @Test
    void separatedIntervalsGiveADirectionOverlappingOnesNoSignificantDifference() {
        SeedSpread hi = SeedSpread.of(0.90, 0.91, 0.92), lo = SeedSpread.of(0.70, 0.71, 0.72), near = SeedSpread.of(0.89, 0.905, 0.93);
        assertEquals(Verdict.BETTER, Conclusion.compare(hi, lo, true));
        assertEquals(Verdict.WORSE, Conclusion.compare(hi, lo, false));
        assertEquals(Verdict.WORSE, Conclusion.compare(lo, hi, true));
        assertEquals(Verdict.NO_SIGNIFICANT_DIFFERENCE, Conclusion.compare(hi, near, true));
        assertEquals(Verdict.NO_SIGNIFICANT_DIFFERENCE, Conclusion.compare(SeedSpread.of(1.0), SeedSpread.of(0.0), true), "one seed: no interval, no claim");
    }

    @Test
    void adaptiveThatSeparatesAndAbsorbsLessAtEqualEvBeatsBoth() {
        Map<String, Map<String, SeedSpread>> s = new LinkedHashMap<>();
        s.put(Variant.TOPK, variant(0.70, 0.20, 0.30, 0.90, 0.005));
        s.put(Variant.STATIC, variant(0.75, 0.15, 0.25, 0.90, 0.005));
        s.put(Variant.ADAPTIVE, variant(0.85, 0.10, 0.10, 0.902, 0.005));
        String t = Conclusion.text(s);
        assertTrue(t.contains("Against the static orthogonal SAE: the adaptive SAE beat it on separation and absorption at comparable reconstruction."), t);
        assertTrue(t.contains("Against the TopK baseline: the adaptive SAE beat it"), t);
        assertTrue(t.contains("Hungarian-matched cos 0.850 ± "), t);
        assertTrue(t.contains("explained variance 0.902 ± 0.012 vs 0.900 ± 0.012 (higher is better, no significant difference) (comparable)"), t);
        assertFalse(t.contains("did not beat"), t);
    }

    @Test
    void overlappingIntervalsSayNoSignificantDifferenceAndNoWin() {
        Map<String, Map<String, SeedSpread>> s = new LinkedHashMap<>();
        s.put(Variant.TOPK, variant(0.80, 0.12, 0.20, 0.90, 0.05));
        s.put(Variant.ADAPTIVE, variant(0.81, 0.11, 0.19, 0.90, 0.05));
        String t = Conclusion.text(s);
        assertTrue(t.startsWith("Against the TopK baseline: the adaptive SAE did not beat it"), t);
        assertEquals(4, t.split("no significant difference", -1).length - 1, t);
        assertFalse(t.contains("static"), "static was not run, so it is not mentioned: " + t);
    }

    /** A model run: no ground truth (no Hungarian cos, no absorption), the CE-loss score beside EV. */
    static Map<String, SeedSpread> onModel(double cofire, double ev, double ceScore, double spread) {
        Map<String, SeedSpread> m = new LinkedHashMap<>();
        m.put(Snapshot.COFIRE_COS, SeedSpread.of(cofire - spread, cofire, cofire + spread));
        m.put(Snapshot.EV, SeedSpread.of(ev - spread, ev, ev + spread));
        m.put(SpliceMetric.CE_SCORE, SeedSpread.of(ceScore - spread, ceScore, ceScore + spread));
        return m;
    }

    @Test
    void onAModelTheVerdictRestsOnWhatWasMeasured() {
        Map<String, Map<String, SeedSpread>> s = new LinkedHashMap<>();
        s.put(Variant.TOPK, onModel(0.20, 0.75, 0.98, 0.005));
        s.put(Variant.STATIC, onModel(0.10, 0.75, 0.90, 0.005));
        s.put(Variant.ADAPTIVE, onModel(0.10, 0.751, 0.981, 0.005));
        String t = Conclusion.text(s);
        assertTrue(t.contains("Against the TopK baseline: the adaptive SAE beat it on separation at comparable reconstruction."), t);
        assertTrue(t.contains("Absorption: not measured on this data"), t);
        assertFalse(t.contains("Hungarian"), t);
        // Against static: separation ties, and the CE-loss score is better, so no win on separation.
        assertTrue(t.contains("Against the static orthogonal SAE: the adaptive SAE did not beat it on separation at comparable reconstruction."), t);
        assertTrue(t.contains("CE-loss score 0.9810 ± 0.0124 vs 0.9000 ± 0.0124 (higher is better, adaptive better)."), t);
        s.put(Variant.ADAPTIVE, onModel(0.05, 0.75, 0.90, 0.005));
        assertTrue(Conclusion.text(s).contains("Against the TopK baseline: the adaptive SAE did not beat it on separation at comparable reconstruction. "
                + "Separation: co-firing pair |cos| 0.0500"), "a worse CE-loss score is worse reconstruction: " + Conclusion.text(s));
        assertTrue(Conclusion.text(s).contains("(the adaptive SAE reconstructs worse"), Conclusion.text(s));
    }

    /** A model run with first-letter absorption: rate and fraction beside the rest. */
    static Map<String, SeedSpread> withFirstLetter(double cofire, double rate, double fraction, double spread) {
        Map<String, SeedSpread> m = onModel(cofire, 0.75, 0.95, spread);
        m.put(FirstLetterAbsorptionMetric.RATE, SeedSpread.of(rate - spread, rate, rate + spread));
        m.put(FirstLetterAbsorptionMetric.FRACTION, SeedSpread.of(fraction - spread, fraction, fraction + spread));
        return m;
    }

    @Test
    void onAModelFirstLetterAbsorptionIsTheAbsorptionWithTheSameIntervals() {
        Map<String, Map<String, SeedSpread>> s = new LinkedHashMap<>();
        s.put(Variant.TOPK, withFirstLetter(0.20, 0.30, 0.40, 0.005));
        s.put(Variant.STATIC, withFirstLetter(0.15, 0.12, 0.20, 0.005));
        s.put(Variant.ADAPTIVE, withFirstLetter(0.10, 0.10, 0.20, 0.005));
        String t = Conclusion.text(s);
        // TopK: both absorption numbers lower and separated, separation better → a win on both.
        assertTrue(t.contains("Against the TopK baseline: the adaptive SAE beat it on separation and absorption at comparable reconstruction."), t);
        assertTrue(t.contains("Absorption: first-letter absorption rate 0.100 ± 0.012 vs 0.300 ± 0.012 (lower is better, adaptive better); "
                + "first-letter absorption fraction 0.200 ± 0.012 vs 0.400 ± 0.012 (lower is better, adaptive better)."), t);
        // Static: the rate is lower but the intervals (±0.012) overlap, the fraction ties: no win on absorption.
        assertTrue(t.contains("Against the static orthogonal SAE: the adaptive SAE did not beat it on both separation and absorption"), t);
        assertTrue(t.contains("first-letter absorption rate 0.100 ± 0.012 vs 0.120 ± 0.012 (lower is better, no significant difference)"), t);
        assertFalse(t.contains("not measured"), t);
        // Run, but no letter's probe qualified: the means are NaN, and the text says so instead of comparing.
        s.put(Variant.ADAPTIVE, withFirstLetter(0.10, Double.NaN, Double.NaN, 0.005));
        String none = Conclusion.text(s);
        assertTrue(none.contains("Absorption: first-letter absorption was run but no letter's probe qualified"), none);
        assertTrue(none.contains("Against the TopK baseline: the adaptive SAE beat it on separation at comparable reconstruction."), none);
    }

    @Test
    void betterSeparationBoughtWithWorseReconstructionIsNotAWin() {
        Map<String, Map<String, SeedSpread>> s = new LinkedHashMap<>();
        s.put(Variant.STATIC, variant(0.70, 0.20, 0.30, 0.95, 0.005));
        s.put(Variant.ADAPTIVE, variant(0.85, 0.10, 0.10, 0.80, 0.005));
        String t = Conclusion.text(s);
        assertTrue(t.contains("did not beat it"), t);
        assertTrue(t.contains("adaptive worse) (the adaptive SAE reconstructs worse"), t);
        assertTrue(Conclusion.text(Map.of(Variant.TOPK, variant(0.7, 0.2, 0.3, 0.9, 0.01))).contains("not run"));
    }
}
