package saelab.model.harvest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.gemma2.ForwardResult;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.gemma2.Hooks;
import saelab.model.safetensors.Dtype;
import saelab.model.tokenizer.GemmaTokenizer;
import saelab.tensor.kernels.Bf16;
import saelab.model.RunLock;

class HarvesterTest {
    static final int LAYER = 2, CONTEXT = 16, BATCH = 3, SHARD = 40; // 40 is no multiple of 16: sequences straddle shards
    static final long TOKENS = 150;                                  // 9 full sequences and 6 rows of a tenth; shards 40, 40, 40, 30

    @TempDir static Path shared;
    static Path model, data;
    static List<String> docs;

    @BeforeAll
    static void fixtures() throws Exception {
        model = HarvestFixtures.checkpoint(Files.createDirectory(shared.resolve("model")), 11);
        docs = HarvestFixtures.documents(40, 5);
        data = HarvestFixtures.textFile(shared.resolve("docs.txt"), docs);
    }

    static HarvestSettings settings(Path out, long tokens, Dtype dtype) {
        return new HarvestSettings(model, data, LAYER, CONTEXT, tokens, out, BATCH, SHARD, dtype);
    }

    static HarvestManifest harvest(HarvestSettings s) {
        return Harvester.run(s, new Harvester.Listener() { });
    }

    /** The packed sequences, computed here from the tokenizer and the packer (whose own test checks packing by hand). */
    static int[][] expectedSequences(int count) {
        GemmaTokenizer tok = GemmaTokenizer.load(model);
        List<int[]> encoded = new ArrayList<>();
        for (String d : docs) encoded.add(tok.encode(d)); // the template puts <bos> first
        SequencePacker p = new SequencePacker(encoded.iterator(), CONTEXT, 2);
        int[][] out = new int[count][];
        for (int i = 0; i < count; i++) out[i] = p.next();
        return out;
    }

    static float[] hookOutput(int[][] sequences) {
        try (Gemma2Model m = Gemma2Model.load(model)) {
            return m.forward(sequences, Hooks.none().capture(LAYER)).residual(LAYER); // full pass: the stop hook must not change the value
        }
    }

    static double relativeError(float[] a, float[] ref, int n) {
        double diff = 0, norm = 0;
        for (int i = 0; i < n; i++) {
            diff += (double) (a[i] - ref[i]) * (a[i] - ref[i]);
            norm += (double) ref[i] * ref[i];
        }
        return Math.sqrt(diff / norm);
    }

    @Test
    void f32ShardsHoldTheHookOutputWithTokenSequenceAndPosition(@TempDir Path out) {
        HarvestManifest m = harvest(settings(out, TOKENS, Dtype.F32));
        assertEquals(List.of(40, 40, 40, 30), m.shards().stream().map(HarvestManifest.Shard::rows).toList());
        assertEquals(List.of("shard-00000.safetensors", "shard-00001.safetensors", "shard-00002.safetensors", "shard-00003.safetensors"),
                m.shards().stream().map(HarvestManifest.Shard::file).toList());
        assertEquals(TOKENS, m.tokens());
        assertTrue(m.complete());
        assertEquals("blocks.2.hook_resid_post", m.hookName());
        assertEquals(FileFingerprint.of(data), m.data());
        assertEquals(m, HarvestManifest.read(out), "the manifest on disk is the one returned");

        HarvestFixtures.Rows rows = HarvestFixtures.read(out);
        int[][] seqs = expectedSequences(10);
        for (int g = 0; g < TOKENS; g++) {
            assertEquals(g / CONTEXT, rows.sequence()[g], "sequence of row " + g);
            assertEquals(g % CONTEXT, rows.position()[g], "position of row " + g);
            assertEquals(seqs[g / CONTEXT][g % CONTEXT], rows.tokenIds()[g], "token of row " + g);
        }
        for (int s = 0; s < 10; s++) assertEquals(2, rows.tokenIds()[s * CONTEXT], "sequence " + s + " starts with <bos>");
        // The full forward pass of all ten sequences in one batch, to the logits, gives the same bits
        // as the harvest's passes of three sequences stopped at the layer (the model path is deterministic
        // and a row does not depend on its batch).
        float[] hook = hookOutput(seqs);
        int n = (int) TOKENS * 64;
        assertArrayEquals(bits(Arrays.copyOf(hook, n)), bits(rows.activations()), "activations vs the full forward's hook capture");
        assertTrue(relativeError(rows.activations(), hook, n) == 0 && hook[0] != 0f);
    }

    @Test
    void eachForwardPassStopsAtTheHookedLayerWithoutLogits(@TempDir Path out) {
        List<ForwardResult> passes = new ArrayList<>();
        Harvester.run(settings(out, TOKENS, Dtype.F32), new Harvester.Listener() {
            @Override public void forwardPass(ForwardResult pass) {
                passes.add(pass);
            }
        });
        // 10 sequences in batches of 3: four passes, each running layers 0..LAYER of the model's 4.
        assertEquals(4, passes.size(), "forward passes");
        for (ForwardResult p : passes) {
            assertEquals(LAYER + 1, p.layersRun(), "layers run (the model has 4; layer " + (LAYER + 1) + " must not run)");
            assertFalse(p.hasLogits(), "no final norm and no logits");
        }
        assertEquals(List.of(3, 3, 3, 1), passes.stream().map(ForwardResult::batch).toList());
    }

    static int[] bits(float[] x) {
        int[] b = new int[x.length];
        for (int i = 0; i < x.length; i++) b[i] = Float.floatToRawIntBits(x[i]);
        return b;
    }

    @Test
    void bf16ShardsHoldTheHookOutputRoundedToBf16(@TempDir Path out) {
        harvest(settings(out, TOKENS, Dtype.BF16));
        HarvestFixtures.Rows rows = HarvestFixtures.read(out);
        assertEquals(Dtype.BF16, rows.manifest().dtype());
        float[] hook = hookOutput(expectedSequences(10));
        for (int i = 0; i < TOKENS * 64; i++) {
            float a = rows.activations()[i], h = hook[i];
            // The hook's float32 value rounded to bf16 (nearest, ties to even), exactly: the harvest's pass gives the same float32 bits.
            assertEquals(Float.floatToRawIntBits(Bf16.round(h)), Float.floatToRawIntBits(a), "value " + i + ": " + a + " vs hook " + h);
            assertEquals(a, Bf16.round(a), "value " + i + " is a bf16");
        }
    }

    @Test
    void aSecondWriterOfTheFolderIsRefusedNamingTheFirst(@TempDir Path out) throws Exception {
        long pid = ProcessHandle.current().pid();
        try (RunLock first = RunLock.acquire(out)) {
            HarvestException e = assertThrows(HarvestException.class, () -> harvest(settings(out, 40, Dtype.F32)));
            assertTrue(e.getMessage().contains("pid " + pid), e.getMessage());
            assertFalse(Files.exists(out.resolve(HarvestManifest.FILE_NAME)), "nothing was written while the folder was held");
        }
        assertEquals(40, harvest(settings(out, 40, Dtype.F32)).tokens(), "once released, the folder harvests");
    }

    @Test
    void anInterruptedHarvestResumesToTheUninterruptedResultByteForByte(@TempDir Path dir) throws Exception {
        Path whole = dir.resolve("whole"), resumed = dir.resolve("resumed");
        harvest(settings(whole, TOKENS, Dtype.F32));

        RuntimeException stop = new RuntimeException("interrupted by the test");
        var e = assertThrows(RuntimeException.class, () -> Harvester.run(settings(resumed, TOKENS, Dtype.F32), new Harvester.Listener() {
            @Override public void shardWritten(HarvestManifest.Shard shard, HarvestManifest manifest) {
                if (manifest.shards().size() == 1) throw stop; // row 40: inside sequence 2
            }
        }));
        assertEquals(stop, e);
        HarvestManifest partial = HarvestManifest.read(resumed);
        assertEquals(1, partial.shards().size(), "the manifest lists the shard finished before the interruption");
        assertFalse(partial.complete());
        // A killed run can leave the atomic writer's temporary behind; the resumed run removes it.
        Path stale = Files.writeString(resumed.resolve(".shard-00001.safetensors.123.tmp"), "half a shard");
        FileTime keptTime = Files.getLastModifiedTime(resumed.resolve("shard-00000.safetensors"));

        List<Long> starts = new ArrayList<>();
        HarvestManifest done = Harvester.run(settings(resumed, TOKENS, Dtype.F32).withBatch(5), new Harvester.Listener() {
            @Override public void starting(HarvestManifest kept, long rowsToHarvest) {
                starts.add(kept.tokens());
                starts.add(rowsToHarvest);
            }
        });
        assertEquals(List.of(40L, 110L), starts, "40 rows kept, 110 to go (another --batch is fine)");
        assertFalse(Files.exists(stale));
        assertEquals(keptTime, Files.getLastModifiedTime(resumed.resolve("shard-00000.safetensors")), "finished shards are kept, not rewritten");
        assertSameHarvest(whole, resumed);
        assertEquals(done, HarvestManifest.read(whole));
    }

    @Test
    void askingForMoreTokensExtendsAndRedoesAShortLastShard(@TempDir Path dir) throws Exception {
        Path whole = dir.resolve("whole"), grown = dir.resolve("grown");
        harvest(settings(whole, TOKENS, Dtype.F32));
        HarvestManifest small = harvest(settings(grown, 50, Dtype.F32));
        assertEquals(List.of(40, 10), small.shards().stream().map(HarvestManifest.Shard::rows).toList());
        assertTrue(small.complete());
        harvest(settings(grown, TOKENS, Dtype.F32));
        assertSameHarvest(whole, grown);

        // Asking again, or for fewer, changes nothing.
        FileTime t = Files.getLastModifiedTime(grown.resolve(HarvestManifest.FILE_NAME));
        assertEquals(HarvestManifest.read(whole), harvest(settings(grown, 60, Dtype.F32)));
        assertEquals(t, Files.getLastModifiedTime(grown.resolve(HarvestManifest.FILE_NAME)));
    }

    /**
     * The same manifest and every shard file equal byte for byte. Why this bites: the resumed run
     * starts in a fresh model (its kernels interpreted again, as in a new process) and groups
     * sequences into batches from another start; with the Vector API's JIT-dependent exp/tanh, or
     * edge tiles that summed differently, 6–22% of the first resumed shard's values differed.
     */
    static void assertSameHarvest(Path expected, Path actual) throws IOException {
        HarvestFixtures.Rows a = HarvestFixtures.read(expected), b = HarvestFixtures.read(actual);
        assertEquals(a.manifest(), b.manifest());
        assertArrayEquals(a.tokenIds(), b.tokenIds());
        assertArrayEquals(a.sequence(), b.sequence());
        assertArrayEquals(a.position(), b.position());
        assertArrayEquals(bits(a.activations()), bits(b.activations()), "activations bit for bit");
        for (HarvestManifest.Shard s : a.manifest().shards()) {
            assertArrayEquals(Files.readAllBytes(expected.resolve(s.file())), Files.readAllBytes(actual.resolve(s.file())), s.file() + " byte for byte");
        }
    }

    @Test
    void resumingWithOtherSettingsIsRefusedNamingWhatDiffers(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Path myData = Files.copy(data, dir.resolve("mine.txt"));
        HarvestSettings s = new HarvestSettings(model, myData, LAYER, CONTEXT, 40, out, BATCH, SHARD, Dtype.F32);
        harvest(s);
        var e = assertThrows(HarvestException.class, () -> harvest(new HarvestSettings(model, myData, 1, 8, 80, out, BATCH, SHARD, Dtype.BF16)));
        assertTrue(e.getMessage().startsWith(out.resolve("manifest.json") + ": this folder holds a harvest with other settings"), e.getMessage());
        assertTrue(e.getMessage().contains("layer: 2 in the manifest, 1 now"), e.getMessage());
        assertTrue(e.getMessage().contains("context: 16 in the manifest, 8 now"), e.getMessage());
        assertTrue(e.getMessage().contains("dtype: f32 in the manifest, bf16 now"), e.getMessage());

        Files.writeString(myData, "one more document\n", java.nio.file.StandardOpenOption.APPEND);
        e = assertThrows(HarvestException.class, () -> harvest(s.withTokens(80)));
        assertTrue(e.getMessage().contains("data file contents: "), e.getMessage());

        // A folder whose first run finished no shard (a bad data line, say) starts afresh with any settings.
        Path badData = Files.writeString(dir.resolve("bad.jsonl"), "{\"text\": \"fine\"}\n{\"txt\": \"oops\"}\n");
        Path fresh = dir.resolve("fresh");
        e = assertThrows(HarvestException.class, () -> harvest(new HarvestSettings(model, badData, LAYER, CONTEXT, 40, fresh, BATCH, SHARD, Dtype.F32)));
        assertTrue(e.getMessage().startsWith(badData + ": line 2: the object has no \"text\" field"), e.getMessage());
        assertTrue(HarvestManifest.read(fresh).shards().isEmpty());
        assertEquals(40, harvest(new HarvestSettings(model, myData, LAYER, CONTEXT, 40, fresh, BATCH, SHARD, Dtype.F32)).tokens());
    }

    @Test
    void aMissingShardOrAForeignFolderIsAnError(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        harvest(settings(out, 90, Dtype.F32));
        Files.delete(out.resolve("shard-00001.safetensors"));
        var e = assertThrows(HarvestException.class, () -> harvest(settings(out, TOKENS, Dtype.F32)));
        assertTrue(e.getMessage().startsWith(out.resolve("shard-00001.safetensors") + ": listed in"), e.getMessage());

        Path foreign = Files.createDirectory(dir.resolve("foreign"));
        Files.writeString(foreign.resolve("notes.txt"), "mine");
        e = assertThrows(HarvestException.class, () -> harvest(settings(foreign, 10, Dtype.F32)));
        assertTrue(e.getMessage().contains("--out is not empty and holds no manifest.json"), e.getMessage());

        e = assertThrows(HarvestException.class, () -> harvest(new HarvestSettings(model, data, 4, CONTEXT, 10, dir.resolve("x"), 1, SHARD, Dtype.F32)));
        assertTrue(e.getMessage().contains("--layer 4: " + model + " has layers 0..3"), e.getMessage());
    }

    @Test
    void whenTheDataRunsOutTheHarvestEndsWithWhatItHad(@TempDir Path dir) throws Exception {
        Path small = HarvestFixtures.textFile(dir.resolve("small.jsonl"),
                docs.subList(0, 6).stream().map(d -> "{\"text\": \"" + d + "\"}").toList());
        GemmaTokenizer tok = GemmaTokenizer.load(model);
        List<int[]> encoded = docs.subList(0, 6).stream().map(tok::encode).toList();
        long fullSequences = new SequencePacker(encoded.iterator(), CONTEXT, 2).skip(Long.MAX_VALUE);
        assertTrue(fullSequences >= 2, "the fixture should give a few sequences, gave " + fullSequences);

        Path out = dir.resolve("out");
        HarvestManifest m = harvest(new HarvestSettings(model, small, LAYER, CONTEXT, 100_000, out, BATCH, SHARD, Dtype.F32));
        assertTrue(m.dataExhausted());
        assertTrue(m.complete());
        assertEquals(fullSequences * CONTEXT, m.tokens());
        assertEquals(m, HarvestManifest.read(out));
        // Asking again finds nothing more to do.
        assertEquals(m, harvest(new HarvestSettings(model, small, LAYER, CONTEXT, 200_000, out, BATCH, SHARD, Dtype.F32)));
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(1 + m.shards().size(), files.filter(f -> !f.getFileName().toString().equals(RunLock.FILE)).count(),
                    "manifest and shards only (beside the lock file): " + Arrays.toString(out.toFile().list()));
        }
    }
}
