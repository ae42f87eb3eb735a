package saelab.eval.probe;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.SafetensorsFile;
import saelab.model.safetensors.SafetensorsWriter;
import saelab.model.safetensors.TensorData;
import saelab.model.synthetic.RandomGemma2Checkpoint;
import saelab.model.synthetic.SyntheticTokenizer;

/** Tiny random Gemma-2 checkpoints with a synthetic tokenizer, for the probing tests. */
final class TinyModels {
    private TinyModels() {}

    /** config.json, model.safetensors (f32) and tokenizer.json of {@link GemmaConfig#tiny()} in dir. */
    static GemmaConfig write(Path dir, long seed) {
        GemmaConfig config = GemmaConfig.tiny();
        RandomGemma2Checkpoint.write(dir, RandomGemma2Checkpoint.Spec.of(config, Dtype.F32, seed), bytes -> { });
        SyntheticTokenizer.write(dir, config.vocabSize(), seed);
        return config;
    }

    /** Replaces the embedding table [vocab × hidden] of dir's model.safetensors (rewritten atomically). */
    static void replaceEmbedding(Path dir, float[] embedding) {
        Path file = dir.resolve("model.safetensors");
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String name : f.names()) {
                var v = f.tensor(name);
                float[] values = name.equals("model.embed_tokens.weight") ? embedding : v.toFloatArray();
                tensors.put(name, TensorData.f32(v.shape(), values));
            }
        }
        SafetensorsWriter.write(file, tensors);
    }
}
