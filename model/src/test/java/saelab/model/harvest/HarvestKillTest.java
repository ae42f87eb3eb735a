package saelab.model.harvest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.Dtype;
import saelab.model.synthetic.RandomGemma2Checkpoint;
import saelab.model.synthetic.SyntheticTokenizer;

/**
 * kill -9 (Process.destroyForcibly) of a harvest at random moments after its first shard — while a
 * shard is written, between a shard and the manifest, inside a forward pass — then a resumed
 * harvest in a new JVM: the folder ends byte for byte equal to an uninterrupted harvest's, with no
 * temporary file left. The kill delays come from a fixed, printed seed; where the kill lands
 * depends on the machine's speed, which is the point: every landing must resume exactly.
 */
class HarvestKillTest {
    static final int LAYER = 2, CONTEXT = 16, BATCH = 3, SHARD = 128;
    static final long TOKENS = 3000, SEED = 7401;
    static final int TRIALS = 3;

    @Test
    void aHarvestKilledAtRandomMomentsResumesToTheUninterruptedBytes(@TempDir Path dir) throws Exception {
        Path model = Files.createDirectory(dir.resolve("model"));
        GemmaConfig config = GemmaConfig.tiny();
        RandomGemma2Checkpoint.write(model, RandomGemma2Checkpoint.Spec.of(config, Dtype.BF16, 17).withStd(0.3, 0.3), b -> { });
        SyntheticTokenizer.write(model, config.vocabSize(), 17);
        Path data = HarvestFixtures.textFile(dir.resolve("docs.txt"), HarvestFixtures.documents(800, 8));
        Path whole = dir.resolve("whole");
        assertEquals(0, start(model, data, whole).waitFor(), "the uninterrupted harvest");
        HarvestManifest full = HarvestManifest.read(whole);
        assertTrue(full.shards().size() > 10, "enough shards for the kills to land inside: " + full.shards().size());

        SplittableRandom rng = new SplittableRandom(SEED);
        int landedMidway = 0;
        for (int t = 0; t < TRIALS; t++) {
            Path out = dir.resolve("killed-" + t);
            long delayMs = rng.nextLong(0, 600);
            Process p = start(model, data, out);
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (p.isAlive() && !hasShard(out) && System.nanoTime() < deadline) Thread.sleep(5);
            Thread.sleep(delayMs);
            boolean killed = p.isAlive();
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            int shardsAtKill = Files.exists(out.resolve(HarvestManifest.FILE_NAME)) ? HarvestManifest.read(out).shards().size() : 0;
            if (killed && shardsAtKill < full.shards().size()) landedMidway++;
            System.out.printf("HarvestKillTest seed %d trial %d: killed %d ms after the first shard, %d of %d shards listed%n",
                    SEED, t, delayMs, shardsAtKill, full.shards().size());

            // What the atomic writer leaves when the kill lands inside a write, planted so the cleanup is always exercised.
            Files.writeString(out.resolve(".shard-00099.safetensors.4711.tmp"), "torn");
            Process resume = start(model, data, out);
            assertTrue(resume.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, resume.exitValue(), "trial " + t + ": the resumed harvest");
            assertEquals(full, HarvestManifest.read(out), "trial " + t + ": manifest");
            for (HarvestManifest.Shard s : full.shards()) {
                assertArrayEquals(Files.readAllBytes(whole.resolve(s.file())), Files.readAllBytes(out.resolve(s.file())), "trial " + t + ": " + s.file());
            }
            try (var files = Files.list(out)) {
                List<String> tmp = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
                assertEquals(List.of(), tmp, "trial " + t + ": temporary files left behind");
            }
        }
        assertTrue(landedMidway >= 1, "at least one kill landed during the harvest (" + landedMidway + " of " + TRIALS + ")");
    }

    private static boolean hasShard(Path out) {
        return Files.exists(out.resolve("shard-00000.safetensors"));
    }

    /** A harvest to the end in a new JVM with this one's flags (HarvestChild, no planned halt). */
    private static Process start(Path model, Path data, Path out) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-javaagent") && !a.startsWith("-agentlib") && !a.startsWith("-Xrunjdwp")) cmd.add(a);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), HarvestChild.class.getName(),
                model.toString(), data.toString(), out.toString(), "" + LAYER, "" + CONTEXT, "" + TOKENS, "" + BATCH, "" + SHARD, "-1"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
