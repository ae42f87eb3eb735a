package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ExperimentCommandTest {

    @Test
    void tinyExperimentFromTheCommandLineWritesTheReport(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("exp");
        ExperimentCommand cmd = new ExperimentCommand();
        int rc = new CommandLine(cmd).execute("--quick", "--steps", "8", "--batch", "64", "--m", "128", "--eval-rows", "256",
                "--variants", "topk,static", "--quiet", "--out", out.toString());
        assertEquals(0, rc);
        assertEquals(out.resolve("report.html"), cmd.lastReport);
        assertTrue(Files.readString(out.resolve("report.html")).contains("static"));
        assertTrue(Files.readString(out.resolve("results.json")).contains("\"conclusion\""));
    }

    @Test
    void defaultsAreTheFullComparison() {
        ExperimentCommand cmd = new ExperimentCommand();
        new CommandLine(cmd).parseArgs();
        var cfg = cmd.config();
        assertEquals(9, cfg.variants().size());
        assertEquals(3, cfg.seeds().size());
        assertEquals(ExperimentCommand.DEFAULT_STEPS, cfg.steps());
        assertEquals(4, cfg.phases());
        assertEquals(8192, cfg.evalRows());
        assertTrue(cfg.out().toString().startsWith("runs/experiment-"));
    }

    @Test
    void modelDataSaysWhatIsMissing() {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = new CommandLine(new ExperimentCommand()).execute("--model", "/nonexistent", "--data", "/nonexistent.txt");
        } finally {
            System.setErr(old);
        }
        assertEquals(2, rc);
        String msg = buf.toString(StandardCharsets.UTF_8);
        assertTrue(msg.contains("is not built yet") && msg.contains("saelab harvest") && msg.contains("--source shards:"), msg);
    }
}
