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

/** Gated SAE: encoding against hand computation, initialisation, the projection, the warm-up, bad input. */
class GatedSaeTest {

    /**
     * d = 2, m = 2: W_enc [d, m] rows (1, −1) and (0.5, 2); b_gate (0, −1); r_mag (ln 2, 0), so
     * exp(r_mag) = (2, 1); b_mag (−0.5, 0.3); b_dec (0.5, 0).
     */
    static GatedSae fixed() {
        GatedParams p = GatedParams.of(2, 2, new float[] {1, -1, 0.5f, 2}, new float[] {0, -1}, new float[] {(float) Math.log(2), 0},
                new float[] {-0.5f, 0.3f}, new float[] {1, 0, 0, 1}, new float[] {0.5f, 0});
        return new GatedSae(new GatedSae.Config(2, 2), p);
    }

    /**
     * Row 0, x = (1.5, 1): x − b_dec = (1, 1), x·W_enc = (1.5, 1); π_gate = (1.5, 0): latent 1's
     * gate sits exactly at 0 and stays shut although π_mag = 1 + 0.3 = 1.3 &gt; 0; latent 0:
     * π_mag = 2·1.5 − 0.5 = 2.5. Row 1, x = (0.5, −1): x − b_dec = (0, −1), π_gate = (−0.5, −3):
     * nothing fires. Row 2, x = (0.5, 1): x − b_dec = (0, 1), x·W_enc = (0.5, 2), π_gate = (0.5, 1),
     * π_mag = (2·0.5 − 0.5, 2 + 0.3) = (0.5, 2.3). exp(ln 2) rounds: within 1e-6.
     */
    @Test
    void encodingMatchesHandComputation() {
        float[] x = {1.5f, 1, 0.5f, -1, 0.5f, 1};
        SparseCodes s = fixed().encode(x, 3);
        assertEquals(2, s.k());
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 1}, s.idx(), "row 0 fires latent 0 only, row 1 nothing (padding: latent 0, value 0)");
        assertArrayEquals(new float[] {2.5f, 0, 0, 0, 0.5f, 2.3f}, s.val(), 1e-6f);
    }

    /** The codes decode to the forward pass's reconstruction, and carry exactly its non-zero latents. */
    @Test
    void codesDecodeToTheForwardReconstruction() {
        GatedSae sae = GatedSae.init(new GatedSae.Config(16, 40), 77);
        float[] b = sae.params().bGate().data();
        for (int j = 0; j < b.length; j++) b[j] = 0.2f * (j % 5) - 0.4f; // some gates open more easily than others
        float[] x = Tensor.randn(78, 9, 16).toArray();
        SparseCodes codes = sae.encode(x, 9);
        try (var g = NoGrad.enter()) {
            GatedSae.Forward fw = sae.forward(x, 9);
            long nonZero = 0, slots = 0;
            for (float v : fw.latents().data()) if (v != 0) nonZero++;
            for (float v : codes.val()) if (v != 0) slots++;
            assertEquals(nonZero, slots, "every firing latent and nothing else");
            assertTrue(nonZero > 0 && nonZero < 9 * 40, "the case must fire some latents and not all: " + nonZero);
            float[] viaCodes = SparseDecoder.decode(Tensor.wrap(codes.val(), 0, 9, codes.k()), codes.idx(), sae.params().wDec(), sae.params().bDec()).toArray();
            // Both sum the same ≤ 40 products per entry of size ~1 in different orders: 40·u·|terms| ≤ 1e-4.
            assertArrayEquals(fw.reconstruction().toArray(), viaCodes, 1e-4f);
        }
    }

    @Test
    void initialisationFollowsDictionaryLearning() {
        int d = 7, m = 11;
        GatedParams p = GatedSae.init(new GatedSae.Config(d, m), 5).params();
        float[] wDec = p.wDec().toArray(), wEnc = p.wEnc().toArray();
        for (int j = 0; j < m; j++) {
            double n = 0;
            for (int e = 0; e < d; e++) {
                n += wDec[j * d + e] * wDec[j * d + e];
                assertEquals(wDec[j * d + e], wEnc[e * m + j], 0f, "W_enc = W_decᵀ");
            }
            assertEquals(1, Math.sqrt(n), 1e-6, "decoder row " + j + " has unit norm");
        }
        for (Tensor zero : List.of(p.bGate(), p.rMag(), p.bMag())) assertArrayEquals(new float[m], zero.toArray());
        assertArrayEquals(new float[d], p.bDec().toArray());
        assertEquals(List.of("W_enc", "b_gate", "r_mag", "b_mag", "W_dec", "b_dec"), GatedParams.NAMES);
        assertEquals(6, p.list().size());
        assertTrue(p.list().stream().allMatch(Tensor::requiresGrad), "every parameter is trained");
    }

    /** ConstrainedAdam's two halves: the W_dec gradient loses its part along each row; rows return to unit norm. */
    @Test
    void projectionKeepsUnitDecoderRows() {
        int d = 5, m = 4;
        GatedSae sae = GatedSae.init(new GatedSae.Config(d, m), 9);
        float[] x = Tensor.randn(10, 6, d).toArray();
        GatedLoss.compute(sae, x, 6, 0, new GatedLoss.Settings(0.1, 0)).total().backward();
        sae.constrainGradient();
        float[] w = sae.params().wDec().data(), g = sae.params().wDec().gradData();
        double gradNorm = 0;
        for (int j = 0; j < m; j++) {
            double dot = 0;
            for (int e = 0; e < d; e++) { dot += w[j * d + e] * g[j * d + e]; gradNorm += g[j * d + e] * g[j * d + e]; }
            assertEquals(0, dot, 1e-6, "gradient row " + j + " still has a part along its decoder row");
        }
        assertTrue(gradNorm > 0, "the case must give W_dec a gradient");
        for (int i = 0; i < w.length; i++) w[i] *= 1 + 0.1f * (i % 3);
        sae.project();
        for (int j = 0; j < m; j++) {
            double n = 0;
            for (int e = 0; e < d; e++) n += w[j * d + e] * w[j * d + e];
            assertEquals(1, Math.sqrt(n), 1e-6, "row " + j + " renormalised");
        }
    }

    @Test
    void l1CoefficientWarmsUpLinearly() {
        GatedLoss.Settings s = new GatedLoss.Settings(0.5, 10);
        assertEquals(0, s.coefficientAt(0), 0);
        assertEquals(0.25, s.coefficientAt(5), 1e-15);
        assertEquals(0.5, s.coefficientAt(10), 0);
        assertEquals(0.5, new GatedLoss.Settings(0.5, 0).coefficientAt(0), 0);
    }

    @Test
    void badSettingsAreOneClearLine() {
        for (Runnable bad : List.<Runnable>of(
                () -> new GatedSae.Config(0, 8),
                () -> new GatedLoss.Settings(Double.NaN, 0),
                () -> new GatedParams(Tensor.zeros(2, 3), Tensor.zeros(3), Tensor.zeros(2), Tensor.zeros(3), Tensor.zeros(3, 2), Tensor.zeros(2)),
                () -> fixed().encode(new float[3], 2))) {
            String msg = assertThrows(IllegalArgumentException.class, bad::run).getMessage();
            assertFalse(msg.contains("\n") || msg.contains("Exception"), "one plain line: " + msg);
            assertTrue(msg.contains("Gated") || msg.contains("batch"), "names what is wrong: " + msg);
        }
    }
}
