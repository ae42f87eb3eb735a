package saelab.eval.probe;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.tokenizer.GemmaTokenizer;
import saelab.train.sae.SaeParams;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SparseProbingTest {
    static final int LAYER = 1, M = 48, PLANTED = 17;
    static final String[] WORDS = ("the quick brown fox jumps over lazy dog model learned features numbers names river walk "
            + "morning station ticket train evening science history people small language token predict").split(" ");

    @TempDir
    static Path dir;
    Gemma2Model model;
    GemmaTokenizer tokenizer;
    List<String> texts = new ArrayList<>();
    float[] pooledResiduals;
    SparseProbing.Pooled pooled; // with a random-direction planted SAE, reused by the tests that need no particular SAE
    int d;

    @BeforeAll
    void setUp() {
        d = TinyModels.write(dir, 3).hiddenSize();
        model = Gemma2Model.load(dir);
        tokenizer = GemmaTokenizer.load(dir);
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 300; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 3 + r.nextInt(8);
            for (int w = 0; w < n; w++) sb.append(w == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
            texts.add(sb.toString());
        }
        // The pooled residuals do not depend on the SAE: pool once with any SAE of the right width.
        double[] u = new double[d];
        for (int e = 0; e < d; e++) u[e] = r.nextGaussian();
        pooled = SparseProbing.pool(model, tokenizer, plantedSae(u), LAYER, texts, 128, 16, done -> { });
        pooledResiduals = pooled.residuals();
    }

    @AfterAll
    void tearDown() {
        if (model != null) model.close();
    }

    /**
     * An SAE whose latent PLANTED reads direction u with a bias large enough that it is always
     * active: its pooled value is u·(mean residual) + 1000, linear in the pooled residual. The
     * other latents read small random directions through a ReLU.
     */
    SaeParams plantedParams(double[] u) {
        SplittableRandom r = new SplittableRandom(9);
        float[] wEnc = new float[d * M], bEnc = new float[M], wDec = new float[M * d], bDec = new float[d];
        for (int e = 0; e < d; e++) {
            for (int j = 0; j < M; j++) wEnc[e * M + j] = j == PLANTED ? (float) u[e] : (float) (0.01 * r.nextGaussian());
        }
        bEnc[PLANTED] = 1000;
        for (int i = 0; i < wDec.length; i++) wDec[i] = (float) r.nextGaussian();
        return SaeParams.of(d, M, wEnc, bEnc, wDec, bDec);
    }

    SaeLatents plantedSae(double[] u) {
        return SaeLatents.relu(plantedParams(u));
    }

    Path writeJsonl(String name, List<String> keptTexts, List<String> labels) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < keptTexts.size(); i++) {
            sb.append("{\"text\": \"").append(keptTexts.get(i)).append("\", \"label\": \"").append(labels.get(i)).append("\"}\n");
        }
        Path file = dir.resolve(name);
        Files.writeString(file, sb);
        return file;
    }

    @Test
    void theLatentCarryingTheLabelIsPickedAtKOne() throws IOException {
        // Label = which side of the median the pooled residual's projection on a random direction
        // falls; the middle 20% are left out so that the classes are separated by a margin.
        SplittableRandom r = new SplittableRandom(21);
        double[] u = new double[d];
        for (int e = 0; e < d; e++) u[e] = r.nextGaussian();
        double[] proj = new double[texts.size()];
        for (int i = 0; i < proj.length; i++) for (int e = 0; e < d; e++) proj[i] += u[e] * pooledResiduals[i * d + e];
        double[] sorted = proj.clone();
        Arrays.sort(sorted);
        double lo = sorted[(int) (0.4 * sorted.length)], hi = sorted[(int) (0.6 * sorted.length)];
        List<String> kept = new ArrayList<>(), labels = new ArrayList<>();
        for (int i = 0; i < proj.length; i++) {
            if (proj[i] > lo && proj[i] < hi) continue;
            kept.add(texts.get(i));
            labels.add(proj[i] >= hi ? "high" : "low");
        }
        Path data = writeJsonl("planted.jsonl", kept, labels);
        SparseProbing.Result res = SparseProbing.run(model, tokenizer, plantedSae(u), LabelledTexts.read(data),
                SparseProbing.Settings.defaults(LAYER, 1), done -> { });
        assertEquals(List.of("high", "low"), res.classes());
        assertEquals(1, res.tasks().size(), "two labels make one task");
        assertEquals(PLANTED, res.tasks().get(0).rankedLatents()[0], "top-1 latent by class-mean difference");
        assertEquals(1, res.ks()[0]);
        assertEquals(1.0, res.saeAccuracy()[0], "k = 1 on the planted latent separates the classes: " + Arrays.toString(res.saeAccuracy()));
        assertEquals(kept.size(), res.train() + res.test());
        assertEquals(Math.round(0.2 * kept.size()), res.test());
        // ks are {1, 2, 5, 10, 20, 50} capped at min(m, d) = 48.
        assertArrayEquals(new int[] {1, 2, 5, 10, 20, 48}, res.ks());
    }

    @Test
    void randomLabelsGiveChanceAccuracy() {
        SplittableRandom r = new SplittableRandom(33);
        int[] labels = new int[texts.size()];
        for (int i = 0; i < labels.length; i++) labels[i] = r.nextInt(2);
        SparseProbing.Result res = SparseProbing.evaluate("planted", pooled, labels, List.of("a", "b"), SparseProbing.Settings.defaults(LAYER, 2));
        // 60 test texts: a chance accuracy has standard deviation √(0.25/60) ≈ 0.065; ±0.2 is 3σ.
        assertEquals(60, res.test());
        assertEquals(0.5, res.saeAccuracy()[0], 0.2, "SAE k=1: " + Arrays.toString(res.saeAccuracy()));
        assertEquals(0.5, res.residualAccuracy()[0], 0.2, "residual k=1: " + Arrays.toString(res.residualAccuracy()));
    }

    @Test
    void multiClassIsOneVersusRestAveraged() {
        int[] labels = new int[texts.size()];
        for (int i = 0; i < labels.length; i++) labels[i] = i % 3;
        SparseProbing.Result res = SparseProbing.evaluate("planted", pooled, labels, List.of("c0", "c1", "c2"), SparseProbing.Settings.defaults(LAYER, 3));
        assertEquals(3, res.tasks().size());
        for (int q = 0; q < res.ks().length; q++) {
            double mean = 0;
            for (var t : res.tasks()) mean += t.saeAccuracy()[q] / 3;
            assertEquals(mean, res.saeAccuracy()[q], 1e-12);
        }
        assertEquals("c2", res.tasks().get(2).positiveClass());
    }

    @Test
    void splitIsSeededAndDisjoint() {
        int[][] a = SparseProbing.split(50, 0.2, 7), b = SparseProbing.split(50, 0.2, 7), c = SparseProbing.split(50, 0.2, 8);
        assertArrayEquals(a[1], b[1]);
        assertFalse(Arrays.equals(a[1], c[1]));
        assertEquals(40, a[0].length);
        boolean[] seen = new boolean[50];
        for (int[] part : a) for (int i : part) { assertFalse(seen[i]); seen[i] = true; }
    }

    @Test
    void badDataIsRefusedNamingFileAndLine() throws IOException {
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\": \"a\", \"label\": 1}\n\n{\"text\": \"b\" \"label\": 0}\n");
        var e = assertThrows(IllegalArgumentException.class, () -> LabelledTexts.read(bad));
        assertTrue(e.getMessage().startsWith(bad + ":3: not valid JSON"), e.getMessage());
        Files.writeString(bad, "{\"text\": \"a\", \"label\": 1}\n{\"label\": 0}\n");
        e = assertThrows(IllegalArgumentException.class, () -> LabelledTexts.read(bad));
        assertEquals(bad + ":2: missing string field \"text\"", e.getMessage());
        Files.writeString(bad, "{\"text\": \"a\"}\n");
        e = assertThrows(IllegalArgumentException.class, () -> LabelledTexts.read(bad));
        assertTrue(e.getMessage().startsWith(bad + ":1: missing field \"label\""), e.getMessage());
        Files.writeString(bad, "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\", \"label\": \"x\"}\n");
        e = assertThrows(IllegalArgumentException.class, () -> LabelledTexts.read(bad));
        assertTrue(e.getMessage().contains("at least 2 distinct labels, found 1 (x)"), e.getMessage());
    }
}
