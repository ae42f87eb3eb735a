package saelab.model.gemma2;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.Dtype;
import saelab.model.synthetic.RandomGemma2Checkpoint;

/** Tiny random Gemma-2 checkpoints in the real file format, for tests. */
final class TestCheckpoints {
    private TestCheckpoints() {}

    /** A config with the given shape; the rest as gemma-2 (eps 1e-6, gelu-tanh, tied embeddings). */
    static GemmaConfig config(int vocab, int hidden, int ffn, int layers, int heads, int kvHeads, int headDim,
                              double queryPreAttnScalar, int window, Double attnCap, Double finalCap,
                              double ropeTheta, boolean tied) {
        return new GemmaConfig(vocab, hidden, ffn, layers, heads, kvHeads, headDim, queryPreAttnScalar, 1e-6,
                ropeTheta, attnCap, finalCap, window, 512, "gelu_pytorch_tanh", tied, 2, List.of(1), 0, "float32");
    }

    /**
     * Writes a checkpoint with weights large enough (std 0.3, norms 0.3) that attention is far
     * from uniform, the soft-caps bend and (1 + w) differs clearly from 1.
     */
    static Path write(Path dir, GemmaConfig config, Dtype dtype, long seed, long maxShardBytes) {
        RandomGemma2Checkpoint.write(dir, RandomGemma2Checkpoint.Spec.of(config, dtype, seed)
                .withStd(0.3, 0.3).withMaxShardBytes(maxShardBytes), bytes -> { });
        return dir;
    }

    static int[][] randomIds(int batch, int length, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[][] ids = new int[batch][length];
        for (int[] s : ids) for (int t = 0; t < length; t++) s[t] = r.nextInt(vocab);
        return ids;
    }

    static int[] flat(int[][] ids) {
        int length = ids[0].length;
        int[] out = new int[ids.length * length];
        for (int b = 0; b < ids.length; b++) System.arraycopy(ids[b], 0, out, b * length, length);
        return out;
    }

    /**
     * Two runs of the same computation give the same bits: every reduction and transcendental of
     * the model path has a fixed order (see ForwardDeterminismTest), and a row's GEMM result does
     * not depend on the other rows of its batch.
     */
    static void assertSameComputation(float[] a, float[] b, String what) {
        if (a.length != b.length) throw new AssertionError(what + ": lengths " + a.length + " and " + b.length);
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                throw new AssertionError(what + ": value " + i + " is " + a[i] + ", expected " + b[i] + " bit for bit");
            }
        }
    }

    /** ‖a − ref‖₂ / ‖ref‖₂ over the whole tensor. */
    static double relativeError(float[] a, double[] ref) {
        if (a.length != ref.length) throw new AssertionError("lengths " + a.length + " and " + ref.length);
        double diff = 0, norm = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (a[i] - ref[i]) * (a[i] - ref[i]);
            norm += ref[i] * ref[i];
        }
        return Math.sqrt(diff / norm);
    }

    static double relativeError(float[] a, float[] ref) {
        double[] d = new double[ref.length];
        for (int i = 0; i < d.length; i++) d[i] = ref[i];
        return relativeError(a, d);
    }
}
