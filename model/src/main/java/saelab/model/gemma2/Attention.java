package saelab.model.gemma2;

import java.util.Arrays;
import saelab.tensor.kernels.VectorOps;

/** Gemma-2's attention for one query vector, and the head and window arithmetic around it. */
final class Attention {
    private Attention() {}

    /**
     * The key/value head that query head {@code h} reads: query heads [g·n, (g+1)·n) share kv head
     * g, n = heads / kvHeads (transformers' repeat_kv repeats each kv head n times in place).
     */
    static int kvHeadOf(int h, int heads, int kvHeads) {
        return h / (heads / kvHeads);
    }

    /** First key position a query at {@code position} may see: causal, and at most {@code window} positions back (itself included). */
    static int firstVisible(int position, int window) {
        return Math.max(0, position - window + 1);
    }

    /**
     * out[outOff, +headDim) = Σ_j softmax_j(cap·tanh(q·k_j·scale / cap)) · v_j over the visible
     * key positions j (see {@link #firstVisible}) up to {@code position}; key j is at
     * keys[base + j·headDim]. Capping comes before masking, as in transformers; masked positions
     * take no part at all (exp(−∞) = 0 there). {@code cap} null: no capping.
     * {@code scores} is scratch of at least position + 1 floats.
     */
    static void attend(float[] q, int qOff, float[] keys, float[] values, int base, int headDim,
                       int position, int window, float scale, Float cap,
                       float[] scores, float[] out, int outOff) {
        int first = firstVisible(position, window), count = position - first + 1;
        for (int j = 0; j < count; j++) {
            scores[j] = VectorOps.dot(q, qOff, keys, base + (first + j) * headDim, headDim) * scale;
        }
        if (cap != null) VectorOps.softCap(scores, 0, count, cap);
        VectorOps.softmaxRows(scores, 0, 1, count, count);
        Arrays.fill(out, outOff, outOff + headDim, 0f);
        for (int j = 0; j < count; j++) {
            VectorOps.axpy(scores[j], values, base + (first + j) * headDim, out, outOff, headDim);
        }
    }
}
