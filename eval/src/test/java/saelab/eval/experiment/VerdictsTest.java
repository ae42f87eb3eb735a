package saelab.eval.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import saelab.train.arch.LossTerm;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import saelab.eval.stats.Comparison;
import saelab.eval.stats.Verdict;

/** The verdict table built from runs: which comparisons it makes, the mechanism check, and the conclusion it derives. */
class VerdictsTest {

    /** A run whose final snapshot has these metrics and whose logged curve has this penalty share of the reconstruction loss. */
    static Experiment.RunResult run(String variant, long seed, double mcc, double absorption, double ev, double penaltyShare) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(Snapshot.MCC, mcc);
        m.put(Snapshot.ABSORPTION, absorption);
        m.put(Snapshot.EV, ev);
        m.put(Snapshot.L0, 20.0);
        List<Experiment.CurvePoint> curve = new ArrayList<>();
        for (int s = 0; s < 10; s++) curve.add(new Experiment.CurvePoint(s, 1, List.of(LossTerm.unweighted("recon", 1), new LossTerm("auxk", 0, "auxk_alpha", 1.0 / 32)), penaltyShare, 0.1, 0.1, 20, ev, 100, 0));
        return new Experiment.RunResult(variant, seed, Path.of("unused"), 0, 0, List.of(new Snapshot(m, new long[8], new long[25])), curve);
    }

    static Experiment.Result result(List<Experiment.RunResult> runs, List<String> variants) {
        ExperimentConfig cfg = ExperimentConfig.synthetic(Path.of("unused"), Variant.select(variants), List.of(0L, 1L, 2L, 3L, 4L, 5L), 10, 8, 1, 8, 16, 4,
                "small", 0, 0.9, ExperimentConfig.DEFAULT_EV_MARGIN);
        return new Experiment.Result(cfg, null, runs, 0);
    }

    /** Six seeds; per-seed noise shared by all variants (pairing), so a small planted shift is visible. */
    static List<Experiment.RunResult> planted(double adaptiveMccShift, double staticShare) {
        SplittableRandom rng = new SplittableRandom(20261204L);
        List<Experiment.RunResult> runs = new ArrayList<>();
        for (long seed = 0; seed < 6; seed++) {
            double base = 0.7 + 0.02 * rng.nextGaussian(), ab = 0.2 + 0.02 * rng.nextGaussian(), ev = 0.8 + 0.01 * rng.nextGaussian();
            runs.add(run("topk", seed, base + 1e-4 * rng.nextGaussian(), ab + 1e-3 * rng.nextGaussian(), ev + 1e-4 * rng.nextGaussian(), 0));
            runs.add(run("static", seed, base + 1e-4 * rng.nextGaussian(), ab + 1e-3 * rng.nextGaussian(), ev + 1e-4 * rng.nextGaussian(), staticShare));
            runs.add(run("adaptive", seed, base + adaptiveMccShift + 1e-4 * rng.nextGaussian(), ab + 1e-3 * rng.nextGaussian(), ev + 1e-4 * rng.nextGaussian(), 0.05));
        }
        return runs;
    }

    @Test
    void aPlantedSeparationGainAtEqualReconstructionIsCalledBetterAndTheConclusionSaysSo() {
        Experiment.Result r = result(planted(0.01, 0.05), List.of("topk", "static", "adaptive"));
        List<Verdicts.Row> rows = Verdicts.of(r);
        assertEquals(3 * 3, rows.size(), "3 primary comparisons × (MCC, absorption, EV)");
        Verdicts.Row mcc = find(rows, "adaptive", "static", Snapshot.MCC);
        assertEquals(Verdict.BETTER, mcc.row().verdict(), mcc.row().sentence());
        assertEquals(6, mcc.row().n());
        assertEquals(0.01, mcc.row().meanDifference(), 2e-4);
        assertEquals(Verdict.EQUIVALENT, find(rows, "adaptive", "static", Snapshot.EV).row().verdict());
        assertFalse(mcc.noTest());
        String text = Verdicts.conclusion(r, rows);
        assertTrue(text.contains("adaptive vs static: adaptive separates features better at equal or better reconstruction"), text);
        // No planted difference between static and topk: not called better or worse on MCC.
        Verdict nullRow = find(rows, "static", "topk", Snapshot.MCC).row().verdict();
        assertTrue(nullRow == Verdict.INCONCLUSIVE, "static vs topk MCC: " + nullRow);
    }

    @Test
    void aResolvedReconstructionDifferenceInsideTheMarginIsStillEqualReconstruction() {
        // adaptive reconstructs 0.002 worse on every seed (resolved by the paired test, inside the ±0.005 margin).
        List<Experiment.RunResult> runs = new ArrayList<>();
        for (Experiment.RunResult x : planted(0.01, 0.05)) {
            Map<String, Double> m = new LinkedHashMap<>(x.last().metrics());
            if (x.variant().equals("adaptive")) m.put(Snapshot.EV, m.get(Snapshot.EV) - 0.002);
            runs.add(new Experiment.RunResult(x.variant(), x.seed(), x.dir(), 0, 0, List.of(new Snapshot(m, new long[8], new long[25])), x.curve()));
        }
        Experiment.Result r = result(runs, List.of("topk", "static", "adaptive"));
        List<Verdicts.Row> rows = Verdicts.of(r);
        var ev = find(rows, "adaptive", "static", Snapshot.EV).row();
        assertEquals(Verdict.WORSE, ev.verdict(), ev.sentence());
        assertTrue(Verdicts.withinMargin(ev));
        String text = Verdicts.conclusion(r, rows);
        assertTrue(text.contains("adaptive vs static: adaptive separates features better at equal or better reconstruction"), text);
        assertTrue(text.contains("explained variance worse but within ±0.005 (equivalent by TOST)"), text);
    }

    @Test
    void anInactivePenaltyMarksItsComparisonsAsNoTestOfTheMethod() {
        Experiment.Result r = result(planted(0.01, 1e-4), List.of("topk", "static", "adaptive"));
        List<Verdicts.Row> rows = Verdicts.of(r);
        Verdicts.Row staticVsTopk = find(rows, "static", "topk", Snapshot.MCC);
        assertTrue(staticVsTopk.noTest());
        assertTrue(staticVsTopk.caveat().contains("static (penalty below 1% of the reconstruction loss on 100% of logged steps)"), staticVsTopk.caveat());
        assertTrue(find(rows, "adaptive", "static", Snapshot.MCC).noTest());
        assertFalse(find(rows, "adaptive", "topk", Snapshot.MCC).noTest(), "adaptive's own penalty was active (5%)");
        assertTrue(Verdicts.conclusion(r, rows).contains("adaptive vs static: no test of the method"), Verdicts.conclusion(r, rows));
    }

    @Test
    void familiesCompareTheQuestionFirstThenEachVariationWithItsReferences() {
        Map<String, List<Comparison>> f = Verdicts.families(Variant.defaults());
        assertEquals(List.of(new Comparison("adaptive", "static"), new Comparison("adaptive", "topk"), new Comparison("static", "topk")),
                f.get(Verdicts.PRIMARY));
        List<Comparison> second = f.get(Verdicts.SECONDARY);
        assertTrue(second.containsAll(List.of(new Comparison("adaptive-tuned", "topk"), new Comparison("adaptive-tuned", "static"),
                new Comparison("adaptive-tuned", "adaptive"), new Comparison("adaptive-jaccard", "adaptive"), new Comparison("orthogonal", "static"))));
        assertFalse(second.contains(new Comparison("orthogonal", "adaptive")), "a control is not a variation of the method");
        // The field's other baselines against TopK, and the method against each of them.
        assertTrue(second.containsAll(List.of(new Comparison("batchtopk", "topk"), new Comparison("adaptive", "batchtopk"),
                new Comparison("matryoshka", "topk"), new Comparison("adaptive", "matryoshka"))));
        assertFalse(second.contains(new Comparison("batchtopk", "static")), "an unpenalised baseline is not compared with the static penalty");
        // 6 variations × 3 references + the control × 2 + the two baselines × 2.
        assertEquals(6 * 3 + 2 + 2 * 2, second.size());
    }

    static Verdicts.Row find(List<Verdicts.Row> rows, String a, String b, String metric) {
        return rows.stream().filter(x -> x.row().comparison().equals(new Comparison(a, b)) && x.row().metric().name().equals(metric)).findFirst().orElseThrow();
    }
}
