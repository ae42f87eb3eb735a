package saelab.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
    @TempDir Path dir;

    private static Map<String, TensorData> sample(boolean reversed) {
        var entries = new java.util.ArrayList<>(List.of(
                Map.entry("b16", TensorData.bf16(new long[] {3}, new float[] {1, 2, 3})),
                Map.entry("ids", TensorData.i64(new long[] {2}, new long[] {5, 6})),
                Map.entry("a32", TensorData.f32(new long[] {1, 2}, new float[] {0.5f, -1})),
                Map.entry("h16", TensorData.f16(new long[] {1}, new float[] {2})),
                Map.entry("i32", TensorData.i32(new long[] {1}, new int[] {9}))));
        if (reversed) java.util.Collections.reverse(entries);
        Map<String, TensorData> m = new LinkedHashMap<>();
        entries.forEach(e -> m.put(e.getKey(), e.getValue()));
        return m;
    }

    @Test
    void layoutIsStableAndPaddedAsTheReferenceWritesIt() throws IOException {
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors");
        SafetensorsWriter.write(a, sample(false), Map.of("format", "pt"));
        SafetensorsWriter.write(b, sample(true), Map.of("format", "pt"));
        byte[] bytes = Files.readAllBytes(a);
        assertArrayEquals(bytes, Files.readAllBytes(b), "map order must not change the file");

        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "header padded to 8 bytes");
        String header = new String(bytes, 8, (int) n, java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"}"), header);
        assertTrue(header.stripTrailing().endsWith("}") && header.substring(header.lastIndexOf('}') + 1).isBlank());
        JsonNode json = SafetensorsHeader.JSON.readTree(header);
        // Largest element first (I64, then 4-byte in name order, then 2-byte), so each is aligned.
        List<String> order = json.properties().stream().map(Map.Entry::getKey).toList();
        assertEquals(List.of("__metadata__", "ids", "a32", "i32", "b16", "h16"), order);
        assertEquals("[0,16]", json.get("ids").get("data_offsets").toString());
        assertEquals("[16,24]", json.get("a32").get("data_offsets").toString());
        assertEquals(8 + n + 16 + 8 + 4 + 6 + 2, bytes.length);
    }

    @Test
    void writesRawSegmentsAndIntsWidenedToI64() {
        MemorySegment raw = MemorySegment.ofArray(new byte[] {0x00, 0x3C, 0x00, (byte) 0xC0}); // f16 1, -2
        Path f = dir.resolve("raw.safetensors");
        SafetensorsWriter.write(f, Map.of(
                "raw", TensorData.raw(Dtype.F16, new long[] {2}, raw),
                "wide", new TensorData(Dtype.I64, new long[] {2}, new TensorData.Ints(new int[] {-1, 7})),
                "lazy", TensorData.lazy(Dtype.BF16, new long[] {2}, () -> new float[] {1, 2})));
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertArrayEquals(new float[] {1, -2}, st.tensor("raw").toFloatArray());
            assertArrayEquals(new long[] {-1, 7}, st.tensor("wide").toLongArray());
            assertArrayEquals(new float[] {1, 2}, st.tensor("lazy").toFloatArray());
        }
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporary() throws IOException {
        Path f = dir.resolve("model.safetensors");
        SafetensorsWriter.write(f, sample(false));
        byte[] before = Files.readAllBytes(f);
        var e = assertThrows(SafetensorsException.class, () -> SafetensorsWriter.write(f, Map.of(
                "ok", TensorData.f32(new long[] {1}, new float[] {1}),
                "boom", TensorData.lazy(Dtype.F32, new long[] {4}, () -> { throw new IllegalStateException("generator failed"); }))));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("'boom'")
                && e.getMessage().contains("generator failed"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(f));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(f), s.toList());
        }
    }

    @Test
    void rejectsValuesThatDoNotFitTheShape() {
        assertThrows(IllegalArgumentException.class, () -> TensorData.f32(new long[] {2, 2}, new float[3]));
        assertThrows(IllegalArgumentException.class, () -> TensorData.of(Dtype.I32, new long[] {1}, new float[1]));
        assertThrows(IllegalArgumentException.class, () -> TensorData.f32(new long[] {-1}, new float[0]));
    }

    @Test
    void shardsSplitGreedilyWithAnHfIndex() throws IOException {
        Map<String, TensorData> t = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) t.put("w" + i, TensorData.f32(new long[] {4}, new float[] {i, i, i, i})); // 16 bytes each
        List<Path> files = ShardedSafetensorsWriter.write(dir, t, Map.of(), 40); // 2 + 2 + 1
        assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors", "model.safetensors.index.json"),
                files.stream().map(p -> p.getFileName().toString()).toList());
        JsonNode index = SafetensorsHeader.JSON.readTree(dir.resolve(TensorStore.INDEX_FILE).toFile());
        assertEquals(80, index.get("metadata").get("total_size").asLong());
        assertEquals("model-00002-of-00003.safetensors", index.get("weight_map").get("w3").asText());
        try (TensorStore store = TensorStore.open(dir)) {
            assertTrue(store instanceof ShardedSafetensors s && s.shards().size() == 3);
            assertArrayEquals(new float[] {4, 4, 4, 4}, store.tensor("w4").toFloatArray());
        }
        // Rewritten as one shard: plain model.safetensors, and the old index no longer applies.
        ShardedSafetensorsWriter.write(dir, t, Map.of(), 1 << 20);
        assertTrue(Files.notExists(dir.resolve(TensorStore.INDEX_FILE)));
        try (TensorStore store = TensorStore.open(dir)) {
            assertTrue(store instanceof SafetensorsFile);
            assertEquals(5, store.names().size());
        }
    }
}
