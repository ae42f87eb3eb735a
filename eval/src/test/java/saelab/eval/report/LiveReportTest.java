package saelab.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import saelab.eval.experiment.ExperimentConfig;
import saelab.eval.experiment.Variant;
import saelab.train.source.SyntheticSource;
import saelab.train.trainer.StepStats;
import saelab.train.trainer.TrainConfig;
import saelab.train.trainer.TrainingRun;

/**
 * A real training run with its live page refreshed every 40 ms: the page is rewritten while the
 * run goes on (the step it shows grows), and the final page parses as XML, holds a chart with
 * points for each curve, and no longer reloads itself.
 */
class LiveReportTest {
    @TempDir Path dir;
    private static final Pattern STEP = Pattern.compile("data-step=\"(\\d+)\"");

    @Test void thePageFollowsTheRunAndEndsAsAValidReport() throws Exception {
        ExperimentConfig e = ExperimentConfig.synthetic(dir.resolve("exp"), Variant.select(List.of("adaptive")), List.of(0L), 300, 64, 1, 256, 128, 8,
                "small", 0, 0.9, ExperimentConfig.DEFAULT_EV_MARGIN);
        SyntheticSource src = new SyntheticSource(e.syntheticConfig());
        TrainConfig cfg = Variant.select(List.of("adaptive")).getFirst().trainConfig(e, src.dim(), 0);
        Path run = dir.resolve("run");
        List<Long> seen = new ArrayList<>();
        LiveReport live = LiveReport.forRun(run, 40);
        try (live) {
            TrainingRun.start(cfg, src, new TrainingRun.Options(run, 0, (StepStats s, long tokens, double seconds) -> {
                try {
                    Thread.sleep(3); // ≥ 0.9 s of training: many refreshes
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                }
                if (s.step() % 25 == 0 && Files.exists(run.resolve("report.html"))) {
                    try {
                        Matcher m = STEP.matcher(Files.readString(run.resolve("report.html")));
                        if (m.find()) seen.add(Long.parseLong(m.group(1)));
                    } catch (java.io.IOException x) {
                        throw new java.io.UncheckedIOException(x);
                    }
                }
            })).close();
            assertTrue(live.writes() >= 3, "refreshed while running: " + live.writes());
        }
        // The steps shown grew during the run: several distinct, non-decreasing values below the end.
        assertTrue(seen.stream().distinct().count() >= 3, "pages seen during the run showed steps " + seen);
        for (int i = 1; i < seen.size(); i++) assertTrue(seen.get(i) >= seen.get(i - 1), seen.toString());
        assertTrue(seen.getFirst() < 300, seen.toString());

        String page = Files.readString(run.resolve("report.html"));
        Matcher m = STEP.matcher(page);
        assertTrue(m.find());
        assertEquals(300, Long.parseLong(m.group(1)), "the final page shows the last step");
        assertFalse(page.contains("http-equiv=\"refresh\""), "the final page does not reload");
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(page.getBytes(StandardCharsets.UTF_8)));
        assertEquals(6, doc.getElementsByTagName("svg").getLength(), "loss, L0, EV, penalty, λ2, threshold");
        for (String series : List.of("loss", "recon_loss", "auxk_loss", "penalty_term")) {
            assertTrue(page.contains("<title>" + series + "</title>"), series);
        }
        for (String chart : List.of("L0 (active latents per row)", "explained variance", "co-firing penalty term", "λ2 (penalty weight)", "threshold")) {
            assertTrue(page.contains(">" + chart + "</text>"), chart);
        }
        // Every chart has a drawn line (no "no points yet"): the adaptive variant logs all six curves.
        assertFalse(page.contains("no points yet"), page);
        int lines = doc.getElementsByTagName("polyline").getLength();
        assertEquals(4 + 5, lines, "4 loss terms in one chart, one line in each of the 5 others");
    }

    @Test void noPageBeforeTheRunLogsAnything() throws Exception {
        Path run = dir.resolve("empty");
        try (LiveReport live = LiveReport.forRun(run, 10)) {
            Thread.sleep(50);
            assertEquals(0, live.writes());
        }
        assertFalse(Files.exists(run.resolve("report.html")));
    }
}
