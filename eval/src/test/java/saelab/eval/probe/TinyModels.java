package saelab.eval.probe;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.SafetensorsFile;
import saelab.model.safetensors.SafetensorsWriter;
import saelab.model.safetensors.TensorData;
import saelab.model.synthetic.RandomGemma2Checkpoint;
import saelab.model.synthetic.SyntheticTokenizer;
import saelab.model.tokenizer.GemmaTokenizer;

/** Tiny random Gemma-2 checkpoints with a synthetic tokenizer, for the probing tests (and the model experiment's). */
public final class TinyModels {
    private TinyModels() {}

    static final String EMBEDDING = "model.embed_tokens.weight";

    /** config.json, model.safetensors (f32) and tokenizer.json of {@link GemmaConfig#tiny()} in dir. */
    static GemmaConfig write(Path dir, long seed) {
        GemmaConfig config = GemmaConfig.tiny();
        RandomGemma2Checkpoint.write(dir, RandomGemma2Checkpoint.Spec.of(config, Dtype.F32, seed), bytes -> { });
        SyntheticTokenizer.write(dir, config.vocabSize(), seed);
        return config;
    }

    /** {@code t} with another vocabulary size (a larger synthetic vocabulary holds more whole words). */
    public static GemmaConfig withVocab(GemmaConfig t, int vocab) {
        return new GemmaConfig(vocab, t.hiddenSize(), t.intermediateSize(), t.numHiddenLayers(), t.numAttentionHeads(),
                t.numKeyValueHeads(), t.headDim(), t.queryPreAttnScalar(), t.rmsNormEps(), t.ropeTheta(), t.attnLogitSoftcapping(),
                t.finalLogitSoftcapping(), t.slidingWindow(), t.maxPositionEmbeddings(), t.hiddenActivation(), t.tieWordEmbeddings(),
                t.bosTokenId(), t.eosTokenIds(), t.padTokenId(), t.torchDtype());
    }

    /** The words of the vocabulary: every token "▁letters" (a–z only), without the "▁". */
    public static List<String> vocabularyWords(GemmaTokenizer tokenizer) {
        List<String> list = new ArrayList<>();
        for (int id = 0; id < tokenizer.vocabSize(); id++) {
            String tok = tokenizer.token(id);
            if (tok.length() > 1 && tok.startsWith("▁") && tok.substring(1).chars().allMatch(ch -> ch >= 'a' && ch <= 'z')) list.add(tok.substring(1));
        }
        return list;
    }

    /** The embedding table [vocab × hidden] of dir's model.safetensors. */
    public static float[] embedding(Path dir) {
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            return f.tensor(EMBEDDING).toFloatArray();
        }
    }

    /** Replaces the embedding table [vocab × hidden] of dir's model.safetensors (rewritten atomically). */
    public static void replaceEmbedding(Path dir, float[] embedding) {
        Path file = dir.resolve("model.safetensors");
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String name : f.names()) {
                var v = f.tensor(name);
                float[] values = name.equals(EMBEDDING) ? embedding : v.toFloatArray();
                tensors.put(name, TensorData.f32(v.shape(), values));
            }
        }
        SafetensorsWriter.write(file, tensors);
    }
}
