package saelab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import saelab.model.AtomicFiles;
import saelab.tensor.kernels.Parallel;
import saelab.train.checkpoint.SaeCheckpoint;
import saelab.train.metrics.Recovery;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.schedule.Schedule;
import saelab.train.schedule.Schedules;
import saelab.train.source.ActivationSource;
import saelab.train.source.ShardSource;
import saelab.train.source.SyntheticSource;
import saelab.train.trainer.SaeTrainer;
import saelab.train.trainer.TrainConfig;
import saelab.train.trainer.TrainingRun;

/** {@code saelab train}: one SAE, from a preset and flags, into a SAELens-layout folder. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a sparse autoencoder (TopK or ReLU+L1, optionally with the co-firing orthogonality penalty).",
                "Writes sae_weights.safetensors + cfg.json (SAELens layout), trainer_state.safetensors, log.jsonl and eval.json into --out."})
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--preset", paramLabel = "NAME", description = "Starting configuration (see below; default: topk). Flags override it.")
    String preset = "topk";
    @Option(names = "--sae", paramLabel = "topk|relu", description = "Architecture.")
    String sae;
    @Option(names = "--penalty", paramLabel = "none|static|adaptive", description = "Co-firing orthogonality penalty (TopK only).")
    String penalty;
    @Option(names = "--lambda2", paramLabel = "SCHEDULE", description = "Penalty weight λ2(p).")
    String lambda2;
    @Option(names = "--threshold", paramLabel = "SCHEDULE", description = "Co-firing threshold(p); at 0, c_ij = [n_ij > 0].")
    String threshold;
    @Option(names = "--overlap", paramLabel = "activation|decoder", description = "Penalised overlap: (fᵀf)_ij/B or W_dec[i]·W_dec[j] (default activation).")
    String overlap = "activation";
    @Option(names = "--cofire-norm", paramLabel = "batch|min", description = "n_ij normalised by batch size or min(count_i, count_j) (default batch).")
    String cofireNorm = "batch";
    @Option(names = "--m", paramLabel = "N", description = "Latents (default: 16384 on model data, 1024 on synthetic:small).")
    Integer m;
    @Option(names = "--k", paramLabel = "N", description = "TopK's k (default: 320 on model data, 8 on synthetic:small).")
    Integer k;
    @Option(names = "--lr", description = "Peak learning rate (default: the preset's, scaled by √(16384/m); ×15 on synthetic data).")
    Double lr;
    @Option(names = "--steps", description = "Optimiser steps (default ${DEFAULT-VALUE}).")
    long steps = 1500;
    @Option(names = "--batch", description = "Rows per step (default ${DEFAULT-VALUE}).")
    int batch = 512;
    @Option(names = "--seed", description = "Seeds the SAE's initialisation (default ${DEFAULT-VALUE}).")
    long seed = 0;
    @Option(names = "--data-seed", description = "Seeds the synthetic data (default ${DEFAULT-VALUE}).")
    long dataSeed = 0;
    @Option(names = "--source", paramLabel = "SRC", description = "synthetic (= synthetic:small), synthetic:synthsaebench, or shards:DIR (a saelab harvest folder; BOS rows skipped, shuffled through a 65,536-row buffer); a live model source is not yet available (default ${DEFAULT-VALUE}).")
    String source = "synthetic";
    @Option(names = "--l1", description = "L1 coefficient for relu (default: the preset's, 0.04 for standard).")
    Double l1;
    @Option(names = "--l1-warmup", paramLabel = "STEPS", description = "L1 warm-up steps (default: min(1000, steps/10)).")
    Long l1Warmup;
    @Option(names = "--warmup", paramLabel = "STEPS", description = "lr warm-up steps (default: min(1000, steps/10)).")
    Long warmup;
    @Option(names = "--decay-start", paramLabel = "FRACTION", description = "lr decays linearly to 0 from this fraction of training (default ${DEFAULT-VALUE}; 1: none).")
    double decayStart = 0.8;
    @Option(names = "--auxk-alpha", description = "Auxiliary TopK loss weight (default ${DEFAULT-VALUE}).")
    double auxkAlpha = 1.0 / 32;
    @Option(names = "--dead-tokens", paramLabel = "N", description = "Tokens without firing before a latent counts as dead (default: 10M on model data, 50 batches on synthetic).")
    Long deadTokens;
    @Option(names = "--k-aux", paramLabel = "N", description = "Latents the auxiliary loss keeps per row (default d/2).")
    Integer kAux;
    @Option(names = "--grad-clip", description = "Global gradient-norm clip, ≤ 0 for none (default ${DEFAULT-VALUE}).")
    double gradClip = 1.0;
    @Option(names = "--log-every", paramLabel = "STEPS", description = "JSONL log interval (default ${DEFAULT-VALUE}).")
    long logEvery = 10;
    @Option(names = "--checkpoint-every", paramLabel = "STEPS", description = "Checkpoint interval, 0 for only at the end (default ${DEFAULT-VALUE}).")
    long checkpointEvery = 500;
    @Option(names = "--hook-name", description = "SAELens hook name for cfg.json (default: the harvest's layer for shards:DIR, else blocks.12.hook_resid_post).")
    String hookName;
    @Option(names = "--model-name", description = "SAELens model name for cfg.json (default: the harvested model's folder name for shards:DIR, synthetic:... for synthetic data, else gemma-2-2b).")
    String modelName;
    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default runs/<preset>-seed<seed>).")
    Path out;
    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run saved in DIR from its last checkpoint (other flags are ignored).")
    Path resume;
    @Option(names = "--threads", description = "Kernel threads (default: all cores).")
    Integer threads;
    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    /** What a finished run reports (also written to eval.json). */
    record Result(Path out, long steps, double l0, double explainedVariance, double mse, Double recovery) {}

    Result lastResult;

    @Override public Integer call() {
        try {
            lastResult = run(System.err);
            return 0;
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("saelab train: " + e.getMessage());
            return 2;
        }
    }

    /** Resolves the preset, defaults and flags into a config; public for the sweep. */
    TrainConfig config() {
        TrainPreset p = TrainPreset.parse(preset);
        String src = Sources.spec(source, dataSeed);
        boolean synthetic = src.startsWith("synthetic");
        ActivationSource probe = Sources.open(src);
        int d = probe.dim();
        boolean small = src.startsWith("synthetic:small");
        int mm = m != null ? m : synthetic ? (small ? 1024 : 16384) : 16384;
        int kk = k != null ? k : synthetic ? (small ? 8 : 64) : 320;
        String arch = sae != null ? sae : p.sae;
        String pen = penalty != null ? penalty : p.penalty;
        PenaltyConfig.Kind kind = PenaltyConfig.parseKind(pen);
        // Schedules default to the preset's when its penalty is the one asked for, else to the
        // original experiment's values for that kind.
        boolean presetKind = PenaltyConfig.parseKind(p.penalty) == kind;
        String l2 = lambda2 != null ? lambda2 : presetKind ? p.lambda2 : switch (kind) { case NONE -> "0"; case STATIC -> "0.1"; case ADAPTIVE -> "quadratic(0.1)"; };
        String th = threshold != null ? threshold : presetKind ? p.threshold : switch (kind) { case NONE -> "0"; case STATIC -> "0.1"; case ADAPTIVE -> "linear(0.1)"; };
        PenaltyConfig pc = new PenaltyConfig(kind, Schedule.parse(l2), Schedule.parse(th), PenaltyConfig.parseTarget(overlap),
                PenaltyConfig.parseNormalization(cofireNorm));
        long warm = warmup != null ? warmup : Math.min(1000, steps / 10);
        long l1w = l1Warmup != null ? l1Warmup : Math.min(1000, steps / 10);
        double l1c = l1 != null ? l1 : p.l1 > 0 ? p.l1 : 0.04;
        long dead = deadTokens != null ? deadTokens : synthetic ? 50L * batch : 10_000_000L;
        if (!(decayStart >= 0 && decayStart <= 1)) throw new IllegalArgumentException("--decay-start is a fraction of training in [0, 1], got " + decayStart);
        return new TrainConfig(TrainConfig.Architecture.parse(arch), d, mm, kk, lr != null ? lr : p.lr(mm, synthetic), steps, batch, seed,
                warm, Math.round(decayStart * steps), auxkAlpha, dead, kAux != null ? kAux : Math.max(1, d / 2), l1c, l1w, pc,
                gradClip, logEvery, checkpointEvery, src,
                hookName != null ? hookName : probe instanceof ShardSource sh ? sh.manifest().hookName() : "blocks.12.hook_resid_post",
                modelName != null ? modelName : synthetic ? src
                        : probe instanceof ShardSource sh ? Path.of(sh.manifest().model()).getFileName().toString() : "gemma-2-2b");
    }

    Result run(PrintStream err) {
        if (threads != null) Parallel.setParallelism(threads);
        Progress progress = quiet ? null : new Progress(err);
        SaeTrainer t;
        Path dir;
        ActivationSource src;
        if (resume != null) {
            dir = resume;
            TrainConfig saved = SaeCheckpoint.read(dir).training();
            if (saved == null) throw new IllegalArgumentException(dir + " holds no saelab training config; cannot resume");
            src = Sources.open(saved.source());
            t = TrainingRun.resume(src, new TrainingRun.Options(dir, 0, progress == null ? null : progress.listener(saved)));
        } else {
            TrainConfig cfg = config();
            dir = out != null ? out : Path.of("runs", preset + "-seed" + seed);
            src = Sources.open(cfg.source());
            if (!quiet) err.println("saelab train: " + describe(cfg) + " → " + dir);
            t = TrainingRun.start(cfg, src, new TrainingRun.Options(dir, 0, progress == null ? null : progress.listener(cfg)));
        }
        if (progress != null) progress.finish();
        Result r = evaluate(t, src, dir);
        writeEval(r, dir);
        err.println(String.format(Locale.ROOT, "final: step %d  L0 %.2f  explained variance %.4f  MSE %.4g%s  → %s", r.steps(), r.l0(),
                r.explainedVariance(), r.mse(), r.recovery() == null ? "" : String.format(Locale.ROOT, "  recovery (mean max |cos|) %.4f", r.recovery()), dir));
        return r;
    }

    static String describe(TrainConfig c) {
        String pen = c.penalty().active() ? String.format(Locale.ROOT, ", %s penalty λ2 %s threshold %s on %s overlap (%s)",
                PenaltyConfig.name(c.penalty().kind()), c.penalty().lambda2().spec(), c.penalty().threshold().spec(),
                PenaltyConfig.name(c.penalty().target()), PenaltyConfig.name(c.penalty().normalization())) : "";
        return String.format(Locale.ROOT, "%s SAE d %d m %d%s, lr %.3g, %d steps × %d rows%s, source %s", c.architecture().saeLensName(),
                c.dIn(), c.dSae(), c.architecture() == TrainConfig.Architecture.TOPK ? " k " + c.k() : " L1 " + c.l1(), c.lr(), c.steps(), c.batch(), pen, c.source());
    }

    /** Held-out batch (index −2, never a training batch) of 4096 rows; recovery on synthetic data. */
    static Result evaluate(SaeTrainer t, ActivationSource src, Path dir) {
        int rows = 4096, d = t.config().dIn();
        float[] x = new float[rows * d];
        src.batchAt(-2, x, rows);
        SaeTrainer.Evaluation e = t.evaluate(x, rows);
        Double rec = null;
        if (src instanceof SyntheticSource s) {
            rec = Recovery.meanMaxCosine(s.directions(), s.config().features(), t.params().wDec().toArray(), t.config().dSae(), d);
        }
        return new Result(dir, t.step(), e.l0(), e.explainedVariance(), e.mse(), rec);
    }

    static void writeEval(Result r, Path dir) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode o = json.createObjectNode();
        o.put("steps", r.steps());
        o.put("l0", r.l0());
        o.put("explained_variance", r.explainedVariance());
        o.put("mse", r.mse());
        if (r.recovery() != null) o.put("mean_max_cosine", r.recovery());
        o.put("eval_rows", 4096);
        try {
            AtomicFiles.write(dir.resolve("eval.json"), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(o));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The --help footer: presets, schedule syntax (from {@link Schedules#help()}) and examples. */
    static void installHelp(picocli.CommandLine train) {
        train.getCommandSpec().usageMessage().width(120).footerHeading("%n").footer(
                "Presets (--preset):", TrainPreset.help().replace("%", "%%"), "",
                "Schedules (--lambda2, --threshold), functions of training progress p = step / steps:", Schedules.help().replace("%", "%%"), "",
                "Examples:", "  saelab train --preset adaptive --out runs/adaptive",
                "  saelab train --penalty adaptive --lambda2 'power(0.08, 0.2)' --threshold 'linear(0.1)' --overlap decoder --out runs/dec",
                "  saelab train --resume runs/adaptive");
    }
}
