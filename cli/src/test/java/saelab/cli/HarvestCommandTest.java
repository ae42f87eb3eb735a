package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.gemma2.Hooks;
import saelab.model.harvest.HarvestManifest;
import saelab.model.harvest.SequencePacker;
import saelab.model.safetensors.SafetensorsFile;
import saelab.model.tokenizer.GemmaTokenizer;

class HarvestCommandTest {
    static final int LAYER = 2, CONTEXT = 16, HIDDEN = 64, SHARD = 40, TOKENS = 150; // shards of 40, 40, 40, 30 rows

    /**
     * Two runs of one forward pass give the same values exactly, whatever the JIT had compiled and
     * however the rows were batched (the model path's arithmetic has a fixed order: issue 14, item 6).
     */
    static final double SAME_COMPUTATION = 0;

    @TempDir static Path shared;
    static Path model, data;
    static List<String> docs;

    @BeforeAll
    static void fixtures() throws Exception {
        model = CliFixtures.tinyModel(shared.resolve("tiny"), 13);
        docs = CliFixtures.documents(24, 4);
        data = CliFixtures.textFile(shared.resolve("docs.txt"), docs);
    }

    static String[] harvest(Path out, long tokens) {
        return harvest(out, tokens, 3);
    }

    static String[] harvest(Path out, long tokens, int batch) {
        return new String[] {"harvest", "--model", model.toString(), "--data", data.toString(), "--layer", "" + LAYER,
                "--context", "" + CONTEXT, "--tokens", "" + tokens, "--out", out.toString(), "--shard-tokens", "" + SHARD, "--batch", "" + batch};
    }

    /** Every row of a harvest folder, shards concatenated in manifest order. */
    record Rows(HarvestManifest manifest, float[] activations, int[] tokenIds, long[] sequence, int[] position) {}

    static Rows read(Path dir) {
        HarvestManifest m = HarvestManifest.read(dir);
        int n = Math.toIntExact(m.tokens());
        float[] a = new float[n * HIDDEN];
        int[] ids = new int[n], pos = new int[n];
        long[] seq = new long[n];
        for (HarvestManifest.Shard s : m.shards()) {
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(s.file()))) {
                int at = (int) s.firstRow();
                System.arraycopy(f.tensor(HarvestManifest.ACTIVATIONS).toFloatArray(), 0, a, at * HIDDEN, s.rows() * HIDDEN);
                System.arraycopy(f.tensor(HarvestManifest.TOKEN_IDS).toIntArray(), 0, ids, at, s.rows());
                System.arraycopy(f.tensor(HarvestManifest.SEQUENCE).toLongArray(), 0, seq, at, s.rows());
                System.arraycopy(f.tensor(HarvestManifest.POSITION).toIntArray(), 0, pos, at, s.rows());
            }
        }
        return new Rows(m, a, ids, seq, pos);
    }

    /** The data's first packed sequences, from the tokenizer and the packer, not through the harvest's code path. */
    static int[][] sequences(int count) {
        GemmaTokenizer tok = GemmaTokenizer.load(model);
        List<int[]> encoded = docs.stream().map(tok::encode).toList(); // the template puts <bos> first
        SequencePacker p = new SequencePacker(encoded.iterator(), CONTEXT, 2);
        int[][] out = new int[count][];
        for (int i = 0; i < count; i++) out[i] = p.next();
        return out;
    }

    static void assertRowsAreTheHookOutput(Rows rows) {
        int n = rows.tokenIds().length, count = (n + CONTEXT - 1) / CONTEXT;
        int[][] seqs = sequences(count);
        float[] hook;
        try (Gemma2Model m = Gemma2Model.load(model)) {
            hook = m.forward(seqs, Hooks.none().capture(LAYER)).residual(LAYER);
        }
        for (int g = 0; g < n; g++) {
            assertEquals(g / CONTEXT, rows.sequence()[g], "sequence of row " + g);
            assertEquals(g % CONTEXT, rows.position()[g], "position of row " + g);
            assertEquals(seqs[g / CONTEXT][g % CONTEXT], rows.tokenIds()[g], "token of row " + g);
            double e = CliFixtures.rowError(rows.activations(), g, hook, g, HIDDEN);
            assertTrue(e <= SAME_COMPUTATION, "row " + g + " vs the hook: " + e);
            int other = g % CONTEXT + 1 < CONTEXT ? g + 1 : g - 1;
            assertTrue(CliFixtures.rowError(rows.activations(), g, hook, other, HIDDEN) > 1e-2, "the check tells rows " + g + " and " + other + " apart");
        }
    }

    static void assertSameHarvest(Rows expected, Rows actual) {
        assertEquals(expected.manifest().shards(), actual.manifest().shards());
        assertEquals(expected.manifest().tokens(), actual.manifest().tokens());
        assertArrayEquals(expected.tokenIds(), actual.tokenIds());
        assertArrayEquals(expected.sequence(), actual.sequence());
        assertArrayEquals(expected.position(), actual.position());
        for (int g = 0; g < expected.tokenIds().length; g++) {
            assertTrue(CliFixtures.rowError(actual.activations(), g, expected.activations(), g, HIDDEN) <= SAME_COMPUTATION, "row " + g);
        }
    }

    @Test
    void writesShardsAndAManifestWhoseRowsAreTheHookOutput(@TempDir Path dir) {
        Path out = dir.resolve("acts");
        CliFixtures.Run run = CliFixtures.saelab(harvest(out, TOKENS));
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals(out.resolve("manifest.json") + System.lineSeparator(), run.out(), "stdout names the manifest");
        assertTrue(run.err().contains("harvest: done: 150 tokens"), run.err());
        Rows rows = read(out);
        assertEquals(List.of(40, 40, 40, 30), rows.manifest().shards().stream().map(HarvestManifest.Shard::rows).toList());
        assertEquals("blocks.2.hook_resid_post", rows.manifest().hookName());
        assertTrue(rows.manifest().complete());
        assertRowsAreTheHookOutput(rows);
    }

    @Test
    void resumesAfterAnInterruptionAndExtendsToALargerBudgetWithoutDuplicatingRows(@TempDir Path dir) throws Exception {
        Path whole = dir.resolve("whole"), interrupted = dir.resolve("interrupted"), grown = dir.resolve("grown");
        assertEquals(0, CliFixtures.saelab(harvest(whole, TOKENS)).exitCode());
        Rows expected = read(whole);

        // A run killed after writing shard 2 but before the manifest listed it: the manifest names shards 0 and 1 only,
        // shard-00002 is on disk, and so is a half-written temporary of shard 3.
        assertEquals(0, CliFixtures.saelab(harvest(interrupted, TOKENS)).exitCode());
        HarvestManifest full = HarvestManifest.read(interrupted);
        full.withShards(full.shards().subList(0, 2), TOKENS, false).write(interrupted);
        Files.delete(interrupted.resolve("shard-00003.safetensors"));
        Files.writeString(interrupted.resolve(".shard-00003.safetensors.77.tmp"), "half a shard");
        CliFixtures.Run resumed = CliFixtures.saelab(harvest(interrupted, TOKENS, 5)); // another --batch is fine
        assertEquals(0, resumed.exitCode(), resumed.toString());
        assertTrue(resumed.err().contains("resuming: 2 shards (80 tokens) kept"), resumed.err());
        assertTrue(resumed.err().contains("harvest: done: 70 tokens"), "only the missing rows are harvested: " + resumed.err());
        assertFalse(Files.exists(interrupted.resolve(".shard-00003.safetensors.77.tmp")), "the stale temporary is removed");
        assertSameHarvest(expected, read(interrupted));

        // A token budget, then a larger one: the short last shard is redone, nothing is duplicated.
        assertEquals(0, CliFixtures.saelab(harvest(grown, 50)).exitCode());
        assertEquals(List.of(40, 10), HarvestManifest.read(grown).shards().stream().map(HarvestManifest.Shard::rows).toList());
        CliFixtures.Run more = CliFixtures.saelab(harvest(grown, TOKENS));
        assertEquals(0, more.exitCode(), more.toString());
        assertSameHarvest(expected, read(grown));

        CliFixtures.Run again = CliFixtures.saelab(harvest(grown, TOKENS));
        assertEquals(0, again.exitCode());
        assertTrue(again.err().contains("nothing to do"), again.err());
        assertRowsAreTheHookOutput(read(grown));
    }

    @Test
    void badArgumentsSayWhatIsWrong(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("acts");
        Path foreign = Files.createDirectory(dir.resolve("foreign"));
        Files.writeString(foreign.resolve("notes.txt"), "mine");
        Path csv = Files.writeString(dir.resolve("docs.csv"), "a,b\n");
        String[][] bad = {
                {"harvest", "--model", model.toString(), "--data", data.toString(), "--layer", "7", "--tokens", "10", "--out", out.toString()},
                {"harvest", "--model", model.toString(), "--data", dir.resolve("none.txt").toString(), "--layer", "1", "--tokens", "10", "--out", out.toString()},
                {"harvest", "--model", model.toString(), "--data", csv.toString(), "--layer", "1", "--tokens", "10", "--out", out.toString()},
                {"harvest", "--model", model.toString(), "--data", data.toString(), "--layer", "1", "--tokens", "lots", "--out", out.toString()},
                {"harvest", "--model", model.toString(), "--data", data.toString(), "--layer", "1", "--tokens", "10", "--out", foreign.toString()},
                {"harvest", "--model", model.toString(), "--data", data.toString(), "--layer", "1", "--tokens", "10", "--out", out.toString(), "--dtype", "f16"},
                {"harvest", "--model", dir.resolve("nomodel").toString(), "--data", data.toString(), "--layer", "1", "--tokens", "10", "--out", out.toString()},
                {"harvest", "--model", model.toString(), "--data", data.toString(), "--tokens", "10", "--out", out.toString()},
        };
        String[] expect = {"--layer 7: " + model + " has layers 0..3", "none.txt", "unknown data format", "expected a whole number of tokens",
                "--out is not empty and holds no manifest.json", "expected f32 or bf16, got 'f16'", "nomodel", "missing required option --layer L"};
        for (int i = 0; i < bad.length; i++) {
            CliFixtures.Run run = CliFixtures.saelab(bad[i]);
            assertNotEquals(0, run.exitCode(), String.join(" ", bad[i]));
            assertTrue(run.err().contains(expect[i]), String.join(" ", bad[i]) + " → " + run);
            assertFalse(run.err().contains("\tat saelab."), "a message, not a stack trace: " + run);
        }
        assertFalse(Files.exists(out.resolve("manifest.json")), "each was refused before anything was written");
    }
}
