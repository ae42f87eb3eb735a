package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The launcher's stderr filter (bin/stderr-filter.sh, as ./saelab uses it) on a real JVM started
 * with the Vector API module: the incubator warning is gone, the JVM's other stderr stays, and
 * the exit status is java's own.
 */
class LauncherStderrFilterTest {
    private static final Path FILTER = Path.of("..", "bin", "stderr-filter.sh").toAbsolutePath().normalize();
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    private record Out(int rc, String err) {}

    private static Out launch(String... javaArgs) throws Exception {
        String cmd = ". '" + FILTER + "'; exec '" + JAVA + "' --add-modules jdk.incubator.vector " + String.join(" ", javaArgs)
                + " 2> >(saelab_drop_incubator_warning >&2)";
        Process p = new ProcessBuilder("bash", "-c", cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8); // EOF once the filter is done too
        return new Out(p.waitFor(), err);
    }

    @Test void dropsExactlyTheIncubatorWarningAndKeepsTheExitStatus() throws Exception {
        assertTrue(Files.isRegularFile(FILTER), FILTER.toString());
        Out version = launch("-version");
        assertEquals(0, version.rc());
        assertTrue(version.err().contains("OpenJDK") || version.err().contains("version"), version.err()); // -version prints on stderr
        assertFalse(version.err().contains("incubator"), version.err());

        Out missing = launch("-cp", "/nonexistent", "NoSuchMainClass");
        assertEquals(1, missing.rc(), missing.err());
        assertTrue(missing.err().contains("NoSuchMainClass"), missing.err());
        assertFalse(missing.err().contains("incubator"), missing.err());
    }

    /** Without the filter the same JVM does print it: the test above removed something that was there. */
    @Test void theJvmPrintsTheWarningWithoutTheFilter() throws Exception {
        Process p = new ProcessBuilder(JAVA, "--add-modules", "jdk.incubator.vector", "-version").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor());
        assertTrue(err.startsWith("WARNING: Using incubator modules: jdk.incubator.vector"), err);
    }
}
