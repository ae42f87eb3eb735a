package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `saelab harvest` in a JVM limited to C1, where the Vector API kernels can only run the API's
 * Java fallback (as when the GEMM tile was stuck at C1's tier 2), prints the one-line warning,
 * once, and still harvests. (That a compiled tile is not reported is KernelSpeedTest's.)
 */
class JitFallbackWarningTest {
    @Test
    void aHarvestOnTheFallbackPathSaysSoInOneLine(@TempDir Path dir) throws Exception {
        Path model = CliFixtures.tinyModel(dir.resolve("tiny"), 3);
        Path data = CliFixtures.textFile(dir.resolve("docs.txt"), CliFixtures.documents(400, 2));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // (not this module's C2-only flag: the child must run tiered, stopped at C1)
            if (!a.startsWith("-javaagent") && !a.startsWith("-agentlib") && !a.startsWith("-Xrunjdwp") && !a.equals("-XX:-TieredCompilation")) cmd.add(a);
        }
        // 200 passes of one 16-token sequence: past JitFallbackCheck's 8 passes and its 1 s (320 tokens once took only 0.7 s).
        cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "harvest", "--model", model.toString(), "--data", data.toString(), "--layer", "1", "--context", "16",
                "--tokens", "3200", "--batch", "1", "--out", dir.resolve("acts").toString()));
        Process p = new ProcessBuilder(cmd).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the harvest ended");
        assertEquals(0, p.exitValue(), err);
        assertTrue(new String(out, StandardCharsets.UTF_8).endsWith("manifest.json" + System.lineSeparator()), "it still harvests");
        List<String> warnings = err.lines().filter(l -> l.startsWith("harvest: warning: the vector kernels run ")).toList();
        assertEquals(1, warnings.size(), err);
        assertTrue(warnings.get(0).contains("slower than expected (JIT fallback)"), warnings.get(0));
        System.out.println("JitFallbackWarningTest: " + warnings.get(0));
    }
}
