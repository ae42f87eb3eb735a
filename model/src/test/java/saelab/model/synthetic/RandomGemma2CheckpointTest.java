package saelab.model.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.TensorStore;

class RandomGemma2CheckpointTest {
    @Test
    void valuesDoNotDependOnHowTheRangeIsCut() {
        float[] whole = new float[10_000];
        RandomGemma2Checkpoint.fill(42, 0.02, 0, whole, whole.length);
        float[] part = new float[3_001];
        RandomGemma2Checkpoint.fill(42, 0.02, 4_000, part, part.length); // crosses block boundaries unaligned
        assertArrayEquals(java.util.Arrays.copyOfRange(whole, 4_000, 7_001), part);
        double sumSq = 0;
        for (float v : whole) sumSq += v * v;
        // Sample std of 10⁴ normals is within ±3% of 0.02 with overwhelming probability (σ/√(2n) = 0.7%).
        assertEquals(0.02, Math.sqrt(sumSq / whole.length), 0.02 * 0.03);
    }

    @Test
    void writesEveryTensorShardedWhenLargeAndReportsProgress(@TempDir Path dir) throws Exception {
        GemmaConfig c = GemmaConfig.tiny();
        AtomicLong progress = new AtomicLong();
        long bytes = RandomGemma2Checkpoint.byteSize(c, Dtype.BF16);
        RandomGemma2Checkpoint.write(dir, RandomGemma2Checkpoint.Spec.of(c, Dtype.BF16, 3).withMaxShardBytes(bytes / 3 + 1), progress::set);
        assertEquals(bytes, progress.get());
        assertTrue(Files.exists(dir.resolve(TensorStore.INDEX_FILE)));
        assertEquals("bfloat16", GemmaConfig.read(dir).torchDtype());
        try (TensorStore s = TensorStore.open(dir)) {
            assertEquals(RandomGemma2Checkpoint.shapes(c).keySet(), s.names().stream().collect(java.util.stream.Collectors.toSet()));
            RandomGemma2Checkpoint.shapes(c).forEach((name, shape) -> assertArrayEquals(shape, s.tensor(name).shape(), name));
        }
    }
}
