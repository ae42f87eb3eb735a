package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** saelab train ends with its own report.html; saelab experiment leaves live.html with every run and SAEBench's core files. */
class LiveCurvesCommandTest {
    @TempDir Path dir;

    @Test void trainEndsWithItsOwnReport() throws Exception {
        Path out = dir.resolve("run");
        CliFixtures.Run r = CliFixtures.saelab("train", "--steps", "12", "--batch", "64", "--m", "64", "--k", "4", "--out", out.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.toString());
        String page = Files.readString(out.resolve("report.html"));
        assertTrue(page.contains("data-step=\"12\"") && page.contains("Finished"), page);
        assertTrue(page.contains("<title>recon_loss</title>"), "the loss terms are drawn");
    }

    @Test void experimentKeepsALivePageOfEveryRun() throws Exception {
        Path out = dir.resolve("exp");
        CliFixtures.Run r = CliFixtures.saelab("experiment", "--preset", "small", "--variants", "topk,adaptive", "--seeds", "2", "--steps", "12",
                "--batch", "128", "--phases", "2", "--eval-rows", "512", "--m", "256", "--k", "8", "--out", out.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.toString());
        String page = Files.readString(out.resolve("live.html"));
        assertTrue(page.contains("4 runs") && page.contains("<title>topk-seed0</title>") && page.contains("<title>adaptive-seed0</title>"), page);
        for (String v : new String[] {"topk", "adaptive"}) {
            assertTrue(Files.isRegularFile(out.resolve("eval_results/core/saelab_exp_" + v + "-seed0_eval_results.json")), v);
        }
    }
}
