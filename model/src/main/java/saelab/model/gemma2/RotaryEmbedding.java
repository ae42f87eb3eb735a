package saelab.model.gemma2;

/**
 * Rotary position embedding in the rotate-half convention (Hugging Face's Llama/Gemma): the
 * head vector is split into halves x1 = x[0, d/2), x2 = x[d/2, d), and for i < d/2 with angle
 * θ_i = position · base^(−2i/d):
 * <pre>
 *   out[i]       = x1[i]·cos θ_i − x2[i]·sin θ_i
 *   out[i + d/2] = x2[i]·cos θ_i + x1[i]·sin θ_i
 * </pre>
 * (not the interleaved pairs (x[2i], x[2i+1]) of the original paper). Frequencies and angles are
 * computed in float32 as transformers does, so long positions round the same way.
 */
final class RotaryEmbedding {
    private final int headDim;
    private final float[] inverseFrequency; // [headDim / 2]

    RotaryEmbedding(int headDim, double base) {
        if (headDim % 2 != 0) throw new IllegalArgumentException("head_dim must be even for rotary embeddings: " + headDim);
        this.headDim = headDim;
        this.inverseFrequency = new float[headDim / 2];
        for (int i = 0; i < headDim / 2; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            inverseFrequency[i] = 1f / (float) StrictMath.pow((float) base, exponent);
        }
    }

    /** cos and sin of every angle for positions [first, first + count): row t holds position first + t. */
    record Table(int first, int count, int half, float[] cos, float[] sin) {}

    /**
     * StrictMath, not Math: Math's sin and cos may come from different code in the interpreter and
     * in compiled code; fdlibm's are the same bits everywhere, so a pass does not depend on the JIT.
     */
    Table table(int first, int count) {
        int half = headDim / 2;
        float[] cos = new float[count * half], sin = new float[count * half];
        for (int t = 0; t < count; t++) {
            float position = first + t;
            for (int i = 0; i < half; i++) {
                float angle = position * inverseFrequency[i];
                cos[t * half + i] = (float) StrictMath.cos(angle);
                sin[t * half + i] = (float) StrictMath.sin(angle);
            }
        }
        return new Table(first, count, half, cos, sin);
    }

    /** Rotates the head vector x[off, off + headDim) in place, for the position at row {@code t} of the table. */
    static void rotate(float[] x, int off, Table table, int t) {
        int half = table.half(), row = t * half;
        for (int i = 0; i < half; i++) {
            float x1 = x[off + i], x2 = x[off + half + i];
            float c = table.cos()[row + i], s = table.sin()[row + i];
            x[off + i] = x1 * c - x2 * s;
            x[off + half + i] = x2 * c + x1 * s;
        }
    }
}
