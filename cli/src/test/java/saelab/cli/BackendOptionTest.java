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

    @Test void autoSaysItChoseTheCpuAndWhy() {
        String err = stderrOf(() -> Main.commandLine().execute("complete", "--backend", "auto", "--model", "/nonexistent", "hi"));
        assertTrue(err.contains("backend: cpu (Vector API"), err);
        assertTrue(err.contains("no GPU backend on the class path"), err);
    }

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
