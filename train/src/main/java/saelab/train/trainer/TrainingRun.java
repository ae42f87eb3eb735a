package saelab.train.trainer;

import java.nio.file.Path;
import saelab.train.checkpoint.CheckpointManifest;
import saelab.train.checkpoint.FeatureSparsity;
import saelab.train.checkpoint.RunFolder;
import saelab.train.checkpoint.SaeCheckpoint;
import saelab.train.checkpoint.TrainerState;
import saelab.train.source.ActivationSource;

/**
 * Drives a trainer over its steps: batch {@code s} of the source for step s (so the data is a
 * function of the step, which makes resuming exact), a JSONL line every {@code logEvery} steps
 * and at the last, a checkpoint every {@code checkpointEvery} steps and at the end. A checkpoint
 * is one atomic step ({@link CheckpointManifest}): a resume reads only the files the last
 * committed manifest names. Starting or resuming first removes what a killed run left behind
 * ({@link RunFolder#removeStrays}); a fresh start also drops the folder's old checkpoints, which
 * belong to another run.
 *
 * <p>The trainer is {@link SaeTrainer#close closed} before it is returned: a resident device step
 * hands its state back and frees the device, so the caller holds the final state on the host
 * (reading it costs nothing more: the last checkpoint downloaded it already).
 */
public final class TrainingRun {
    private TrainingRun() {}

    /** Called after every step with the tokens seen and the seconds spent so far. */
    public interface Listener {
        void onStep(StepStats stats, long tokens, double seconds);

        /** Called once the trainer is built, before the first step (e.g. to print {@link SaeTrainer#engine}). */
        default void onStart(SaeTrainer trainer) {}
    }

    /**
     * @param out       the run's folder: checkpoint files and log.jsonl
     * @param stopAfter stop (with a checkpoint) once this many steps are done; ≤ 0: run to the end
     */
    public record Options(Path out, long stopAfter, Listener listener) {
        public static Options to(Path out) { return new Options(out, 0, null); }
    }

    /** A fresh run. The source must be the one the config names. */
    public static SaeTrainer start(TrainConfig cfg, ActivationSource source, Options o) {
        requireWidth(cfg, source);
        RunFolder.removeStrays(o.out());
        RunFolder.clearCheckpoints(o.out());
        SaeTrainer t = SaeTrainer.create(cfg);
        try (t) {
            if (o.listener() != null) o.listener().onStart(t);
            float[] x = new float[cfg.batch() * cfg.dIn()];
            // Batch −1 is the initialisation batch; training steps use batches 0, 1, ...
            source.batchAt(-1, x, cfg.batch());
            requireFiniteBatch(x, cfg, "initialisation");
            t.initialize(x, cfg.batch());
            try (TrainingLog log = TrainingLog.start(o.out())) {
                loop(t, source, o, log);
            }
        }
        return t;
    }

    /** Continues the run saved in {@code o.out()} where its last checkpoint left it. */
    public static SaeTrainer resume(ActivationSource source, Options o) {
        RunFolder.removeStrays(o.out());
        Path from = CheckpointManifest.resumeFrom(o.out());
        SaeCheckpoint.Loaded ck = SaeCheckpoint.read(from);
        if (ck.training() == null) throw new IllegalArgumentException(from + ": cfg.json has no saelab training config; not a saelab run");
        if (!TrainerState.exists(from)) throw new IllegalArgumentException(from + ": no " + TrainerState.FILE + "; cannot resume");
        TrainConfig cfg = ck.training();
        requireWidth(cfg, source);
        SaeTrainer t = SaeTrainer.of(cfg, ck.sae());
        try (t) {
            if (o.listener() != null) o.listener().onStart(t);
            long step = TrainerState.restore(from, t, ck.step());
            try (TrainingLog log = TrainingLog.resume(o.out(), step)) {
                loop(t, source, o, log);
            }
        }
        return t;
    }

    private static void loop(SaeTrainer t, ActivationSource source, Options o, TrainingLog log) {
        TrainConfig cfg = t.config();
        float[] x = new float[cfg.batch() * cfg.dIn()];
        long startStep = t.step();
        long begin = System.nanoTime();
        long end = o.stopAfter() > 0 ? Math.min(cfg.steps(), o.stopAfter()) : cfg.steps();
        long checkpointed = startStep > 0 ? startStep : -1;
        while (t.step() < end) {
            long s = t.step();
            source.batchAt(s, x, cfg.batch());
            boolean logged = (s + 1) % cfg.logEvery() == 0 || s == cfg.lastStep() || s == 0;
            // Full co-firing statistics only where they are written to the log.
            StepStats stats;
            try {
                requireFiniteBatch(x, cfg, "step " + s);
                stats = t.step(x, cfg.batch(), logged);
            } catch (TrainingDivergedException e) {
                throw new TrainingDivergedException(e.getMessage() + kept(o.out(), checkpointed));
            }
            long tokens = (s + 1) * cfg.batch();
            double seconds = (System.nanoTime() - begin) / 1e9;
            if (logged) {
                log.write(TrainingLog.toJson(stats, cfg, tokens, seconds));
            }
            if (o.listener() != null) o.listener().onStep(stats, (s + 1 - startStep) * cfg.batch(), seconds);
            boolean last = t.step() == end;
            if (last || (cfg.checkpointEvery() > 0 && t.step() % cfg.checkpointEvery() == 0)) {
                try {
                    checkpoint(t, o.out(), x);
                } catch (TrainingDivergedException e) {
                    throw new TrainingDivergedException(e.getMessage() + kept(o.out(), checkpointed));
                }
                checkpointed = t.step();
            }
        }
    }

    /** What is left on disk after a diverged step: the last checkpoint written, if any. */
    private static String kept(Path out, long checkpointed) {
        return checkpointed > 0 ? "; the checkpoint after " + checkpointed + " steps in " + out + " is kept"
                : "; no checkpoint was written in " + out;
    }

    /**
     * A batch holding NaN or ±Inf stops the run before the step (the update would spread it to
     * every weight). A scan of batch × d floats is small beside the step's batch × d × m work.
     * Sources that know their files (shards) report the place themselves as they read it.
     */
    private static void requireFiniteBatch(float[] x, TrainConfig cfg, String where) {
        int i = NonFinite.firstNonFinite(x, 0, cfg.batch() * cfg.dIn());
        if (i < 0) return;
        throw new TrainingDivergedException(where + ": the batch from " + cfg.source() + " holds " + x[i] + " at row "
                + i / cfg.dIn() + ", column " + i % cfg.dIn() + "; activations must be finite; training stopped");
    }

    /**
     * Writes the checkpoint, unless a weight is not finite: then it throws and the previous
     * checkpoint stays as it was (a NaN state is never saved over a good one). {@code lastBatch}
     * (the batch of the step just taken, {@code batch} rows) gives sparsity.safetensors its
     * firing densities: the SAE's codes on the rows it just trained on.
     */
    public static void checkpoint(SaeTrainer t, Path out, float[] lastBatch) {
        String bad = t.nonFiniteWeight();
        if (bad != null) throw new TrainingDivergedException("after " + t.step() + " steps: " + bad + "; the checkpoint was not written, training stopped");
        int rows = t.config().batch();
        float[] sparsity = FeatureSparsity.log10Density(t.sae().encode(lastBatch, rows));
        CheckpointManifest.write(out, t, sparsity, rows);
    }

    private static void requireWidth(TrainConfig cfg, ActivationSource source) {
        if (source.dim() != cfg.dIn()) throw new IllegalArgumentException("the source yields d = " + source.dim() + " but the SAE has d_in = " + cfg.dIn());
    }
}
