package saelab.train.trainer;

import saelab.train.TestConfigs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static saelab.train.Props.qt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.junit.jupiter.api.Test;
import saelab.train.checkpoint.SaeCheckpoint;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.source.ActivationSource;
import saelab.train.source.SyntheticConfig;
import saelab.train.source.SyntheticSource;

/**
 * Bad numbers stop training at the step they appear, with the step and the place named, and
 * leave the last checkpoint written before them as it was.
 */
class NonFiniteTrainingTest {
    static final long SEED = 0x5EED_14_02L;
    static final int D = 16, M = 32, BATCH = 32, STEPS = 20, EVERY = 5;
    static final float[] POISONS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};

    /** The synthetic batches, with batch {@code badStep} changed by {@code spoil}. */
    record Spoilt(SyntheticSource base, long badStep, java.util.function.Consumer<float[]> spoil) implements ActivationSource {
        @Override public int dim() { return base.dim(); }
        @Override public void nextBatch(float[] x, int rows) { throw new UnsupportedOperationException(); }
        @Override public void batchAt(long index, float[] x, int rows) {
            base.batchAt(index, x, rows);
            if (index == badStep) spoil.accept(x);
        }
    }

    static SyntheticSource synthetic() {
        return new SyntheticSource(SyntheticConfig.independent(24, D, 3, 1.0, 0.2, 5));
    }

    static TrainConfig config(boolean relu) {
        return TestConfigs.legacy(relu ? "standard" : "topk", D, M, 4, 3e-3, STEPS, BATCH, 1,
                2, 16, 1.0 / 32, 4L * BATCH, D / 2, 0.04, 4, PenaltyConfig.none(), 1.0, 3, EVERY, "synthetic:test", "t", "t");
    }

    /** The checkpoint a diverged run must have kept: the last multiple of EVERY at or below the bad step, or none. */
    static void assertKeptCheckpoint(Path out, long badStep, String message) {
        long kept = badStep / EVERY * EVERY;
        if (kept == 0) {
            assertFalse(Files.exists(out.resolve("sae_weights.safetensors")), "no checkpoint before step " + badStep);
            assertTrue(message.endsWith("no checkpoint was written in " + out), message);
            return;
        }
        SaeCheckpoint.Loaded ck = SaeCheckpoint.read(out);
        assertEquals(kept, ck.step(), "the checkpoint is the last one before the bad step");
        assertEquals(null, NonFinite.badWeight(ck.params()), "the kept checkpoint's weights are finite");
        assertTrue(message.endsWith("the checkpoint after " + kept + " steps in " + out + " is kept"), message);
    }

    @Test void aNonFiniteActivationStopsTheRunAtItsStepRowAndColumn() {
        System.out.println("NonFiniteTrainingTest seed " + SEED);
        int[] ran = {0};
        qt(SEED, 12).forAll(integers().between(0, STEPS - 1), integers().between(0, BATCH * D - 1), integers().between(0, 5))
                .checkAssert((step, at, kind) -> {
                    float v = POISONS[kind % 3];
                    Path out = temp();
                    try {
                        ActivationSource src = new Spoilt(synthetic(), step, x -> x[at] = v);
                        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                                () -> TrainingRun.start(config(kind >= 3), src, TrainingRun.Options.to(out)));
                        String m = e.getMessage();
                        assertTrue(m.startsWith("step " + step + ": the batch from synthetic:test holds " + v + " at row " + at / D
                                + ", column " + at % D + ";"), m);
                        assertEquals(1, m.lines().count());
                        assertKeptCheckpoint(out, step, m);
                        ran[0]++;
                    } finally {
                        delete(out);
                    }
                });
        assertTrue(ran[0] >= 8, "examples run: " + ran[0]);
    }

    /** Finite activations at ±1e30 overflow the loss, not the input check; the term and the step are named. */
    @Test void hugeActivationsStopTrainingAtTheStepTheLossOverflows() {
        for (boolean relu : new boolean[] {false, true}) {
            for (long step : new long[] {3, 12}) {
                Path out = temp();
                try {
                    ActivationSource src = new Spoilt(synthetic(), step, x -> { for (int i = 0; i < x.length; i++) x[i] *= (i % 2 == 0 ? 1e30f : -1e30f); });
                    TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                            () -> TrainingRun.start(config(relu), src, TrainingRun.Options.to(out)));
                    String m = e.getMessage();
                    assertTrue(m.startsWith("step " + step + ": the loss term recon is Infinity"), m);
                    assertKeptCheckpoint(out, step, m);
                    long logged = java.util.stream.LongStream.range(0, step).filter(s -> s == 0 || (s + 1) % 3 == 0).count();
                    assertEquals(logged, logLines(out), "log lines: the steps before " + step + " that log, none for the bad step");
                } finally {
                    delete(out);
                }
            }
        }
    }

    /** A state with a non-finite weight is never written: the checkpoint on disk stays byte for byte. */
    @Test void aCheckpointIsNotWrittenOverWithANonFiniteWeight() throws IOException {
        Path out = temp();
        try {
            SaeTrainer t = TrainingRun.start(config(false), synthetic(), new TrainingRun.Options(out, EVERY, null));
            byte[] weights = Files.readAllBytes(out.resolve("sae_weights.safetensors"));
            byte[] state = Files.readAllBytes(out.resolve("trainer_state.safetensors"));
            t.params().wDec().data()[37] = Float.NaN;
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> TrainingRun.checkpoint(t, out, new float[t.config().batch() * t.config().dIn()]));
            assertTrue(e.getMessage().startsWith("after " + EVERY + " steps: W_dec[37] is NaN; the checkpoint was not written"), e.getMessage());
            assertArrayEquals(weights, Files.readAllBytes(out.resolve("sae_weights.safetensors")));
            assertArrayEquals(state, Files.readAllBytes(out.resolve("trainer_state.safetensors")));
        } finally {
            delete(out);
        }
    }

    /** Each term is named when it alone is not finite, before the total that sums it; the norm only with clipping on. */
    @Test void theFirstNonFiniteTermIsNamed() {
        TrainConfig topk = config(false), relu = config(true);
        double nan = Double.NaN, inf = Double.POSITIVE_INFINITY;
        assertEquals(null, NonFinite.badTerm(stats(1, 1, 1, 1, 0.5), topk));
        assertEquals("the loss term recon is NaN", NonFinite.badTerm(stats(nan, nan, inf, 1, 0.5), topk));
        assertEquals("the loss term auxk is Infinity", NonFinite.badTerm(stats(nan, 1, inf, nan, 0.5), topk));
        assertEquals("the loss term l1 is Infinity", NonFinite.badTerm(stats("l1", nan, 1, inf, nan, 0.5), relu));
        assertEquals("the loss term penalty is -Infinity", NonFinite.badTerm(stats(inf, 1, 1, -inf, 0.5), topk));
        assertEquals("the total loss is Infinity", NonFinite.badTerm(stats(inf, 1, 1, 1, 0.5), topk));
        assertEquals("the gradient norm is NaN", NonFinite.badTerm(stats(1, 1, 1, 1, nan), topk));
        TrainConfig noClip = TestConfigs.legacy("topk", D, M, 4, 3e-3, STEPS, BATCH, 1, 2, 16, 1.0 / 32, 4L * BATCH, D / 2, 0.04, 4,
                PenaltyConfig.none(), 0, 3, EVERY, "synthetic:test", "t", "t");
        assertEquals(null, NonFinite.badTerm(stats(1, 1, 1, 1, nan), noClip), "without clipping the norm is NaN by convention");
    }

    static StepStats stats(double loss, double recon, double sparsity, double penalty, double gradNorm) {
        return stats("auxk", loss, recon, sparsity, penalty, gradNorm);
    }

    /** @param term the architecture's sparsity term's name (TopK: auxk; standard: l1) */
    static StepStats stats(String term, double loss, double recon, double sparsity, double penalty, double gradNorm) {
        return new StepStats(7, 0.35, 1e-3, loss, java.util.List.of(saelab.train.arch.LossTerm.unweighted("recon", recon),
                new saelab.train.arch.LossTerm(term, sparsity, term + "_weight", 1.0 / 32)), penalty, 0, 0, 0, 0, 0, 0, 4, 0.9, 10, 0, gradNorm);
    }

    static long logLines(Path out) {
        try (var lines = Files.lines(out.resolve("log.jsonl"))) {
            return lines.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path temp() {
        try {
            return Files.createTempDirectory("nonfinite-training");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path dir) {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
