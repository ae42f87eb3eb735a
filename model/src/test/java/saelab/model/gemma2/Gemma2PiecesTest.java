package saelab.model.gemma2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.Dtype;
import saelab.tensor.kernels.VectorOps;

/**
 * Known answers for each piece of the forward pass, worked by hand. Tolerances: 1e-6 absolute
 * on values of order 1 is a few float32 ulps (the computations are a handful of float ops).
 */
class Gemma2PiecesTest {
    static final float EPS = 1e-6f;

    @Test
    void rmsNormScalesByOnePlusWeight() {
        // x = [1, 2, 3, 4]: mean(x²) = 30/4, rms = √7.5 = 2.7386128; w = [0, 0.5, −1, 1] → factors [1, 1.5, 0, 2].
        float[] x = {1, 2, 3, 4}, out = new float[4];
        float[] factor = Gemma2Weights.normScale(new float[] {0f, 0.5f, -1f, 1f});
        assertArrayEquals(new float[] {1f, 1.5f, 0f, 2f}, factor);
        VectorOps.rmsNormRows(x, 0, out, 0, 1, 4, factor, 0, 1e-6f);
        double rms = Math.sqrt(7.5 + 1e-6);
        assertArrayEquals(new float[] {(float) (1 / rms), (float) (3 / rms), 0f, (float) (8 / rms)}, out, EPS);
    }

    @Test
    void rotaryRotatesHalvesNotInterleavedPairs() {
        // head_dim 4, base 10000: θ = [1, 10000^(−1/2) = 0.01]. Pairs are (x0, x2) by θ0 and (x1, x3) by θ1.
        RotaryEmbedding rope = new RotaryEmbedding(4, 10000);
        float[] x = {1, 2, 3, 4};
        RotaryEmbedding.rotate(x, 0, rope.table(1, 1), 0);
        double c0 = Math.cos(1), s0 = Math.sin(1), c1 = Math.cos(0.01), s1 = Math.sin(0.01);
        assertArrayEquals(new float[] {(float) (1 * c0 - 3 * s0), (float) (2 * c1 - 4 * s1),
                (float) (3 * c0 + 1 * s0), (float) (4 * c1 + 2 * s1)}, x, EPS);
    }

    @Test
    void rotaryAtPositionZeroIsTheIdentityAndOnlyRelativePositionsMatter() {
        RotaryEmbedding rope = new RotaryEmbedding(8, 10000);
        float[] q = {0.3f, -1f, 2f, 0.5f, 1f, 1.5f, -0.7f, 0.2f}, k = {1f, 0.1f, -0.4f, 2f, 0.3f, -1f, 0.8f, 0.6f};
        float[] q0 = q.clone();
        RotaryEmbedding.rotate(q0, 0, rope.table(0, 1), 0);
        assertArrayEquals(q, q0);
        // q at 7 and k at 3 score the same as q at 14 and k at 10: rotary encodes the offset only.
        RotaryEmbedding.Table t = rope.table(0, 15);
        float[] qa = q.clone(), ka = k.clone(), qb = q.clone(), kb = k.clone();
        RotaryEmbedding.rotate(qa, 0, t, 7);
        RotaryEmbedding.rotate(ka, 0, t, 3);
        RotaryEmbedding.rotate(qb, 0, t, 14);
        RotaryEmbedding.rotate(kb, 0, t, 10);
        assertEquals(VectorOps.dot(qa, 0, ka, 0, 8), VectorOps.dot(qb, 0, kb, 0, 8), 1e-5);
    }

    @Test
    void attentionSoftCapsScoresBeforeTheSoftmax() {
        // One-dimensional head: q = 1, keys 2 and 0 at positions 0, 1, values 10 and 20, scale 1.
        float[] q = {1}, keys = {2, 0}, values = {10, 20}, scores = new float[2], out = new float[1];
        Attention.attend(q, 0, keys, values, 0, 1, 1, Integer.MAX_VALUE, 1f, null, scores, out, 0);
        double p = Math.exp(2) / (Math.exp(2) + 1); // softmax([2, 0])[0] = 0.8808
        assertEquals(10 * p + 20 * (1 - p), out[0], 1e-5);
        // cap 1: scores become [tanh 2, 0] = [0.9640, 0]: softmax[0] = 0.7239.
        Attention.attend(q, 0, keys, values, 0, 1, 1, Integer.MAX_VALUE, 1f, 1f, scores, out, 0);
        double pc = Math.exp(Math.tanh(2)) / (Math.exp(Math.tanh(2)) + 1);
        assertEquals(10 * pc + 20 * (1 - pc), out[0], 1e-5);
        // Scores scale by the given factor (query_pre_attn_scalar^−½) before capping: 0.5 → [1, 0].
        Attention.attend(q, 0, keys, values, 0, 1, 1, Integer.MAX_VALUE, 0.5f, null, scores, out, 0);
        double ph = Math.exp(1) / (Math.exp(1) + 1);
        assertEquals(10 * ph + 20 * (1 - ph), out[0], 1e-5);
    }

    @Test
    void groupedQueryHeadsShareConsecutiveKeyValueHeads() {
        // 8 query heads over 2 kv heads: heads 0-3 read kv 0, heads 4-7 read kv 1 (not h mod 2).
        int[] expected = {0, 0, 0, 0, 1, 1, 1, 1};
        for (int h = 0; h < 8; h++) assertEquals(expected[h], Attention.kvHeadOf(h, 8, 2), "head " + h);
        for (int h = 0; h < 6; h++) assertEquals(h / 2, Attention.kvHeadOf(h, 6, 3), "head " + h);
        for (int h = 0; h < 4; h++) assertEquals(0, Attention.kvHeadOf(h, 4, 1), "head " + h);
    }

    @Test
    void slidingWindowSeesOnlyTheLastWindowPositions() {
        // Scores all equal (q = 0), value at position j is j: the output is the mean of the visible positions.
        int length = 10, window = 3;
        float[] q = {0}, keys = new float[length], values = new float[length], scores = new float[length], out = new float[1];
        for (int j = 0; j < length; j++) { keys[j] = 1; values[j] = j; }
        for (int p = 0; p < length; p++) {
            Attention.attend(q, 0, keys, values, 0, 1, p, window, 1f, 50f, scores, out, 0);
            int first = Math.max(0, p - window + 1);
            assertEquals((first + p) / 2.0, out[0], 1e-5, "position " + p);
            Attention.attend(q, 0, keys, values, 0, 1, p, Integer.MAX_VALUE, 1f, 50f, scores, out, 0);
            assertEquals(p / 2.0, out[0], 1e-5, "global attention at position " + p);
        }
    }

    @Test
    void onlyEvenLayersSlide(@TempDir Path dir) {
        // Window 4, 10 positions: changing token 0 cannot reach positions ≥ 4 through layer 0
        // (sliding) but does through layer 1 (global). The MLP and norms act per position.
        GemmaConfig c = TestCheckpoints.config(40, 16, 24, 2, 2, 1, 8, 8, 4, 50.0, 30.0, 10000, true);
        TestCheckpoints.write(dir, c, Dtype.F32, 3, Long.MAX_VALUE);
        int[] a = {5, 9, 1, 7, 3, 3, 8, 2, 11, 6}, b = a.clone();
        b[0] = 30;
        try (Gemma2Model model = Gemma2Model.load(dir)) {
            ForwardResult ra = model.forward(new int[][] {a}, Hooks.none().capture(0).capture(1));
            ForwardResult rb = model.forward(new int[][] {b}, Hooks.none().capture(0).capture(1));
            int h = c.hiddenSize();
            for (int p = 0; p < a.length; p++) {
                float[] l0a = slice(ra.residual(0), p, h), l0b = slice(rb.residual(0), p, h);
                float[] l1a = slice(ra.residual(1), p, h), l1b = slice(rb.residual(1), p, h);
                if (p >= 4) {
                    TestCheckpoints.assertSameComputation(l0b, l0a, "layer 0 position " + p + " must not see position 0");
                    assertTrue(TestCheckpoints.relativeError(l1b, l1a) > 1e-3, "layer 1 position " + p + " must see position 0");
                } else {
                    assertTrue(TestCheckpoints.relativeError(l0b, l0a) > 1e-3, "layer 0 position " + p + " is within the window of position 0");
                }
            }
        }
    }

    private static float[] slice(float[] x, int row, int width) {
        return java.util.Arrays.copyOfRange(x, row * width, (row + 1) * width);
    }
}
