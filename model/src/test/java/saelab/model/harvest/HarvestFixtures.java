package saelab.model.harvest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.SafetensorsFile;
import saelab.model.synthetic.RandomGemma2Checkpoint;
import saelab.model.synthetic.SyntheticTokenizer;

/** A tiny random checkpoint, a small text corpus, and a reader of harvest folders, for the harvest tests. */
final class HarvestFixtures {
    private HarvestFixtures() {}

    static final String[] WORDS = {"the", "sparse", "autoencoder", "finds", "features", "in", "a", "model's", "residual",
            "stream", "of", "gemma", "tokens", "and", "layers", "café", "42", "—", "reads", "writes"};

    /** gemma-2 "tiny" (4 layers, hidden 64, window 8) with weights large enough to be far from trivial. */
    static Path checkpoint(Path dir, long seed) {
        GemmaConfig config = GemmaConfig.tiny();
        RandomGemma2Checkpoint.write(dir, RandomGemma2Checkpoint.Spec.of(config, Dtype.F32, seed).withStd(0.3, 0.3), b -> { });
        SyntheticTokenizer.write(dir, config.vocabSize(), seed);
        return dir;
    }

    /** Documents of 1 to 40 words, one per line. */
    static List<String> documents(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<String> docs = new ArrayList<>();
        for (int d = 0; d < count; d++) {
            StringBuilder sb = new StringBuilder();
            int words = 1 + r.nextInt(40);
            for (int w = 0; w < words; w++) sb.append(w == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
            docs.add(sb.toString());
        }
        return docs;
    }

    static Path textFile(Path file, List<String> docs) throws Exception {
        return Files.writeString(file, String.join("\n", docs) + "\n");
    }

    /** Every row of a harvest folder, shards concatenated in manifest order. */
    record Rows(HarvestManifest manifest, float[] activations, int[] tokenIds, long[] sequence, int[] position) {
        int count() {
            return tokenIds.length;
        }
    }

    static Rows read(Path dir) {
        HarvestManifest m = HarvestManifest.read(dir);
        int n = Math.toIntExact(m.tokens()), d = m.hiddenSize();
        float[] a = new float[n * d];
        int[] ids = new int[n], pos = new int[n];
        long[] seq = new long[n];
        for (HarvestManifest.Shard s : m.shards()) {
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(s.file()))) {
                int at = (int) s.firstRow();
                System.arraycopy(f.tensor(HarvestManifest.ACTIVATIONS).toFloatArray(), 0, a, at * d, s.rows() * d);
                System.arraycopy(f.tensor(HarvestManifest.TOKEN_IDS).toIntArray(), 0, ids, at, s.rows());
                System.arraycopy(f.tensor(HarvestManifest.SEQUENCE).toLongArray(), 0, seq, at, s.rows());
                System.arraycopy(f.tensor(HarvestManifest.POSITION).toIntArray(), 0, pos, at, s.rows());
            }
        }
        return new Rows(m, a, ids, seq, pos);
    }
}
