package saelab.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static saelab.train.Props.qt;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The folds against float64 transcriptions of SAELens's encoders on the original weights
 * (topk_sae.py TopKSAE.encode/decode, sae.py process_sae_in, gated_sae.py GatedSAE.encode).
 */
class SaeLensFoldsTest {
    static final double EPS = 0x1p-24; // float32 unit roundoff
    static final Path FILE = Path.of("sae_weights.safetensors");

    static float[] randoms(SplittableRandom r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return v;
    }

    static Map<String, float[]> sae(SplittableRandom r, int d, int m) {
        Map<String, float[]> t = new HashMap<>();
        t.put("W_enc", randoms(r, d * m, 1));
        t.put("b_enc", randoms(r, m, 0.5));
        t.put("W_dec", randoms(r, m * d, 2)); // row norms far from 1, so a missed fold shows
        t.put("b_dec", randoms(r, d, 0.5));
        return t;
    }

    static Map<String, float[]> copy(Map<String, float[]> t) {
        Map<String, float[]> c = new HashMap<>();
        t.forEach((k, v) -> c.put(k, v.clone()));
        return c;
    }

    /** ((x − b_dec·apply)·W_enc + b_enc) per latent, in float64; also Σ|terms| for the rounding bound. */
    static double[][] pre(Map<String, float[]> t, float[] x, int d, int m, boolean applyBDec) {
        double[] pre = new double[m], mag = new double[m];
        for (int i = 0; i < m; i++) {
            double s = t.get("b_enc")[i], a = Math.abs(s);
            for (int j = 0; j < d; j++) {
                double term = (x[j] - (applyBDec ? t.get("b_dec")[j] : 0.0)) * t.get("W_enc")[j * m + i];
                s += term;
                a += Math.abs(term);
            }
            pre[i] = s;
            mag[i] = a;
        }
        return new double[][] {pre, mag};
    }

    static double norm(float[] wDec, int i, int d) {
        double s = 0;
        for (int j = 0; j < d; j++) s += (double) wDec[i * d + j] * wDec[i * d + j];
        return Math.sqrt(s);
    }

    /** TopK then ReLU: the k largest stay (if positive), the rest are 0. Returns the latents and the gap below the k-th. */
    static double[] topk(double[] pre, int k) {
        double[] sorted = pre.clone();
        java.util.Arrays.sort(sorted);
        double kth = sorted[sorted.length - k];
        double[] z = new double[pre.length];
        for (int i = 0; i < pre.length; i++) if (pre[i] >= kth) z[i] = Math.max(0, pre[i]);
        return z;
    }

    static double gapAtK(double[] pre, int k) {
        double[] sorted = pre.clone();
        java.util.Arrays.sort(sorted);
        return k == pre.length ? Double.POSITIVE_INFINITY : sorted[sorted.length - k] - sorted[sorted.length - k - 1];
    }

    @Test
    void foldedDecoderNormsGiveSaeLensRescaledTopKLatentsAndReconstruction() {
        java.util.concurrent.atomic.AtomicInteger compared = new java.util.concurrent.atomic.AtomicInteger();
        qt(7301L, 80).forAll(integers().between(1, 24), integers().between(2, 48), integers().between(1, 48), longs().all())
                .checkAssert((d, m, kRaw, seed) -> {
                    int k = Math.min(kRaw, m);
                    SplittableRandom r = new SplittableRandom(seed);
                    Map<String, float[]> orig = sae(r, d, m), folded = copy(orig);
                    float[] x = randoms(r, d, 3);
                    SaeLensFolds.foldDecoderNorms(folded, d, m, FILE);

                    // SAELens: z = TopK(pre ⊙ n), recon = (z ⊘ n)·W_dec + b_dec
                    double[][] p = pre(orig, x, d, m, true);
                    double[] n = new double[m], scaled = new double[m];
                    for (int i = 0; i < m; i++) {
                        n[i] = norm(orig.get("W_dec"), i, d);
                        scaled[i] = p[0][i] * n[i];
                    }
                    double[] zRef = topk(scaled, k);
                    // saelab on the folded weights: z = TopK(pre'), recon = z·W_dec' + b_dec
                    double[] zFold = topk(pre(folded, x, d, m, true)[0], k);

                    // each folded weight is rounded once (relative EPS), so |Δpre_i| ≤ EPS·n_i·Σ|terms|; allow 4×
                    double worst = 0;
                    for (int i = 0; i < m; i++) worst = Math.max(worst, 4 * EPS * n[i] * p[1][i]);
                    if (gapAtK(scaled, k) <= 2 * worst) return; // a near-tie may legitimately select differently
                    compared.incrementAndGet();
                    for (int i = 0; i < m; i++) {
                        double bound = 4 * EPS * n[i] * p[1][i];
                        assertEquals(zRef[i], zFold[i], bound, "latent " + i);
                    }
                    for (int j = 0; j < d; j++) {
                        double ref = orig.get("b_dec")[j], got = orig.get("b_dec")[j], mag = 0;
                        for (int i = 0; i < m; i++) {
                            if (zRef[i] == 0) continue;
                            ref += zRef[i] / n[i] * orig.get("W_dec")[i * d + j];
                            got += zFold[i] * folded.get("W_dec")[i * d + j];
                            mag += Math.abs(zRef[i] / n[i] * orig.get("W_dec")[i * d + j]);
                        }
                        // z carries ≤ 4·EPS relative (above) and the folded row one more rounding
                        assertEquals(ref, got, 8 * EPS * mag + 1e-300, "reconstruction " + j);
                    }
                    // the fold did something: W_dec rows are now unit vectors
                    for (int i = 0; i < m; i++) assertEquals(1, norm(folded.get("W_dec"), i, d), 4 * d * EPS);
                });
        assertTrue(compared.get() >= 70, "near-ties skipped too many examples: " + compared.get() + " of 80 compared");
    }

    @Test
    void aZeroDecoderRowStaysAnAlwaysZeroLatent() {
        Map<String, float[]> t = sae(new SplittableRandom(3), 3, 4);
        for (int j = 0; j < 3; j++) t.get("W_dec")[2 * 3 + j] = 0;
        SaeLensFolds.foldDecoderNorms(t, 3, 4, FILE);
        assertEquals(0, t.get("b_enc")[2], 0.0); // ±0: the latent's pre-activation is 0, as SAELens's pre ⊙ 0
        for (int j = 0; j < 3; j++) {
            assertEquals(0, t.get("W_enc")[j * 4 + 2], 0.0);
            assertEquals(0, t.get("W_dec")[2 * 3 + j], 0.0, "not 0/0");
        }
    }

    @Test
    void jumpReluThresholdScalesWithItsLatent() {
        Map<String, float[]> t = sae(new SplittableRandom(5), 4, 3);
        t.put("threshold", new float[] {0.5f, 1f, 2f});
        float[] wDec = t.get("W_dec").clone();
        SaeLensFolds.foldDecoderNorms(t, 4, 3, FILE);
        for (int i = 0; i < 3; i++) assertEquals((float) (new float[] {0.5f, 1f, 2f}[i] * norm(wDec, i, 4)), t.get("threshold")[i]);
    }

    @Test
    void foldedInputBiasGivesTheEncodingWithoutBDec() {
        qt(7302L, 80).forAll(integers().between(1, 32), integers().between(1, 64), longs().all()).checkAssert((d, m, seed) -> {
            SplittableRandom r = new SplittableRandom(seed);
            Map<String, float[]> orig = sae(r, d, m), folded = copy(orig);
            float[] x = randoms(r, d, 3);
            SaeLensFolds.foldInputBias(folded, d, m, FILE);
            double[][] ref = pre(orig, x, d, m, false); // SAELens, apply_b_dec_to_input false: x·W_enc + b_enc
            double[][] got = pre(folded, x, d, m, true); // saelab: (x − b_dec)·W_enc + b_enc'
            for (int i = 0; i < m; i++) {
                // b_enc' = b_enc + b_dec·W_enc is summed in float64 and rounded once: |Δ| ≤ EPS·|b_enc'|; allow 2×
                assertEquals(ref[0][i], got[0][i], 2 * EPS * Math.abs(folded.get("b_enc")[i]) + 1e-12 * got[1][i], "latent " + i);
            }
            assertTrue(d == 0 || !java.util.Arrays.equals(orig.get("b_enc"), folded.get("b_enc")) || isZero(orig.get("b_dec")), "b_enc changed");
            assertEquals(java.util.Arrays.toString(orig.get("b_dec")), java.util.Arrays.toString(folded.get("b_dec")), "the decoder keeps b_dec");
        });
    }

    static boolean isZero(float[] v) {
        for (float f : v) if (f != 0) return false;
        return true;
    }

    @Test
    void gatedMagnitudeBiasFoldsThroughItsScaledEncoder() {
        int d = 3, m = 2;
        Map<String, float[]> t = new HashMap<>();
        t.put("W_enc", new float[] {1, 2, 3, 4, 5, 6});
        t.put("b_dec", new float[] {1, -1, 0.5f});
        t.put("b_gate", new float[] {0.25f, 0});
        t.put("b_mag", new float[] {0, 1});
        t.put("r_mag", new float[] {0, (float) Math.log(2)});
        SaeLensFolds.foldInputBias(t, d, m, FILE);
        // b_dec·W_enc = [1·1 − 1·3 + 0.5·5, 1·2 − 1·4 + 0.5·6] = [0.5, 1]
        assertEquals(0.75f, t.get("b_gate")[0]);
        assertEquals(1f, t.get("b_gate")[1]);
        assertEquals(0.5f, t.get("b_mag")[0]);
        assertEquals(1 + 1 * 2, t.get("b_mag")[1], 1e-6, "latent 1's magnitude path scales W_enc by exp(r_mag) = 2");
    }

    @Test
    void scalingFactorOfOnesIsDroppedOtherwiseRefused() {
        Map<String, float[]> t = new HashMap<>(Map.of("scaling_factor", new float[] {1, 1, 1}));
        SaeLensFolds.dropUnitScalingFactor(t, FILE);
        assertFalse(t.containsKey("scaling_factor"));
        Map<String, float[]> s = new HashMap<>(Map.of("scaling_factor", new float[] {1, 1.5f}));
        String msg = assertThrows(IllegalArgumentException.class, () -> SaeLensFolds.dropUnitScalingFactor(s, FILE)).getMessage();
        assertTrue(msg.startsWith(FILE + ": tensor scaling_factor[1] is 1.5"), msg);
    }

    @Test
    void missingTensorsAreNamed() {
        Map<String, float[]> t = new HashMap<>(Map.of("W_enc", new float[6], "b_dec", new float[3]));
        String msg = assertThrows(IllegalArgumentException.class, () -> SaeLensFolds.foldInputBias(t, 3, 2, FILE)).getMessage();
        assertTrue(msg.contains("no encoder bias"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> SaeLensFolds.foldDecoderNorms(t, 3, 2, FILE)).getMessage();
        assertTrue(msg.contains("no tensor 'W_dec'"), msg);
    }
}
