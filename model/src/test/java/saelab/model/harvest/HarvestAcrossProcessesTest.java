package saelab.model.harvest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.GemmaConfig;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.gemma2.Hooks;
import saelab.model.safetensors.Dtype;
import saelab.model.synthetic.RandomGemma2Checkpoint;
import saelab.model.synthetic.SyntheticTokenizer;

/**
 * A harvest interrupted in a warm process and resumed in a new one equals one uninterrupted
 * harvest, byte for byte. Why this bites: the uninterrupted harvest runs in this JVM after 200
 * forward passes have had C2 compile the kernels (Surefire runs tiered), while the resumed
 * harvest runs in a new JVM whose first passes run them interpreted or at C1, as every process
 * starts. Before the model path's reductions and exp/tanh had a fixed order, the Vector API's
 * EXP/TANH rounded differently in the two states and the resumed shards differed from the
 * uninterrupted ones (issue 14, item 6). The resumed run also batches by 5, not 3: rows must
 * not depend on their batch.
 */
class HarvestAcrossProcessesTest {
    static final int LAYER = 2, CONTEXT = 16, BATCH = 3, SHARD = 256;
    static final long TOKENS = 1200; // 25 passes of 3 × 16 rows; shards of 256 rows, the last 176
    static final int WARM_UP_PASSES = 200;

    @Test
    void aHarvestResumedInANewProcessEqualsAnUninterruptedOneByteForByte(@TempDir Path dir) throws Exception {
        Path model = Files.createDirectory(dir.resolve("model"));
        GemmaConfig config = GemmaConfig.tiny();
        // bf16, as ./saelab gen-model writes the tiny model: the harvest's usual weights path.
        RandomGemma2Checkpoint.write(model, RandomGemma2Checkpoint.Spec.of(config, Dtype.BF16, 17).withStd(0.3, 0.3), b -> { });
        SyntheticTokenizer.write(model, config.vocabSize(), 17);
        Path data = HarvestFixtures.textFile(dir.resolve("docs.txt"), HarvestFixtures.documents(400, 8));
        Path whole = dir.resolve("whole"), resumed = dir.resolve("resumed");

        try (Gemma2Model m = Gemma2Model.load(model)) {
            int[] ids = new int[BATCH * CONTEXT];
            for (int i = 0; i < ids.length; i++) ids[i] = (i * 37) % config.vocabSize();
            for (int pass = 0; pass < WARM_UP_PASSES; pass++) m.forward(ids, BATCH, Hooks.none().capture(LAYER).stopAfter(LAYER));
        }
        Harvester.run(settings(model, data, whole), new Harvester.Listener() { });
        RuntimeException stop = new RuntimeException("interrupted by the test");
        assertEquals(stop, assertThrows(RuntimeException.class, () -> Harvester.run(settings(model, data, resumed), new Harvester.Listener() {
            @Override public void shardWritten(HarvestManifest.Shard shard, HarvestManifest manifest) {
                if (manifest.shards().size() == 1) throw stop;
            }
        })));
        assertEquals(1, HarvestManifest.read(resumed).shards().size());
        assertEquals(0, child(model, data, resumed, 5), "the harvest resumed in a new JVM");

        HarvestManifest m = HarvestManifest.read(whole);
        assertEquals(List.of(256, 256, 256, 256, 176), m.shards().stream().map(HarvestManifest.Shard::rows).toList());
        assertEquals(m, HarvestManifest.read(resumed));
        for (HarvestManifest.Shard s : m.shards()) {
            byte[] a = Files.readAllBytes(whole.resolve(s.file())), b = Files.readAllBytes(resumed.resolve(s.file()));
            assertTrue(a.length > s.rows() * 64 * 2, s.file() + " holds the activations");
            assertArrayEquals(a, b, s.file() + " differs between the uninterrupted and the resumed harvest");
        }
    }

    static HarvestSettings settings(Path model, Path data, Path out) {
        return new HarvestSettings(model, data, LAYER, CONTEXT, TOKENS, out, BATCH, SHARD, Dtype.BF16);
    }

    /** Runs {@link HarvestChild} in a new JVM with this one's flags (Vector API, tiered compilation); its exit status. */
    static int child(Path model, Path data, Path out, int batch) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-javaagent") && !a.startsWith("-agentlib") && !a.startsWith("-Xrunjdwp")) cmd.add(a);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), HarvestChild.class.getName(),
                model.toString(), data.toString(), out.toString(), "" + LAYER, "" + CONTEXT, "" + TOKENS, "" + batch, "" + SHARD, "-1"));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child harvest did not end within 120 s");
        }
        return p.exitValue();
    }
}
