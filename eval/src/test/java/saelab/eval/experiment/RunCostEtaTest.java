package saelab.eval.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The experiment's time left from per-variant run costs. */
class RunCostEtaTest {
    /**
     * Finished runs of two variants with different costs (the expensive one 5–8× the cheap one, as
     * ReLU vs TopK) and a queue of waiting runs: the time left is Σ waiting × its variant's mean cost
     * over the workers, against a float64 reference summed independently. Both sum at most ~60 terms
     * of size ≤ 1e3 in a different order: |error| ≤ 60·2⁻⁵²·6e4 ≈ 1e-9, asserted within 1e-8.
     */
    @Test void waitingRunsCostTheirOwnVariantsMean() {
        int[] withBoth = new int[1];
        qt().withFixedSeed(15_2026L).withExamples(200).forAll(integers().between(1, 6), integers().between(0, 30), longs().all())
                .checkAssert((workers, waitingCount, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    RunCostEta eta = new RunCostEta();
                    double cheap = 1 + 99 * r.nextDouble(), costly = cheap * (5 + 3 * r.nextDouble());
                    double[] sum = new double[2];
                    int[] n = new int[2];
                    for (int i = 0, runs = 1 + r.nextInt(5); i < runs; i++) {
                        double a = cheap * (0.8 + 0.4 * r.nextDouble()), b = costly * (0.8 + 0.4 * r.nextDouble());
                        eta.finished("topk", a);
                        eta.finished("standard", b);
                        sum[0] += a; sum[1] += b; n[0]++; n[1]++;
                    }
                    List<String> waiting = new ArrayList<>();
                    for (int i = 0; i < waitingCount; i++) waiting.add(r.nextBoolean() ? "topk" : "standard");
                    double expected = 0;
                    for (String v : waiting) expected += v.equals("topk") ? sum[0] / n[0] : sum[1] / n[1];
                    expected /= workers;
                    if (waiting.contains("topk") && waiting.contains("standard")) withBoth[0]++;
                    assertEquals(expected, eta.secondsLeft(waiting, List.of(), workers), 1e-8);
                    // The same queue reordered costs the same: per run, not per position.
                    Collections.shuffle(waiting, new java.util.Random(seed));
                    assertEquals(expected, eta.secondsLeft(waiting, List.of(), workers), 1e-8);
                });
        assertTrue(withBoth[0] > 100, "queues mixing both variants were exercised: " + withBoth[0]);
    }

    @Test void aVariantWithNoFinishedRunIsCostedFromItsRunningRunThenFromTheOverallMean() {
        RunCostEta eta = new RunCostEta();
        assertTrue(Double.isNaN(eta.secondsLeft(List.of("topk"), List.of(), 1)), "nothing measured: no estimate");
        eta.finished("topk", 10);
        eta.finished("topk", 20);
        // standard has no finished run, but one running: 30 s for a quarter of its steps → 120 s a run.
        List<RunCostEta.Running> running = List.of(new RunCostEta.Running("standard", 0.25, 30));
        assertEquals(120, eta.cost("standard", running), 1e-12);
        // Waiting: topk (15) + standard (120); running standard needs 90 more; two workers.
        assertEquals((15 + 120 + 90) / 2.0, eta.secondsLeft(List.of("topk", "standard"), running, 2), 1e-12);
        // adaptive has neither: the mean over all finished runs (15).
        assertEquals(15, eta.cost("adaptive", running), 1e-12);
    }

    @Test void neverLessThanTheLongestRunningRunStillNeeds() {
        RunCostEta eta = new RunCostEta();
        eta.finished("topk", 10);
        List<RunCostEta.Running> running = List.of(new RunCostEta.Running("standard", 0.1, 10), new RunCostEta.Running("topk", 0.5, 5));
        // standard needs 100 − 10 = 90 more, topk 5 more: 95 of work over 4 workers is 23.75, but standard alone needs 90.
        assertEquals(90, eta.secondsLeft(List.of(), running, 4), 1e-12);
    }
}
