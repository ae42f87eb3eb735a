package saelab.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static saelab.train.Props.qt;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.safetensors.SafetensorsWriter;
import saelab.model.safetensors.TensorData;
import saelab.train.sae.SparseCodes;

/**
 * SAEs as SAELens 6 saves them (cfg.json from the fixtures, weights written here) load with the latents
 * SAELens computes: a float64 transcription of TopKSAE.encode / StandardSAE.encode / JumpReLUSAE.encode
 * (sae.py process_sae_in, topk_sae.py, standard_sae.py, jumprelu_sae.py) on the stored tensors.
 */
class SaeLensLoadTest {
    static final double EPS = 0x1p-24;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** A checkpoint folder: the fixture's cfg.json with d_in, d_sae (and k) replaced, and these tensors. */
    static Path save(Path dir, String fixture, int d, int m, Integer k, Map<String, float[]> tensors) throws Exception {
        Files.createDirectories(dir);
        ObjectNode cfg = (ObjectNode) SaeLensConfigJsonTest.fixture(fixture);
        cfg.put("d_in", d);
        cfg.put("d_sae", m);
        if (k != null && cfg.has("activation_fn_kwargs")) ((ObjectNode) cfg.get("activation_fn_kwargs")).put("k", k);
        else if (k != null) cfg.put("k", k);
        Files.write(dir.resolve(SaeCheckpoint.CONFIG), JSON.writeValueAsBytes(cfg));
        Map<String, TensorData> td = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            long[] shape = switch (e.getKey()) {
                case "W_enc" -> new long[] {d, m};
                case "W_dec" -> new long[] {m, d};
                case "b_dec" -> new long[] {d};
                default -> new long[] {e.getValue().length};
            };
            td.put(e.getKey(), TensorData.f32(shape, e.getValue()));
        }
        SafetensorsWriter.write(dir.resolve(SaeCheckpoint.WEIGHTS), td, Map.of());
        return dir;
    }

    /** SAELens's pre-activations in float64 and Σ|terms| of each (for the float32 rounding bound). */
    static double[][] pre(Map<String, float[]> t, float[] x, int row, int d, int m, boolean applyBDec) {
        double[] pre = new double[m], mag = new double[m];
        for (int i = 0; i < m; i++) {
            double s = t.get("b_enc")[i], a = Math.abs(s);
            for (int j = 0; j < d; j++) {
                double v = x[row * d + j] - (applyBDec ? (double) t.get("b_dec")[j] : 0);
                s += v * t.get("W_enc")[j * m + i];
                a += Math.abs(v * t.get("W_enc")[j * m + i]) + (applyBDec ? Math.abs(t.get("b_dec")[j] * t.get("W_enc")[j * m + i]) : 0);
            }
            pre[i] = s;
            mag[i] = a;
        }
        return new double[][] {pre, mag};
    }

    static double[] dense(SparseCodes c, int row) {
        double[] z = new double[c.m()];
        for (int s = 0; s < c.k(); s++) if (c.val()[row * c.k() + s] > 0) z[c.idx()[row * c.k() + s]] = c.val()[row * c.k() + s];
        return z;
    }

    static Map<String, float[]> weights(SplittableRandom r, int d, int m, double decScale) {
        Map<String, float[]> t = new LinkedHashMap<>();
        t.put("W_enc", SaeLensFoldsTest.randoms(r, d * m, 1));
        t.put("b_enc", SaeLensFoldsTest.randoms(r, m, 0.5));
        t.put("W_dec", SaeLensFoldsTest.randoms(r, m * d, decScale));
        t.put("b_dec", SaeLensFoldsTest.randoms(r, d, 0.5));
        return t;
    }

    static Map<String, float[]> copy(Map<String, float[]> t) {
        Map<String, float[]> c = new LinkedHashMap<>();
        t.forEach((n, v) -> c.put(n, v.clone()));
        return c;
    }

    @Test
    void topKWithRescaleActsByDecoderNormGivesSaeLensLatents() {
        AtomicInteger compared = new AtomicInteger();
        qt(1306L, 30).forAll(integers().between(2, 16), integers().between(4, 40), integers().between(1, 6), longs().all())
                .checkAssert((d, m, kRaw, seed) -> {
                    int k = Math.min(kRaw, m), rows = 3;
                    SplittableRandom r = new SplittableRandom(seed);
                    Map<String, float[]> t = weights(r, d, m, 3); // decoder rows far from unit norm: the rescale matters
                    float[] x = SaeLensFoldsTest.randoms(r, rows * d, 2);
                    Path dir;
                    try {
                        dir = save(tmp.resolve("topk-" + seed + "-" + d + "-" + m), "v6-topk.json", d, m, k, copy(t));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    SaeCheckpoint.Loaded loaded = SaeCheckpoint.read(dir);
                    assertEquals("blocks.8.hook_resid_post", loaded.saeLens().hookName());
                    SparseCodes codes = loaded.sae().encode(x, rows);
                    for (int row = 0; row < rows; row++) {
                        double[][] p = pre(t, x, row, d, m, true);
                        double[] scaled = new double[m], bound = new double[m];
                        double worst = 0;
                        for (int i = 0; i < m; i++) {
                            double n = SaeLensFoldsTest.norm(t.get("W_dec"), i, d);
                            scaled[i] = p[0][i] * n;
                            // float32 sums of d + 1 terms (γ_{d+1} ≈ (d+1)·EPS) plus the fold's one rounding per weight
                            bound[i] = 2 * (d + 3) * EPS * n * p[1][i];
                            worst = Math.max(worst, bound[i]);
                        }
                        if (SaeLensFoldsTest.gapAtK(scaled, k) <= 2 * worst) continue; // near-tie: either choice is right
                        compared.incrementAndGet();
                        double[] want = SaeLensFoldsTest.topk(scaled, k), got = dense(codes, row);
                        for (int i = 0; i < m; i++) assertEquals(want[i], got[i], bound[i], "row " + row + " latent " + i);
                    }
                });
        assertTrue(compared.get() >= 60, "rows compared: " + compared.get() + " of 90");
    }

    @Test
    void standardWithoutInputBiasGivesSaeLensLatents() throws Exception {
        int d = 6, m = 10, rows = 4;
        SplittableRandom r = new SplittableRandom(11);
        Map<String, float[]> t = weights(r, d, m, 1);
        float[] x = SaeLensFoldsTest.randoms(r, rows * d, 2);
        SaeCheckpoint.Loaded loaded = SaeCheckpoint.read(save(tmp.resolve("std"), "v6-standard.json", d, m, null, copy(t)));
        SparseCodes codes = loaded.sae().encode(x, rows);
        int fired = 0;
        for (int row = 0; row < rows; row++) {
            double[][] p = pre(t, x, row, d, m, false); // apply_b_dec_to_input false: x·W_enc + b_enc
            double[] got = dense(codes, row);
            for (int i = 0; i < m; i++) {
                assertEquals(Math.max(0, p[0][i]), got[i], 2 * (d + 3) * EPS * p[1][i], "row " + row + " latent " + i);
                if (got[i] > 0) fired++;
            }
        }
        assertTrue(fired > 0 && fired < rows * m, "some latents fire, some do not: " + fired);
    }

    @Test
    void preSixTopKLoadsWithKFromActivationKwargs() throws Exception {
        int d = 5, m = 12, k = 3, rows = 4;
        SplittableRandom r = new SplittableRandom(12);
        Map<String, float[]> t = weights(r, d, m, 1);
        float[] x = SaeLensFoldsTest.randoms(r, rows * d, 2);
        SaeCheckpoint.Loaded loaded = SaeCheckpoint.read(save(tmp.resolve("pre6"), "pre6-5x-topk.json", d, m, k, copy(t)));
        assertEquals("blocks.6.hook_resid_post", loaded.saeLens().hookName());
        SparseCodes codes = loaded.sae().encode(x, rows);
        for (int row = 0; row < rows; row++) {
            double[][] p = pre(t, x, row, d, m, true);
            double[] want = SaeLensFoldsTest.topk(p[0], k), got = dense(codes, row);
            for (int i = 0; i < m; i++) assertEquals(want[i], got[i], 2 * (d + 3) * EPS * p[1][i], "row " + row + " latent " + i);
        }
    }

    @Test
    void aScalingFactorOtherThanOnesIsRefused() throws Exception {
        int d = 3, m = 4;
        Map<String, float[]> t = weights(new SplittableRandom(13), d, m, 1);
        t.put("scaling_factor", new float[] {1, 1, 2, 1});
        Path dir = save(tmp.resolve("scaled"), "v6-standard.json", d, m, null, t);
        String msg = assertThrows(IllegalArgumentException.class, () -> SaeCheckpoint.read(dir)).getMessage();
        assertTrue(msg.contains("scaling_factor[2] is 2.0"), msg);
    }

    @Test
    void saelabCheckpointsAreWrittenInSaeLens6LayoutAndReadBack() throws Exception {
        saelab.train.trainer.TrainConfig cfg = saelab.train.TestConfigs.legacy("topk", 8, 24, 3, 1e-3, 100, 16, 7, 10, 80, 1.0 / 32,
                1000, 4, 0, 0, saelab.train.penalty.PenaltyConfig.none(), 1.0, 10, 0, "model:/m;data=/d.jsonl;layer=2;context=64@0",
                "blocks.2.hook_resid_post", "tiny");
        saelab.train.arch.Sae sae = cfg.architecture().create(cfg, 5);
        Path dir = tmp.resolve("saelab");
        Files.createDirectories(dir);
        SaeCheckpoint.write(dir, sae, cfg, 40);
        com.fasterxml.jackson.databind.JsonNode json = JSON.readTree(dir.resolve(SaeCheckpoint.CONFIG).toFile());
        assertEquals("6.18.0", json.get("metadata").get("sae_lens_version").textValue(), "SAELens takes its 6.x path");
        assertEquals(3, json.get("k").intValue());
        assertTrue(!json.has("activation_fn") && !json.has("hook_name"), "no pre-6 keys: " + json);
        SaeCheckpoint.Loaded back = SaeCheckpoint.read(dir);
        assertEquals(new SaeLensConfig("topk", 8, 24, "float32", true, "none", false, "blocks.2.hook_resid_post", "tiny", 64,
                cfg.source(), 40L * 16, SaeLensConfigJson.WRITTEN_VERSION, Map.of("k", com.fasterxml.jackson.databind.node.IntNode.valueOf(3))),
                back.saeLens());
        assertEquals(cfg, back.training());
        float[] x = SaeLensFoldsTest.randoms(new SplittableRandom(9), 5 * 8, 1);
        SparseCodes a = sae.encode(x, 5), b = back.sae().encode(x, 5);
        assertTrue(Arrays.equals(a.idx(), b.idx()) && Arrays.equals(a.val(), b.val()), "the same encoding after write and read");
    }

    /**
     * SAELens's JumpReLUSAE.encode: relu(pre) · (pre > threshold). Until the jumprelu architecture is
     * registered, the checkpoint is refused naming it; from then on its latents must be SAELens's.
     */
    @Test
    void jumpReluThresholdTensorOrAClearRefusal() throws Exception {
        int d = 6, m = 9, rows = 4;
        SplittableRandom r = new SplittableRandom(14);
        Map<String, float[]> t = weights(r, d, m, 1);
        t.put("threshold", SaeLensFoldsTest.randoms(r, m, 4)); // the scale of the pre-activations (d 6, x and W of scale 1–2), so some positive ones fall below
        for (int i = 0; i < m; i++) t.get("threshold")[i] = Math.abs(t.get("threshold")[i]);
        float[] x = SaeLensFoldsTest.randoms(r, rows * d, 2);
        Path dir = save(tmp.resolve("jumprelu"), "v6-jumprelu-from-batchtopk.json", d, m, null, copy(t));
        boolean registered = saelab.train.arch.Architectures.all().stream().anyMatch(a -> a.name().equals("jumprelu"));
        if (!registered) {
            String msg = assertThrows(IllegalArgumentException.class, () -> SaeCheckpoint.read(dir)).getMessage();
            assertTrue(msg.startsWith(dir.resolve(SaeCheckpoint.CONFIG) + ": ") && msg.contains("'jumprelu'") && msg.contains("topk"), msg);
            return;
        }
        SparseCodes codes = SaeCheckpoint.read(dir).sae().encode(x, rows);
        int gated = 0;
        for (int row = 0; row < rows; row++) {
            double[][] p = pre(t, x, row, d, m, true);
            double[] got = dense(codes, row);
            for (int i = 0; i < m; i++) {
                double bound = 2 * (d + 3) * EPS * p[1][i];
                if (Math.abs(p[0][i] - t.get("threshold")[i]) <= bound) continue; // at the threshold either side is right
                double want = p[0][i] > t.get("threshold")[i] ? Math.max(0, p[0][i]) : 0;
                if (p[0][i] > 0 && want == 0) gated++;
                assertEquals(want, got[i], bound, "row " + row + " latent " + i);
            }
        }
        assertTrue(gated > 0, "some positive pre-activations fall below their threshold");
    }
}
