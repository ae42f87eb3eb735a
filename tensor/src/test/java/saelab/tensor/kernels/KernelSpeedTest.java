package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The JIT-fallback probe: its plain twin does the tile's very sums, and in a JVM limited to C1 (the Vector API's Java fallback, as when the tile was stuck at tier 2)
 * the probe reports the fallback with its warning line.
 *
 * <p>No test asserts that a compiled tile is fast: under Surefire's tiered JVM on a loaded machine
 * that is a timing race (it failed so), and speed belongs to {@code bench gemma}, which prints the
 * probe. The C1-only check relies on a 4–25× gap, measured in the same process.
 */
class KernelSpeedTest {
    @Test
    void thePlainTwinComputesTheTilesBits() {
        for (MicroKernel.Tile shape : MicroKernel.Tile.values()) {
            int mr = shape.mr, nr = shape.nr;
            float[] ap = new float[KernelSpeed.KC * mr], bp = new float[KernelSpeed.KC * nr];
            SplittableRandom r = new SplittableRandom(5);
            for (int i = 0; i < ap.length; i++) ap[i] = (float) r.nextGaussian();
            for (int i = 0; i < bp.length; i++) bp[i] = (float) r.nextGaussian();
            float[] tile = new float[mr * nr], plain = new float[mr * nr];
            MicroKernel.tile(shape, KernelSpeed.KC, ap, 0, bp, 0, tile, 0, nr, false);
            KernelSpeed.plainTile(ap, bp, plain, mr, nr);
            assertArrayEquals(tile, plain, shape + ": each lane is an fma chain over p, as the twin's");
            assertTrue(tile[0] != 0f && tile[mr * nr - 1] != 0f, shape + " fills its last row and column");
        }
    }

    @Test
    void withC1OnlyTheProbeReportsTheFallback() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-javaagent") && !a.startsWith("-agentlib") && !a.startsWith("-Xrunjdwp")) cmd.add(a);
        }
        cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), KernelSpeedChild.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        System.out.println("KernelSpeedTest (C1 only): " + out.lines().filter(l -> l.startsWith("vector kernels")).findFirst().orElse(out));
        List<String> lines = out.lines().filter(l -> !l.startsWith("WARNING")).toList();
        assertEquals("true", lines.get(0), out);
        assertTrue(lines.get(1).startsWith("warning: the vector kernels run ") && lines.get(1).contains("slower than expected (JIT fallback)"), out);
    }
}
