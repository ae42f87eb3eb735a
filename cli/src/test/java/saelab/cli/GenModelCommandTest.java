package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.GemmaConfig;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.gemma2.Hooks;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.TensorStore;
import saelab.model.safetensors.TensorView;
import saelab.model.tokenizer.GemmaTokenizer;

class GenModelCommandTest {

    static List<String> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** config.json without torch_dtype: the shape. */
    static ObjectNode shape(GemmaConfig c) {
        ObjectNode o = c.toJson();
        o.remove("torch_dtype");
        return o;
    }

    @Test
    void writesALoadableCheckpointOfTheRequestedShape(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("tiny");
        CliFixtures.Run run = CliFixtures.saelab("gen-model", "--config", "tiny", "--out", out.toString(), "--seed", "3", "--dtype", "f32");
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals(List.of("config.json", "model.safetensors", "tokenizer.json"), files(out));
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            assertTrue(run.out().contains(out.resolve(f).toString()), "stdout lists " + f + ": " + run.out());
        }
        GemmaConfig written = GemmaConfig.read(out);
        assertEquals(shape(GemmaConfig.tiny()), shape(written), "config.json holds the tiny shape");
        assertEquals("float32", written.torchDtype());
        GemmaTokenizer tok = GemmaTokenizer.load(out);
        assertEquals(written.vocabSize(), tok.vocabSize(), "tokenizer.json matches the vocabulary");
        try (TensorStore store = TensorStore.open(out)) {
            TensorView embed = store.tensor("model.embed_tokens.weight");
            assertEquals(Dtype.F32, embed.dtype());
            assertArrayEquals(new long[] {written.vocabSize(), written.hiddenSize()}, embed.shape());
            assertEquals(written.numHiddenLayers() * 11 + 2, store.names().size(), "embedding, 11 tensors per layer, final norm (tied head)");
        }
        try (Gemma2Model m = Gemma2Model.load(out)) {
            int[] ids = tok.encode("the sparse autoencoder");
            float[] logits = m.forward(new int[][] {ids}, Hooks.none()).logits();
            assertEquals(ids.length * written.vocabSize(), logits.length);
            double spread = 0;
            for (float v : logits) {
                assertTrue(Float.isFinite(v));
                spread = Math.max(spread, Math.abs(v - logits[0]));
            }
            assertTrue(spread > 1e-3, "random weights give logits that differ: " + spread);
        }
    }

    @Test
    void sameSeedSameBytesAnotherSeedOtherWeights(@TempDir Path dir) throws Exception {
        for (String[] a : new String[][] {{"a", "5"}, {"b", "5"}, {"c", "6"}}) {
            assertEquals(0, CliFixtures.saelab("gen-model", "--config", "tiny", "--out", dir.resolve(a[0]).toString(), "--seed", a[1]).exitCode());
        }
        byte[] a = Files.readAllBytes(dir.resolve("a/model.safetensors")), b = Files.readAllBytes(dir.resolve("b/model.safetensors"));
        assertArrayEquals(a, b, "seed 5 twice");
        assertArrayEquals(Files.readAllBytes(dir.resolve("a/tokenizer.json")), Files.readAllBytes(dir.resolve("b/tokenizer.json")));
        assertFalse(java.util.Arrays.equals(a, Files.readAllBytes(dir.resolve("c/model.safetensors"))), "seed 6 differs");
        assertEquals("bfloat16", GemmaConfig.read(dir.resolve("a")).torchDtype(), "bf16 is the default dtype");
    }

    @Test
    void shardsWhenTheWeightsPassTheShardSizeAndHoldTheSameTensors(@TempDir Path dir) throws Exception {
        Path single = dir.resolve("single"), sharded = dir.resolve("sharded");
        assertEquals(0, CliFixtures.saelab("gen-model", "--config", "tiny", "--out", single.toString(), "--seed", "2").exitCode());
        // tiny in bf16 is about 0.36 MB: 100 kB shards make several files.
        CliFixtures.Run run = CliFixtures.saelab("gen-model", "--config", "tiny", "--out", sharded.toString(), "--seed", "2",
                "--max-shard-bytes", "100000");
        assertEquals(0, run.exitCode(), run.toString());
        List<String> names = files(sharded);
        assertTrue(names.contains(TensorStore.INDEX_FILE), names.toString());
        assertFalse(names.contains(TensorStore.SINGLE_FILE), names.toString());
        List<String> shards = new ArrayList<>(names.stream().filter(n -> n.matches("model-\\d{5}-of-\\d{5}\\.safetensors")).toList());
        assertTrue(shards.size() >= 2, "several shards: " + names);
        for (String s : shards) assertTrue(Files.size(sharded.resolve(s)) <= 100000 + 64 * 1024, s + " stays near the limit (plus its header)");
        try (TensorStore one = TensorStore.open(single); TensorStore many = TensorStore.open(sharded)) {
            assertEquals(one.names(), many.names());
            for (String n : one.names()) {
                assertArrayEquals(one.tensor(n).toFloatArray(), many.tensor(n).toFloatArray(), n);
            }
        }
        assertEquals(shape(GemmaConfig.read(single)), shape(GemmaConfig.read(sharded)));
    }

    @Test
    void badArgumentsSayWhatIsWrong(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        String[][] bad = {
                {"gen-model", "--config", "huge", "--out", dir.resolve("m").toString()},
                {"gen-model", "--config", "tiny", "--out", file.toString()},
                {"gen-model", "--config", "tiny", "--out", dir.resolve("m").toString(), "--dtype", "int8"},
                {"gen-model", "--config", "tiny", "--out", dir.resolve("m").toString(), "--max-shard-bytes", "0"},
                {"gen-model", "--out", dir.resolve("m").toString()},
        };
        String[] expect = {"expected tiny or gemma-2-2b, got 'huge'", "a-file exists and is not a directory", "expected bf16, f32 or f16, got 'int8'",
                "--max-shard-bytes must be >= 1", "missing required option --config"};
        for (int i = 0; i < bad.length; i++) {
            CliFixtures.Run run = CliFixtures.saelab(bad[i]);
            assertNotEquals(0, run.exitCode(), String.join(" ", bad[i]));
            assertTrue(run.err().contains(expect[i]), String.join(" ", bad[i]) + " → " + run);
        }
        assertFalse(Files.exists(dir.resolve("m")), "nothing written");
    }
}
