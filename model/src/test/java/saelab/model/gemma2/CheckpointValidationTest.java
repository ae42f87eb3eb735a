package saelab.model.gemma2;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.SafetensorsWriter;
import saelab.model.safetensors.TensorData;
import saelab.model.safetensors.TensorStore;
import saelab.model.synthetic.RandomGemma2Checkpoint;

/** A checkpoint that does not match its config is refused on load, every problem named. */
class CheckpointValidationTest {
    static final GemmaConfig CONFIG = TestCheckpoints.config(30, 8, 12, 2, 2, 1, 4, 4, 4, 50.0, 30.0, 10000, true);

    @Test
    void missingAndMisshapenTensorsAreAllNamedWithTheExpectedShape(@TempDir Path dir) {
        CONFIG.write(dir);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        RandomGemma2Checkpoint.shapes(CONFIG).forEach((name, shape) -> tensors.put(name,
                TensorData.f32(shape, new float[(int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b)])));
        tensors.remove("model.layers.1.mlp.up_proj.weight");
        tensors.put("model.layers.0.self_attn.k_proj.weight", TensorData.f32(new long[] {8, 8}, new float[64]));
        tensors.put("model.norm.weight", TensorData.i32(new long[] {8}, new int[8]));
        SafetensorsWriter.write(dir.resolve(TensorStore.SINGLE_FILE), tensors);

        var e = assertThrows(CheckpointException.class, () -> Gemma2Model.load(dir));
        String m = e.getMessage();
        assertTrue(m.contains("3 problems"), m);
        assertTrue(m.contains("'model.layers.1.mlp.up_proj.weight' is missing (expected [12, 8] [intermediate_size, hidden_size])"), m);
        assertTrue(m.contains("'model.layers.0.self_attn.k_proj.weight' in model.safetensors has shape [8, 8], expected [4, 8]"), m);
        assertTrue(m.contains("'model.norm.weight' in model.safetensors has dtype I32"), m);
    }

    @Test
    void untiedConfigNeedsAnLmHead(@TempDir Path dir) {
        RandomGemma2Checkpoint.write(dir, RandomGemma2Checkpoint.Spec.of(CONFIG, Dtype.BF16, 1), b -> { });
        GemmaConfig untied = TestCheckpoints.config(30, 8, 12, 2, 2, 1, 4, 4, 4, 50.0, 30.0, 10000, false);
        untied.write(dir); // config now says untied; the weights have no lm_head
        var e = assertThrows(CheckpointException.class, () -> Gemma2Model.load(dir));
        assertTrue(e.getMessage().contains("'lm_head.weight' is missing (expected [30, 8]"), e.getMessage());
    }

    @Test
    void floatWeightsThatCannotFitTheHeapAreRefusedWithTheHeapTheyNeed(@TempDir Path dir) {
        Path f32 = dir.resolve("f32"), bf16 = dir.resolve("bf16");
        RandomGemma2Checkpoint.write(f32, RandomGemma2Checkpoint.Spec.of(CONFIG, Dtype.F32, 1), b -> { });
        RandomGemma2Checkpoint.write(bf16, RandomGemma2Checkpoint.Spec.of(CONFIG, Dtype.BF16, 1), b -> { });
        long bytes = 0;
        try (TensorStore store = TensorStore.open(f32)) {
            for (String n : store.names()) bytes += 4 * store.tensor(n).numel();
        }
        long need = bytes + Gemma2Model.HEAP_HEADROOM;
        try (TensorStore store = TensorStore.open(f32)) {
            Gemma2Model.requireHeapForFloatWeights(f32, store, need); // exactly enough
            var e = assertThrows(CheckpointException.class, () -> Gemma2Model.requireHeapForFloatWeights(f32, store, need - 1));
            assertTrue(e.getMessage().startsWith(f32 + ": its F32/F16 weights are read into float arrays"), e.getMessage());
            // the weights plus 1 GB, rounded up to whole GB
            assertTrue(e.getMessage().contains("SAELAB_JAVA_OPTS=-Xmx2g"), e.getMessage());
        }
        try (TensorStore store = TensorStore.open(bf16)) {
            Gemma2Model.requireHeapForFloatWeights(bf16, store, 0); // bf16 stays mapped: no heap needed
        }
    }
}
