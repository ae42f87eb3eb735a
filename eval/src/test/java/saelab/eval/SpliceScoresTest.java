package saelab.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.GemmaConfig;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.safetensors.Dtype;
import saelab.model.synthetic.RandomGemma2Checkpoint;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpliceScoresTest {
    static final int BATCH = 3, LENGTH = 10, LAYER = 1;
    // Two runs of the same computation agree to ~1e-7 relative, not always bit for bit (the
    // Vector API's exp/tanh round differently before and after C2 compiles them).
    static final double TOL = 1e-6;

    @TempDir
    static Path dir;
    Gemma2Model model;
    int[] ids;

    @BeforeAll
    void setUp() {
        GemmaConfig config = GemmaConfig.tiny();
        // Weights large enough (std 0.3) that the ablation moves the logits clearly.
        RandomGemma2Checkpoint.write(dir, RandomGemma2Checkpoint.Spec.of(config, Dtype.F32, 7).withStd(0.3, 0.3), bytes -> { });
        model = Gemma2Model.load(dir);
        SplittableRandom r = new SplittableRandom(11);
        ids = new int[BATCH * LENGTH];
        for (int i = 0; i < ids.length; i++) ids[i] = i % LENGTH == 0 ? config.bosTokenId() : r.nextInt(config.vocabSize());
    }

    @AfterAll
    void tearDown() {
        if (model != null) model.close();
    }

    SpliceScores measure(java.util.function.UnaryOperator<float[]> fn) {
        SpliceScores s = SpliceScores.measure(model, ids, BATCH, LAYER, fn);
        System.out.println("SpliceScores " + s);
        return s;
    }

    static void assertRawSane(SpliceScores s) {
        for (double v : new double[] {s.klSae(), s.klAblation(), s.ceClean(), s.ceSae(), s.ceAblation()}) {
            assertTrue(Double.isFinite(v), "raw value not finite: " + s);
            assertTrue(v >= 0, "raw value negative: " + s);
        }
        assertTrue(s.klAblation() > 1e-3, "the ablation should move the logits: " + s);
        assertTrue(Math.abs(s.ceAblation() - s.ceClean()) > 1e-3, "the ablation should move the CE: " + s);
        // BOS (position 0) left out: KL over positions 1..L−1, CE over predictions made at 1..L−2.
        assertEquals(BATCH * (LENGTH - 1), s.klTokens());
        assertEquals(BATCH * (LENGTH - 2), s.ceTokens());
    }

    @Test
    void identitySpliceScoresOne() {
        SpliceScores s = measure(x -> x);
        assertRawSane(s);
        assertEquals(0.0, s.klSae(), TOL);
        assertEquals(s.ceClean(), s.ceSae(), TOL);
        assertEquals(1.0, s.klScore(), TOL);
        assertEquals(1.0, s.ceScore(), TOL);
    }

    @Test
    void zeroSpliceEqualsTheAblationAndScoresZero() {
        SpliceScores s = measure(x -> new float[x.length]);
        assertRawSane(s);
        assertEquals(s.klAblation(), s.klSae(), TOL);
        assertEquals(s.ceAblation(), s.ceSae(), TOL);
        assertEquals(0.0, s.klScore(), TOL);
        assertEquals(0.0, s.ceScore(), TOL);
    }

    @Test
    void partialReconstructionScoresBetween() {
        // x plus noise of about a fifth of each row's RMS: a reconstruction that is close, not exact.
        SpliceScores s = measure(x -> {
            int hidden = model.config().hiddenSize();
            SplittableRandom r = new SplittableRandom(3);
            float[] out = x.clone();
            for (int row = 0; row < x.length / hidden; row++) {
                double ss = 0;
                for (int i = 0; i < hidden; i++) ss += (double) x[row * hidden + i] * x[row * hidden + i];
                double sigma = 0.2 * Math.sqrt(ss / hidden);
                for (int i = 0; i < hidden; i++) out[row * hidden + i] += (float) (sigma * r.nextGaussian());
            }
            return out;
        });
        assertRawSane(s);
        assertTrue(s.klSae() > 0 && s.klSae() < s.klAblation(), s.toString());
        assertTrue(s.klScore() > 0 && s.klScore() < 1, "KL score " + s.klScore());
    }

    @Test
    void pooledChunksEqualOneMeasurementOverAllSequences() {
        java.util.function.UnaryOperator<float[]> halve = x -> {
            float[] out = x.clone();
            for (int i = 0; i < out.length; i++) out[i] *= 0.5f;
            return out;
        };
        SpliceScores all = measure(halve);
        SpliceScores first = SpliceScores.measure(model, java.util.Arrays.copyOfRange(ids, 0, LENGTH), 1, LAYER, halve);
        SpliceScores rest = SpliceScores.measure(model, java.util.Arrays.copyOfRange(ids, LENGTH, BATCH * LENGTH), BATCH - 1, LAYER, halve);
        SpliceScores pooled = SpliceScores.pooled(java.util.List.of(first, rest));
        assertEquals(all.klTokens(), pooled.klTokens());
        assertEquals(all.ceTokens(), pooled.ceTokens());
        // Token-weighted means of the same per-token values: equal up to the passes' own run-to-run
        // agreement (TOL relative; the values are O(1) nats) and double rounding far below it.
        double[][] pairs = {{all.klSae(), pooled.klSae()}, {all.klAblation(), pooled.klAblation()}, {all.ceClean(), pooled.ceClean()},
                {all.ceSae(), pooled.ceSae()}, {all.ceAblation(), pooled.ceAblation()}, {all.klScore(), pooled.klScore()}, {all.ceScore(), pooled.ceScore()}};
        for (double[] p : pairs) assertEquals(p[0], p[1], TOL * Math.max(1, Math.abs(p[0])), all + " vs " + pooled);
        assertTrue(all.klSae() > 1e-4, "halving the residual moves the logits, so the comparison is not of zeros: " + all);
    }

    @Test
    void divisionByZeroIsNaN() {
        assertTrue(Double.isNaN(SpliceScores.ratio(0.5, 0.0)));
        assertEquals(0.25, SpliceScores.ratio(0.5, 2.0));
    }

    @Test
    void tooShortSequencesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SpliceScores.measure(model, new int[] {2, 5, 2, 6}, 2, LAYER, x -> x));
        assertThrows(IllegalArgumentException.class, () -> SpliceScores.measure(model, new int[] {2, 5, 7}, 2, LAYER, x -> x));
    }
}
