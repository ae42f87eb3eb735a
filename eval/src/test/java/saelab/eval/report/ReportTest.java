package saelab.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    @Test
    void seedSpreadMatchesTheTIntervalByHand() {
        // values 1, 2, 3: mean 2, s = 1, t_{0.975, 2} = 4.302652729749464 → half-width 4.3027/√3.
        SeedSpread s = SeedSpread.of(1, 2, 3);
        assertEquals(2.0, s.mean(), 1e-15);
        assertEquals(1.0, s.sd(), 1e-15);
        assertEquals(4.302652729749464 / Math.sqrt(3), s.halfWidth95(), 1e-9);
        assertTrue(Double.isNaN(SeedSpread.of(5).halfWidth95()), "one seed has no interval");
        assertEquals("2.00 ± 2.48", s.format(2));
    }

    @Test
    void plotsArePngsAndTheReportEmbedsThemWithItsNumbers(@TempDir Path dir) throws Exception {
        Map<String, double[][]> lines = new LinkedHashMap<>();
        lines.put("λ2(p)", new double[][] {{0, 0.5, 1}, {0.1, 0.025, 0}});
        Path png = Plots.lines(dir.resolve("lambda.png"), "λ2 over training", "p", "λ2", lines, false);
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 1000, "a real image");
        assertEquals((byte) 0x89, bytes[0]);
        assertEquals('P', bytes[1]);
        assertEquals('N', bytes[2]);
        Map<String, double[]> h = new LinkedHashMap<>();
        h.put("early", new double[] {5, 0, 2});
        Plots.histograms(dir.resolve("hist.png"), "co-firing", "n", "pairs", List.of("a", "b", "c"), h, true);
        Path html = new HtmlReport("Runs <compared>")
                .table(List.of("run", "EV"), List.of(List.of("topk", "0.912 ± 0.004")))
                .image(png, "λ2 schedule")
                .write(dir.resolve("report.html"));
        String text = Files.readString(html);
        assertTrue(text.contains("<td>0.912 ± 0.004</td>"));
        assertTrue(text.contains("Runs &lt;compared&gt;"), "text is escaped");
        assertTrue(text.contains("data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(bytes)));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")), "no temporary files left");
        }
    }
}
