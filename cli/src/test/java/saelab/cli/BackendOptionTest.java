package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import saelab.tensor.backend.Backends;

/** {@code --backend} is accepted after any subcommand and resolved before the job runs. */
class BackendOptionTest {
    @AfterEach void cpuAgain() {
        Backends.use(Backends.cpu());
    }

    @Test void innermostBackendOptionWinsWherever() {
        var cl = Main.commandLine();
        assertEquals("cpu", Main.backendChoice(cl.parseArgs("bench", "gemm", "--backend", "cpu")));
        assertEquals("tornado", Main.backendChoice(Main.commandLine().parseArgs("--backend", "cpu", "bench", "--backend", "tornado", "gemm")));
    }

    @Test void tornadoWithoutTheModuleStopsBeforeTheJobWithWhatIsMissing() {
        String err = stderrOf(() -> assertEquals(2, Main.commandLine().execute("complete", "--backend", "tornado", "--model", "/nonexistent", "hi")));
        assertTrue(err.contains("TORNADOVM_HOME"), err);
        assertTrue(err.contains("-Ptornado"), err);
        assertSame(Backends.cpu(), Backends.current());
    }

    @Test void autoSaysItChoseTheCpuAndWhyWithVerbose() {
        String err = stderrOf(() -> Main.commandLine().execute("complete", "--verbose", "--backend", "auto", "--model", "/nonexistent", "hi"));
        assertTrue(err.contains("backend: cpu (Vector API"), err);
        assertTrue(err.contains("no GPU backend on the class path"), err);
    }

    @Test void aCommandThatComputesLittleDoesNotNameTheBackendUnlessVerbose() {
        String err = stderrOf(() -> Main.commandLine().execute("complete", "--backend", "auto", "--model", "/nonexistent", "hi"));
        assertTrue(!err.contains("backend:"), err);
        assertTrue(err.contains("/nonexistent"), err); // it did run, and failed on the model folder
    }

    @Test void trainNamesTheBackendOnceAndQuietDropsIt() {
        String err = stderrOf(() -> assertEquals(0, Main.commandLine().execute("train", "--steps", "3", "--batch", "64", "--m", "64", "--k", "4",
                "--out", tmp.resolve("a").toString())));
        assertEquals(1, err.lines().filter(l -> l.startsWith("backend: ")).count(), err);
        String quiet = stderrOf(() -> assertEquals(0, Main.commandLine().execute("--quiet", "train", "--steps", "3", "--batch", "64", "--m", "64",
                "--k", "4", "--out", tmp.resolve("b").toString())));
        assertTrue(!quiet.contains("backend: ") && !quiet.contains("step 3/3"), quiet); // neither the backend nor the progress bar
        assertTrue(quiet.contains("final: step 3"), quiet);
    }

    @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp;

    private static String stderrOf(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
