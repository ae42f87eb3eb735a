package saelab.model.synthetic;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.ShardedSafetensorsWriter;
import saelab.model.safetensors.TensorData;
import saelab.tensor.kernels.Parallel;

/**
 * A Gemma-2 checkpoint with random weights and the real file layout: config.json and the
 * weights as model.safetensors, or as shards with model.safetensors.index.json once they pass
 * {@code maxShardBytes}. Linear and embedding weights are N(0, linearStd²) (transformers'
 * initializer_range is 0.02); norm weights are N(0, normStd²), so (1 + w) differs from 1 and a
 * forward pass that forgot the "1 +" would show it.
 *
 * <p>Values are generated while they are written, in blocks of {@value #BLOCK} elements, each
 * from its own generator seeded by (seed, tensor name, block): the file is the same whatever the
 * thread count, and memory stays at one write chunk per tensor even for the 1.2 GB embedding.
 */
public final class RandomGemma2Checkpoint {
    private RandomGemma2Checkpoint() {}

    static final int BLOCK = 4096;

    /** What to generate. Shards: Hugging Face's own default is 5 GB; gemma-2-2b in bf16 at 2 GB gives its 3 shards. */
    public record Spec(GemmaConfig config, Dtype dtype, long seed, double linearStd, double normStd, long maxShardBytes) {
        public Spec {
            if (!dtype.isFloatingPoint()) throw new IllegalArgumentException("weights need a floating-point dtype, not " + dtype);
        }

        public static Spec of(GemmaConfig config, Dtype dtype, long seed) {
            return new Spec(config, dtype, seed, 0.02, 0.1, 2_000_000_000L);
        }

        public Spec withStd(double linear, double norm) {
            return new Spec(config, dtype, seed, linear, norm, maxShardBytes);
        }

        public Spec withMaxShardBytes(long bytes) {
            return new Spec(config, dtype, seed, linearStd, normStd, bytes);
        }
    }

    /** Names and shapes of every tensor, in the order they are written (embedding, layers, final norm). */
    public static Map<String, long[]> shapes(GemmaConfig c) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        long h = c.hiddenSize(), q = (long) c.numAttentionHeads() * c.headDim(), kv = (long) c.numKeyValueHeads() * c.headDim();
        long ffn = c.intermediateSize();
        shapes.put("model.embed_tokens.weight", new long[] {c.vocabSize(), h});
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            shapes.put(p + "input_layernorm.weight", new long[] {h});
            shapes.put(p + "self_attn.q_proj.weight", new long[] {q, h});
            shapes.put(p + "self_attn.k_proj.weight", new long[] {kv, h});
            shapes.put(p + "self_attn.v_proj.weight", new long[] {kv, h});
            shapes.put(p + "self_attn.o_proj.weight", new long[] {h, q});
            shapes.put(p + "post_attention_layernorm.weight", new long[] {h});
            shapes.put(p + "pre_feedforward_layernorm.weight", new long[] {h});
            shapes.put(p + "mlp.gate_proj.weight", new long[] {ffn, h});
            shapes.put(p + "mlp.up_proj.weight", new long[] {ffn, h});
            shapes.put(p + "mlp.down_proj.weight", new long[] {h, ffn});
            shapes.put(p + "post_feedforward_layernorm.weight", new long[] {h});
        }
        shapes.put("model.norm.weight", new long[] {h});
        if (!c.tieWordEmbeddings()) shapes.put("lm_head.weight", new long[] {c.vocabSize(), h});
        return shapes;
    }

    /** Total bytes of the weights in {@code dtype}. */
    public static long byteSize(GemmaConfig c, Dtype dtype) {
        long n = 0;
        for (long[] s : shapes(c).values()) n += numel(s);
        return n * dtype.byteSize();
    }

    /**
     * Writes config.json and the weights into dir (each file atomically).
     * @param progress told the cumulative number of weight bytes written, after each chunk
     * @return the files written
     */
    public static List<Path> write(Path dir, Spec spec, LongConsumer progress) {
        List<Path> files = new ArrayList<>();
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        AtomicLong written = new AtomicLong();
        int per = spec.dtype().byteSize();
        for (var e : shapes(spec.config()).entrySet()) {
            String name = e.getKey();
            double std = e.getValue().length == 1 ? spec.normStd() : spec.linearStd();
            long seed = mix(spec.seed(), name.hashCode());
            tensors.put(name, TensorData.streamed(spec.dtype(), e.getValue(), (start, dst, count) -> {
                fill(seed, std, start, dst, count);
                progress.accept(written.addAndGet((long) count * per));
            }));
        }
        GemmaConfig c = spec.config();
        GemmaConfig withDtype = new GemmaConfig(c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(),
                c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.queryPreAttnScalar(), c.rmsNormEps(),
                c.ropeTheta(), c.attnLogitSoftcapping(), c.finalLogitSoftcapping(), c.slidingWindow(),
                c.maxPositionEmbeddings(), c.hiddenActivation(), c.tieWordEmbeddings(), c.bosTokenId(), c.eosTokenIds(),
                c.padTokenId(), torchDtype(spec.dtype()));
        files.addAll(ShardedSafetensorsWriter.write(dir, tensors, Map.of("format", "pt"), spec.maxShardBytes()));
        files.add(withDtype.write(dir));
        return files;
    }

    /** Elements [start, start + count) of a tensor whose blocks are seeded from {@code seed}. */
    static void fill(long seed, double std, long start, float[] dst, int count) {
        long firstBlock = start / BLOCK, lastBlock = (start + count - 1) / BLOCK;
        int blocks = (int) (lastBlock - firstBlock + 1);
        Parallel.forRange(blocks, i -> {
            long block = firstBlock + i;
            SplittableRandom random = new SplittableRandom(mix(seed, block));
            long blockStart = block * BLOCK;
            for (int j = 0; j < BLOCK; j++) {
                float value = (float) (random.nextGaussian() * std); // drawn even when skipped: the stream is fixed per block
                long at = blockStart + j - start;
                if (at >= 0 && at < count) dst[(int) at] = value;
            }
        });
    }

    private static String torchDtype(Dtype dtype) {
        return switch (dtype) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> "float32";
        };
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** SplitMix64's finalizer over a combination: well-spread seeds from nearby inputs. */
    static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
