package saelab.train.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.train.checkpoint.SaeCheckpoint;
import saelab.train.metrics.Recovery;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.sae.SparseCodes;
import saelab.train.source.SyntheticConfig;
import saelab.train.source.SyntheticSource;
import saelab.train.trainer.SaeTrainer;
import saelab.train.trainer.StepStats;
import saelab.train.trainer.TrainConfig;
import saelab.train.trainer.TrainingRun;

/**
 * BatchTopK and Matryoshka BatchTopK through the registry and the one trainer: they learn known
 * features, their threshold is estimated and used at inference, and their checkpoints (threshold
 * included) read back and resume bit for bit.
 */
class BatchTopKArchitecturesTest {
    /** JUnit removes it, and every run folder in it, after each test. */
    @TempDir Path root;

    private Path temp() throws IOException {
        return Files.createTempDirectory(root, "run");
    }

    static final String[] NAMES = {"batchtopk", "matryoshka_batchtopk"};

    /** lr 3e-3, warm-up 5%, decay from 80%, dead after 20 batches, threshold from step {@code start} with β 0.99. */
    static TrainConfig config(String arch, int d, int m, int k, long steps, int batch, long seed, long start, String source) {
        SaeSettings s = Architectures.byName(arch).settings(Map.of("k", Integer.toString(k), "threshold_start_step", Long.toString(start),
                "threshold_beta", "0.99"), d, m);
        return new TrainConfig(s, d, m, 3e-3, steps, batch, seed, steps / 20, steps * 8 / 10, 20L * batch, PenaltyConfig.none(), 1.0, 10, 0,
                source, "t", "t");
    }

    /**
     * 40 independent features in d = 32 (~3 active per row), m 64, k 4, 800 steps of 128 rows.
     * Measured (data seeds 1, 2): mean max |cos| of true directions with decoder rows 0.985 and
     * 0.957 for BatchTopK, 0.882 and 0.852 for Matryoshka (its 2- and 4-latent prefixes must each
     * reconstruct alone, so their latents learn blends), TopK 0.998 and 0.990, untrained 0.44–0.46;
     * held-out explained variance 0.94–0.95 and 0.85–0.88, L0 at the threshold 3.8–4.0. Bars:
     * recovery 0.93 and 0.80, EV 0.85 and 0.80, L0 within [0.6·k, 1.4·k] with the threshold
     * estimated (&gt; 0), and the untrained SAE below 0.6.
     */
    @Test
    void bothRecoverSeparatedFeaturesAndInferAtTheirEstimatedThreshold() throws IOException {
        double[] recoveryBar = {0.93, 0.80}, evBar = {0.85, 0.80};
        for (long seed : new long[] {1, 2}) {
            SyntheticSource src = new SyntheticSource(SyntheticConfig.independent(40, 32, 3, 1.0, 0.2, seed));
            float[] x = new float[4096 * 32];
            src.batchAt(-2, x, 4096);
            for (int a = 0; a < NAMES.length; a++) {
                TrainConfig cfg = config(NAMES[a], 32, 64, 4, 800, 128, seed + 10, 100, "synthetic");
                double untrained = Recovery.meanMaxCosine(src.directions(), 40, SaeTrainer.create(cfg).params().wDec().toArray(), 64, 32);
                assertTrue(untrained < 0.6, NAMES[a] + " untrained recovery " + untrained);
                SaeTrainer t = TrainingRun.start(cfg, src, TrainingRun.Options.to(temp()));
                double r = Recovery.meanMaxCosine(src.directions(), 40, t.params().wDec().toArray(), 64, 32);
                double theta = t.params().get("threshold").get(0);
                SaeTrainer.Evaluation ev = t.evaluate(x, 4096);
                String what = NAMES[a] + " (data seed " + seed + "): recovery " + r + ", EV " + ev.explainedVariance() + ", L0 " + ev.l0() + ", θ " + theta;
                assertTrue(r > recoveryBar[a], what);
                assertTrue(ev.explainedVariance() > evBar[a], what);
                assertTrue(theta > 0 && ev.l0() > 0.6 * 4 && ev.l0() < 1.4 * 4, what);
            }
        }
    }

    /**
     * synthetic:small (512 hierarchical features in d 64, ~6 active per row), m 512, k 6, 300
     * steps of 256 rows, threshold from step 50. Measured: recovery 0.477 (BatchTopK) and 0.471
     * (Matryoshka) from 0.391 untrained (512 features in 64 dimensions: no SAE separates them all
     * this early; TopK reaches 0.62 after 600 steps); held-out EV 0.63 and 0.62, L0 6.0 and 5.7.
     * Bars: recovery ≥ untrained + 0.05, EV &gt; 0.5.
     */
    @Test
    void bothLearnOnTheSmallSyntheticPreset() throws IOException {
        SyntheticSource src = new SyntheticSource(SyntheticConfig.small(1));
        int d = src.dim(), n = src.features();
        float[] x = new float[4096 * d];
        src.batchAt(-2, x, 4096);
        for (String arch : NAMES) {
            TrainConfig cfg = config(arch, d, 512, 6, 300, 256, 11, 50, "synthetic:small");
            double untrained = Recovery.meanMaxCosine(src.directions(), n, SaeTrainer.create(cfg).params().wDec().toArray(), 512, d);
            SaeTrainer t = TrainingRun.start(cfg, src, TrainingRun.Options.to(temp()));
            double r = Recovery.meanMaxCosine(src.directions(), n, t.params().wDec().toArray(), 512, d);
            SaeTrainer.Evaluation ev = t.evaluate(x, 4096);
            String what = arch + ": recovery " + r + " (untrained " + untrained + "), EV " + ev.explainedVariance() + ", L0 " + ev.l0();
            assertTrue(r >= untrained + 0.05, what);
            assertTrue(ev.explainedVariance() > 0.5, what);
        }
    }

    /**
     * A 60-step run's checkpoint holds W_enc, b_enc, W_dec, b_dec and the threshold, reads back to
     * the same tensors, settings and inference codes; stopped at 23 and resumed, every parameter
     * (the threshold, updated inside the loss, included) and Adam moment is the uninterrupted run's.
     */
    @Test
    void checkpointsReadBackAndResumeBitForBit() throws IOException {
        SyntheticSource src = new SyntheticSource(SyntheticConfig.small(4));
        float[] x = new float[256 * 64];
        src.batchAt(-2, x, 256);
        for (String arch : NAMES) {
            TrainConfig cfg = config(arch, 64, 128, 8, 60, 64, 3, 10, "synthetic:small");
            Path whole = temp(), split = temp();
            List<StepStats> stats = new ArrayList<>();
            SaeTrainer a = TrainingRun.start(cfg, src, new TrainingRun.Options(whole, 0, (s, t, sec) -> stats.add(s)));
            assertEquals(60, stats.size());
            assertTrue(stats.getLast().recon() > 0 && Double.isFinite(stats.getLast().loss()), arch + " logged its terms");
            assertEquals(List.of("W_enc", "b_enc", "W_dec", "b_dec", "threshold"), a.params().names());
            float[] theta = a.params().get("threshold").toArray();
            assertTrue(theta[0] > 0, arch + ": the threshold was estimated, θ = " + theta[0]);
            for (float v : theta) assertEquals(theta[0], v, 0f, "one threshold for every latent");

            SaeCheckpoint.Loaded ck = SaeCheckpoint.read(whole);
            assertSame(Architectures.byName(arch), ck.sae().architecture());
            assertEquals(cfg, ck.training());
            assertEquals(a.params().names(), ck.params().names());
            for (int i = 0; i < 5; i++) assertArrayEquals(a.params().list().get(i).toArray(), ck.params().list().get(i).toArray(), a.params().names().get(i));
            SparseCodes mine = a.sae().encode(x, 256), read = ck.sae().encode(x, 256);
            assertArrayEquals(mine.idx(), read.idx(), arch + " inference codes");
            assertArrayEquals(mine.val(), read.val(), arch + " inference values");
            // For SAELens, as SAELens saves it for inference: JumpReLU with θ in every latent. Read without saelab's own
            // training block (as any other tool reads it), the file is a JumpReLU SAE that encodes exactly as this one.
            assertEquals("jumprelu", ck.cfg().get("architecture").asText());
            Path asSaeLens = temp();
            Files.copy(whole.resolve(SaeCheckpoint.WEIGHTS), asSaeLens.resolve(SaeCheckpoint.WEIGHTS));
            var foreign = (com.fasterxml.jackson.databind.node.ObjectNode) ck.cfg().deepCopy();
            foreign.remove("saelab");
            Files.writeString(asSaeLens.resolve(SaeCheckpoint.CONFIG), foreign.toString());
            SaeCheckpoint.Loaded jump = SaeCheckpoint.read(asSaeLens);
            assertSame(Architectures.byName("jumprelu"), jump.sae().architecture());
            SparseCodes viaJump = jump.sae().encode(x, 256);
            assertTrue(mine.idx().length > 0 && viaJump.rows() == 256);
            for (int r = 0; r < 256; r++) {
                java.util.Map<Integer, Float> a1 = new java.util.TreeMap<>(), b1 = new java.util.TreeMap<>();
                for (int q = r * mine.k(); q < (r + 1) * mine.k(); q++) if (mine.val()[q] != 0) a1.put(mine.idx()[q], mine.val()[q]);
                for (int q = r * viaJump.k(); q < (r + 1) * viaJump.k(); q++) if (viaJump.val()[q] != 0) b1.put(viaJump.idx()[q], viaJump.val()[q]);
                assertEquals(a1, b1, arch + " row " + r + ": the JumpReLU reading encodes as the BatchTopK threshold");
            }

            TrainingRun.start(cfg, src, new TrainingRun.Options(split, 23, null));
            SaeTrainer b = TrainingRun.resume(src, TrainingRun.Options.to(split));
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(a.params().list().get(i).toArray(), b.params().list().get(i).toArray(), arch + " parameter " + a.params().names().get(i));
                assertArrayEquals(a.optimizer().firstMoment(i), b.optimizer().firstMoment(i));
                assertArrayEquals(a.optimizer().secondMoment(i), b.optimizer().secondMoment(i));
            }
        }
    }

    @Test
    void matryoshkaLogsEveryPrefixTermAndSaelensWidths() throws IOException {
        TrainConfig cfg = new TrainConfig(MatryoshkaBatchTopKArchitecture.INSTANCE.settings(Map.of("k", "8", "group_fractions", "0.25,0.25,0.5"), 64, 128),
                64, 128, 3e-3, 5, 64, 3, 0, 4, 20L * 64, PenaltyConfig.none(), 1.0, 1, 0, "synthetic:small", "t", "t");
        List<StepStats> stats = new ArrayList<>();
        Path dir = temp();
        TrainingRun.start(cfg, new SyntheticSource(SyntheticConfig.small(4)), new TrainingRun.Options(dir, 0, (s, t, sec) -> stats.add(s)));
        StepStats s = stats.getFirst();
        assertEquals(List.of("recon", "recon_32", "recon_64", "auxk"), s.terms().stream().map(LossTerm::name).toList());
        for (String t : new String[] {"recon", "recon_32", "recon_64"}) assertTrue(s.term(t) > 0, t + " exercised");
        assertTrue(s.term("recon_32") > s.term("recon_64") && s.term("recon_64") > s.term("recon"), "wider prefixes reconstruct better: " + s.terms());
        assertEquals(s.loss(), s.weightedSum(), 1e-5 * s.loss(), "the total is the weighted sum of the named terms");
        var widths = SaeCheckpoint.read(dir).cfg().get("matryoshka_widths");
        assertEquals(List.of(32, 64, 128), List.of(widths.get(0).asInt(), widths.get(1).asInt(), widths.get(2).asInt()));
    }

    @Test
    void settingsHaveDefaultsRoundTripAndRefuseBadValuesInOneLine() throws Exception {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        for (SaeArchitecture a : new SaeArchitecture[] {BatchTopKArchitecture.INSTANCE, MatryoshkaBatchTopKArchitecture.INSTANCE}) {
            SaeSettings s = a.settings(Map.of(), 64, 512);
            var o = mapper.createObjectNode();
            s.toJson(o);
            assertEquals(s, a.settings(mapper.readTree(mapper.writeValueAsString(o)), 64, 512), a.name() + " settings through JSON");
            var e = assertThrows(IllegalArgumentException.class, () -> a.settings(Map.of("k", "513"), 64, 512));
            assertTrue(e.getMessage().contains("k = 513") && e.getMessage().contains("d_sae = 512") && !e.getMessage().contains("\n"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> a.settings(Map.of("threshold_beta", "1"), 64, 512));
            assertTrue(e.getMessage().contains("threshold_beta = 1.0: expected a number in [0, 1)"), e.getMessage());
        }
        assertEquals(new BatchTopKArchitecture.Settings(32, 1.0 / 32, 32, 0.999, 1000), BatchTopKArchitecture.INSTANCE.settings(Map.of(), 64, 512));
        var m = MatryoshkaBatchTopKArchitecture.INSTANCE;
        assertArrayEquals(new int[] {16, 32, 64, 128, 272}, m.settings(Map.of(), 64, 512).groupSizes(512), "halving groups by default");
        assertArrayEquals(new int[] {4, 4, 8}, m.settings(Map.of(), 8, 16).groupSizes(16), "fewer groups for a small dictionary");
        assertSame(m, Architectures.byName("Matryoshka"));
        var e = assertThrows(IllegalArgumentException.class, () -> m.settings(Map.of("group_fractions", "0.5,0.6"), 64, 512));
        assertEquals("matryoshka_batchtopk SAE setting group_fractions = 0.5,0.6: expected fractions summing to 1 (they sum to 1.1)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.settings(Map.of("group_fractions", "0.001,0.999"), 64, 512));
        assertTrue(e.getMessage().contains("every group non-empty at d_sae = 512"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.settings(Map.of("group_weights", "1,2"), 64, 512));
        assertTrue(e.getMessage().contains("group_weights = 1.0,2.0: expected one weight per group (5)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.settings(Map.of("group_fractions", "half,half"), 64, 512));
        assertEquals("matryoshka_batchtopk SAE setting group_fractions = half,half: expected numbers separated by commas", e.getMessage());
    }
}
