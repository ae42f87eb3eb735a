package saelab.train.sae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import saelab.tensor.NoGrad;
import saelab.tensor.Tensor;

/** JumpReLU SAE: encoding against hand computation, initialisation, the projection, the warm-up, bad input. */
class JumpReluSaeTest {

    // d = 2, m = 3. W_enc [d, m] rows (1, 0, −1) and (0, 2, 1); b_enc (0.1, −0.2, 0); θ (0.5, 0.5, 0.2); b_dec (1, −1).
    static JumpReluSae fixed(boolean applyBDec) {
        float[] wEnc = {1, 0, -1, 0, 2, 1};
        float[] wDec = {1, 0, 0, 1, 1, 1};
        JumpReluParams p = JumpReluParams.of(2, 3, wEnc, new float[] {0.1f, -0.2f, 0}, wDec, new float[] {1, -1}, new float[] {0.5f, 0.5f, 0.2f});
        return new JumpReluSae(new JumpReluSae.Config(2, 3, 0.001, 0.001, applyBDec), p);
    }

    /** Rows x = (2, 0.5) and (0, 0). */
    static final float[] X = {2, 0.5f, 0, 0};

    /**
     * Without b_dec on the input: row 0 pre = (2·1 + 0.1, 0.5·2 − 0.2, −2 + 0.5) = (2.1, 0.8, −1.5):
     * latents 0 and 1 clear θ = 0.5; row 1 pre = (0.1, −0.2, 0) fires nothing, so its two slots
     * are padding (latent 0, value 0). Float32 rounds each value once or twice: within 1e-6.
     */
    @Test
    void encodingWithoutBDecMatchesHandComputation() {
        SparseCodes s = fixed(false).encode(X, 2);
        assertEquals(2, s.k(), "k is the most latents any row fires");
        assertArrayEquals(new int[] {0, 1, 0, 0}, s.idx(), "row 1's slots are padding");
        assertArrayEquals(new float[] {2.1f, 0.8f, 0, 0}, s.val(), 1e-6f);
    }

    /**
     * With b_dec on the input, x − b_dec = (1, 1.5) and (−1, 1): row 0 pre = (1.1, 2.8, 0.5), all
     * above θ (0.5 &gt; 0.2 for latent 2); row 1 pre = (−0.9, 1.8, 2.0): latents 1 and 2.
     */
    @Test
    void encodingWithBDecOnTheInputMatchesHandComputation() {
        SparseCodes s = fixed(true).encode(X, 2);
        assertEquals(3, s.k());
        assertArrayEquals(new int[] {0, 1, 2, 1, 2, 0}, s.idx());
        assertArrayEquals(new float[] {1.1f, 2.8f, 0.5f, 1.8f, 2.0f, 0}, s.val(), 1e-6f);
    }

    /** A pre-activation equal to θ does not fire (H(0) = 0, torch's x &gt; threshold): here pre = 0.5 = θ exactly. */
    @Test
    void preActivationAtTheThresholdDoesNotFire() {
        JumpReluSae sae = fixed(false);
        // x = (0.4, 0): pre_0 = 0.4 + 0.1 = 0.5 (exact in float32? 0.4f + 0.1f rounds to 0.5f), θ_0 = 0.5.
        float[] x = {0.4f, 0};
        float pre0 = 0.4f * 1 + 0.1f;
        assertEquals(0.5f, pre0, 0f, "the case needs pre exactly at θ");
        SparseCodes s = sae.encode(x, 1);
        assertEquals(0f, s.val()[0], 0f, "latent 0 sits exactly at θ and must not fire");
    }

    /** The codes decode to the forward pass's reconstruction, and carry exactly its non-zero latents. */
    @Test
    void codesDecodeToTheForwardReconstruction() {
        JumpReluSae sae = JumpReluSae.init(new JumpReluSae.Config(16, 40, 0.05, 0.3, true), 77);
        float[] x = Tensor.randn(78, 9, 16).toArray();
        SparseCodes codes = sae.encode(x, 9);
        try (var g = NoGrad.enter()) {
            JumpReluSae.Forward fw = sae.forward(x, 9);
            long nonZero = 0;
            for (float v : fw.latents().data()) if (v != 0) nonZero++;
            long slots = 0;
            for (float v : codes.val()) if (v != 0) slots++;
            assertEquals(nonZero, slots, "every firing latent and nothing else");
            assertTrue(nonZero > 0 && nonZero < 9 * 40, "the case must fire some latents and not all: " + nonZero);
            float[] viaCodes = SparseDecoder.decode(Tensor.wrap(codes.val(), 0, 9, codes.k()), codes.idx(), sae.params().base().wDec(), sae.params().base().bDec()).toArray();
            // Both sum the same ≤ 40 products per entry of size ~1 in different orders: 40·u·|terms| ≤ 1e-4.
            assertArrayEquals(fw.reconstruction().toArray(), viaCodes, 1e-4f);
        }
    }

    @Test
    void initialisationFollowsDictionaryLearning() {
        int d = 7, m = 11;
        JumpReluSae sae = JumpReluSae.init(JumpReluSae.Config.of(d, m), 5);
        JumpReluParams p = sae.params();
        float[] wDec = p.base().wDec().toArray(), wEnc = p.base().wEnc().toArray();
        for (int j = 0; j < m; j++) {
            double n = 0;
            for (int e = 0; e < d; e++) {
                n += wDec[j * d + e] * wDec[j * d + e];
                assertEquals(wDec[j * d + e], wEnc[e * m + j], 0f, "W_enc = W_decᵀ");
            }
            assertEquals(1, Math.sqrt(n), 1e-6, "decoder row " + j + " has unit norm");
        }
        assertArrayEquals(new float[m], p.base().bEnc().toArray());
        assertArrayEquals(new float[d], p.base().bDec().toArray());
        for (float t : p.threshold().toArray()) assertEquals(0.001f, t, 0f, "θ starts at 0.001");
        assertEquals(List.of("W_enc", "b_enc", "W_dec", "b_dec", "threshold"), JumpReluParams.NAMES);
        assertEquals(5, p.list().size());
        assertTrue(p.list().stream().allMatch(Tensor::requiresGrad), "every parameter is trained");
    }

    /**
     * The projection: the W_dec gradient loses its part along each row, rows return to unit norm
     * after the step, and a threshold pushed below 0 is clamped to 0 while the others stay.
     */
    @Test
    void projectionKeepsUnitRowsAndNonNegativeThresholds() {
        int d = 5, m = 4;
        JumpReluSae sae = JumpReluSae.init(new JumpReluSae.Config(d, m, 0.1, 0.2, false), 9);
        float[] x = Tensor.randn(10, 6, d).toArray();
        JumpReluLoss.compute(sae, x, 6, 0, new JumpReluLoss.Settings(0.1, 0, 0)).total().backward();
        sae.constrainGradient();
        float[] w = sae.params().base().wDec().data(), g = sae.params().base().wDec().gradData();
        double gradNorm = 0;
        for (int j = 0; j < m; j++) {
            double dot = 0;
            for (int e = 0; e < d; e++) { dot += w[j * d + e] * g[j * d + e]; gradNorm += g[j * d + e] * g[j * d + e]; }
            assertEquals(0, dot, 1e-6, "gradient row " + j + " still has a part along its decoder row");
        }
        assertTrue(gradNorm > 0, "the case must give W_dec a gradient");
        for (int i = 0; i < w.length; i++) w[i] *= 1 + 0.1f * (i % 3);
        float[] theta = sae.params().threshold().data();
        theta[1] = -0.3f;
        theta[2] = 0.7f;
        sae.project();
        for (int j = 0; j < m; j++) {
            double n = 0;
            for (int e = 0; e < d; e++) n += w[j * d + e] * w[j * d + e];
            assertEquals(1, Math.sqrt(n), 1e-6, "row " + j + " renormalised");
        }
        assertArrayEquals(new float[] {0.2f, 0f, 0.7f, 0.2f}, theta, 0f);
    }

    /** λ(t) = λ·min(1, t / warm-up): 0 at step 0, half way at half the warm-up, λ after; λ throughout without warm-up. */
    @Test
    void l0CoefficientWarmsUpLinearly() {
        JumpReluLoss.Settings s = new JumpReluLoss.Settings(2.0, 100, 0);
        assertEquals(0, s.coefficientAt(0), 0);
        assertEquals(1.0, s.coefficientAt(50), 1e-15);
        assertEquals(2.0, s.coefficientAt(100), 0);
        assertEquals(2.0, s.coefficientAt(1000), 0);
        assertEquals(2.0, new JumpReluLoss.Settings(2.0, 0, 0).coefficientAt(0), 0);
    }

    /** Bad settings fail with one line naming the setting and what was expected. */
    @Test
    void badSettingsAreOneClearLine() {
        for (Runnable bad : List.<Runnable>of(
                () -> new JumpReluSae.Config(4, 8, 0, 0.001, false),
                () -> new JumpReluSae.Config(4, 8, 0.001, -1, false),
                () -> new JumpReluLoss.Settings(-1, 0, 0),
                () -> JumpReluParams.of(1, 2, new float[2], new float[2], new float[2], new float[1], new float[3]),
                () -> fixed(false).encode(new float[3], 2))) {
            String msg = assertThrows(IllegalArgumentException.class, bad::run).getMessage();
            assertFalse(msg.contains("\n") || msg.contains("Exception"), "one plain line: " + msg);
            assertTrue(msg.contains("JumpReLU") || msg.contains("batch"), "names what is wrong: " + msg);
        }
    }
}
