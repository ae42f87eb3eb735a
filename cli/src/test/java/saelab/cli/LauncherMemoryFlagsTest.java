package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The launcher's collector and heap flags (bin/jvm-memory.sh, as ./saelab sources it): which
 * commands get which, that a collector named in SAELAB_JAVA_OPTS replaces the launcher's, and that
 * a real JVM started with what it prints runs the collector it names.
 */
class LauncherMemoryFlagsTest {
    private static final Path SCRIPT = Path.of("..", "bin", "jvm-memory.sh").toAbsolutePath().normalize();
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    /** Training's collector: G1, allowed up to a third of the time in GC before it grows the heap, from a 64 MB heap. */
    private static final String TRAINING = "-XX:+UseG1GC -XX:GCTimeRatio=2 -Xms64m";

    private record Out(int rc, String text) {}

    private static Out run(List<String> cmd, String javaOpts) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (javaOpts == null) pb.environment().remove("SAELAB_JAVA_OPTS");
        else pb.environment().put("SAELAB_JAVA_OPTS", javaOpts);
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Out(p.waitFor(), text);
    }

    /** What the launcher adds for a command line starting with {@code words}, given SAELAB_JAVA_OPTS. */
    private static String flags(String javaOpts, String... words) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", ". '" + SCRIPT + "'; saelab_memory_flags \"$@\"", "flags"));
        cmd.addAll(List.of(words));
        Out out = run(cmd, javaOpts);
        assertEquals(0, out.rc(), out.text());
        return out.text().strip();
    }

    /** The JVM's final value of a boolean flag when started with {@code args}, or its error text. */
    private static Out jvm(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(JAVA));
        cmd.addAll(args);
        cmd.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
        return run(cmd, null);
    }

    private static boolean flagOn(String printFlags, String name) {
        Matcher m = Pattern.compile("\\b" + name + "\\s+= (true|false)").matcher(printFlags);
        assertTrue(m.find(), name + " not printed");
        return m.group(1).equals("true");
    }

    private static List<String> words(String s) {
        return s.isEmpty() ? List.of() : List.of(s.split(" +"));
    }

    @Test void trainingRunsOnG1AndTheOtherCommandsKeepTheirSettings() throws Exception {
        assertTrue(Files.isRegularFile(SCRIPT), SCRIPT.toString());
        for (String cmd : List.of("train", "experiment", "sweep")) assertEquals(TRAINING, flags(null, cmd, "--quick"), cmd);
        assertEquals(TRAINING, flags(null, "bench", "memory"), "bench memory runs train in a child with its own flags: train's");
        // saelab's global options may come first: the command is the first word after them.
        assertEquals(TRAINING, flags(null, "--quiet", "train", "--steps", "10"));
        assertEquals(TRAINING, flags(null, "--backend", "cpu", "--verbose", "experiment"));
        assertEquals(TRAINING, flags(null, "--backend=cpu", "bench", "memory"));
        assertEquals("-XX:+UseParallelGC -Xmx512m", flags(null, "--quiet", "bench", "gemma"));
        assertEquals("-XX:+UseParallelGC -Xmx512m", flags(null, "complete", "--model"));
        assertEquals("-XX:+UseParallelGC -Xmx512m", flags(null, "bench", "gemma"));
        assertEquals("-XX:+UseParallelGC -XX:MaxRAMPercentage=75", flags(null, "bench", "train"));
        assertEquals("-XX:+UseParallelGC", flags(null, "harvest", "--model"));
        // Only a collector flag replaces the launcher's; other -XX:+Use… options leave it.
        assertEquals(TRAINING, flags("-XX:+UseStringDeduplication", "train", ""));
        // A heap size of the user's replaces the launcher's: -Xms64m beside -Xmx32m would stop the JVM.
        assertEquals("-XX:+UseG1GC -XX:GCTimeRatio=2", flags("-XX:+UseStringDeduplication -Xmx2g", "train", ""));
        assertEquals("-XX:+UseG1GC -XX:GCTimeRatio=2", flags("-Xms1g", "experiment"));
        assertEquals("-XX:+UseParallelGC", flags("-Xmx2g", "complete", "x"));
        assertEquals("", flags("-Xmx2g -XX:+UseSerialGC", "train", ""));
        assertEquals("-Xmx512m", flags("-XX:+UseZGC", "complete", "x"));
    }

    @Test void theJvmRunsTheCollectorTheFlagsName() throws Exception {
        Out train = jvm(words(flags(null, "train", "")));
        assertEquals(0, train.rc(), train.text());
        assertTrue(flagOn(train.text(), "UseG1GC"));
        assertEquals(false, flagOn(train.text(), "UseParallelGC"));
        Matcher ratio = Pattern.compile("\\bGCTimeRatio\\s+= (\\d+)").matcher(train.text());
        assertTrue(ratio.find(), "GCTimeRatio not printed");
        assertEquals("2", ratio.group(1), "G1's default is 12: the flag must reach the JVM");

        List<String> small = new ArrayList<>(words(flags("-Xmx32m", "train", "")));
        small.add("-Xmx32m");
        Out smallHeap = jvm(small);
        assertEquals(0, smallHeap.rc(), "the user's -Xmx32m with the launcher's training flags: " + smallHeap.text());

        Out bench = jvm(words(flags(null, "bench", "train")));
        assertEquals(0, bench.rc(), bench.text());
        assertTrue(flagOn(bench.text(), "UseParallelGC"));

        // A collector in SAELAB_JAVA_OPTS: the launcher's is left out and the JVM starts with the user's.
        String user = "-XX:+UseSerialGC";
        List<String> both = new ArrayList<>(words(flags(user, "train", "")));
        both.add(user);
        Out serial = jvm(both);
        assertEquals(0, serial.rc(), serial.text());
        assertTrue(flagOn(serial.text(), "UseSerialGC"));
        // Without that rule the JVM would refuse to start: two collectors.
        Out refused = jvm(List.of("-XX:+UseG1GC", user));
        assertNotEquals(0, refused.rc());
        assertTrue(refused.text().contains("garbage collectors"), refused.text());
    }
}
