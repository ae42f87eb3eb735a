package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The experiment that crashed while writing plots (absorption NaN in every run at m 64, k 4:
 * Plots.scatter got no finite y) now finishes; the report says which plots it left out and why.
 */
class ExperimentMissingMetricPlotTest {
    @Test void aMetricNaNInEveryRunLeavesItsPlotsOutAndSaysSo(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("exp");
        Object[] r = ExperimentCommandTest.execute(new ExperimentCommand(), "--preset", "small", "--variants", "topk,adaptive", "--seeds", "2",
                "--steps", "10", "--batch", "64", "--phases", "1", "--eval-rows", "256", "--m", "64", "--k", "4", "--out", out.toString());
        assertEquals(0, r[0], (String) r[1]);
        // The metric really was absent: every run's final absorption is NaN (else this test exercises nothing).
        JsonNode results = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        String text = results.toString();
        assertTrue(text.contains("absorption"), "results.json names absorption");
        String[] lines = ((String) r[1]).lines().filter(l -> l.matches("\\[\\d/4\\] .*")).toArray(String[]::new);
        assertEquals(4, lines.length, (String) r[1]);
        // EV ≈ 0.2 after 10 steps: each run's line ends with the experiment's brief health tag.
        for (String l : lines) assertTrue(l.endsWith("absorption NaN  health: EV < 0.5"), l);

        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("pareto-ev-absorption.png not drawn: absorption rate is NaN in every run"), "the report says the plot is missing");
        assertTrue(html.contains("absorption-phases.png not drawn: absorption rate is NaN in every run and phase"), "the per-phase plot too");
        assertFalse(Files.exists(out.resolve("plots/pareto-ev-absorption.png")));
        // The plots whose metrics exist are drawn as before.
        assertTrue(Files.size(out.resolve("plots/pareto-ev-mcc.png")) > 1000);
        assertTrue(Files.size(out.resolve("plots/pareto-l0-ev.png")) > 1000);
    }
}
