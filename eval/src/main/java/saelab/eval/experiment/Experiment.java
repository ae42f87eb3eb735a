package saelab.eval.experiment;

import java.io.PrintStream;
import saelab.train.arch.LossTerm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import saelab.eval.report.SeedSpread;
import saelab.tensor.kernels.Parallel;
import saelab.train.sae.SaeParams;
import saelab.train.source.ActivationSource;
import saelab.train.source.SyntheticConfig;
import saelab.train.source.SyntheticSource;
import saelab.train.trainer.SaeTrainer;
import saelab.train.trainer.StepStats;
import saelab.train.trainer.TrainConfig;
import saelab.train.trainer.TrainingRun;

/**
 * Runs the comparison: every variant × seed trained with {@link TrainingRun} in
 * {@code phases} segments (start, then resume from the checkpoint, each stopping at the next
 * phase boundary: resuming is bit-identical, so the segments are one uninterrupted run), a
 * {@link Snapshot} on the held-out batch after each segment, the training curve collected from
 * the run's listener. Each run's checkpoint and log.jsonl stay in {@code out/runs/<variant>-seed<s>}.
 */
public final class Experiment {
    private Experiment() {}

    /** One training-curve point (every {@link ExperimentConfig#logEvery()} steps). */
    public record CurvePoint(long step, double loss, List<LossTerm> terms, double penaltyTerm, double lambda2,
                             double threshold, double l0, double explainedVariance, int activeLatents, int deadLatents) {
        public CurvePoint {
            terms = List.copyOf(terms);
        }

        /** The reconstruction term ‖x − x̂‖² per row (every architecture's first term). */
        public double recon() {
            for (LossTerm t : terms) if (t.name().equals("recon")) return t.value();
            return Double.NaN;
        }
    }

    public record RunResult(String variant, long seed, Path dir, double trainSeconds, double evalSeconds,
                            List<Snapshot> phases, List<CurvePoint> curve) {
        public Snapshot last() { return phases.getLast(); }
    }

    /**
     * @param synthetic the synthetic source's settings (null on a model)
     * @param model     the harvest and model metrics of a model experiment (null on synthetic data)
     */
    public record Result(ExperimentConfig config, SyntheticConfig synthetic, ModelExperiment.Info model, List<RunResult> runs, double seconds) {
        public Result(ExperimentConfig config, SyntheticConfig synthetic, List<RunResult> runs, double seconds) {
            this(config, synthetic, null, runs, seconds);
        }

        public boolean onModel() { return model != null; }

        /** Runs of one variant, in seed order. */
        public List<RunResult> of(String variant) { return runs.stream().filter(r -> r.variant().equals(variant)).toList(); }
    }

    /** Measures a run's SAE after each phase; {@code last} marks the end of training; {@code status} goes on the run's progress line. */
    interface Evaluator {
        Snapshot measure(TrainConfig cfg, SaeParams p, long step, boolean last, Consumer<String> status);
    }

    /**
     * Runs the experiment: on the synthetic source, or with {@code e.model()} set on the model's
     * activations ({@link ModelExperiment}, with its default model metrics). On the synthetic
     * source, the true features come from the preset and {@code e.dataSeed()}; run seed s trains
     * on its own stream of batches over those features ({@link SyntheticSource#withStream}) from
     * its own initialisation, and every variant runs the same seeds, so the runs of two variants
     * with the same seed are paired. Runs train side by side, one per core, each on one thread
     * (no kernel result depends on the thread count, so the numbers are those of a sequential run).
     *
     * @param err progress lines (null for none)
     */
    public static Result run(ExperimentConfig e, PrintStream err) {
        if (e.onModel()) return ModelExperiment.run(e, err, ModelMetric.defaults());
        long begin = System.nanoTime();
        SyntheticSource src = new SyntheticSource(e.syntheticConfig());
        try {
            java.nio.file.Files.createDirectories(e.out());
        } catch (java.io.IOException x) {
            throw new java.io.UncheckedIOException("cannot create the output folder " + e.out() + ": " + x.getMessage(), x);
        }
        GroundTruthFile.write(src, e.sourceSpec(), e.out());
        Snapshot.HeldOut held = Snapshot.HeldOut.of(src, e.evalRows());
        List<Variant> variants = e.variants();
        List<Long> seeds = e.seeds();
        int total = variants.size() * seeds.size();
        ExperimentProgress progress = new ExperimentProgress(err, total, e.steps(), begin);
        RunResult[] runs = new RunResult[total];
        int workers = Math.min(total, Parallel.parallelism());
        java.util.function.IntConsumer one = i -> {
            Variant v = variants.get(i / seeds.size());
            long seed = seeds.get(i % seeds.size());
            runs[i] = runOne(e, v, seed, src.withStream(seed), (cfg, p, step, last, status) -> Snapshot.measure(cfg, p, step, held, e.recoveryBar()),
                    progress.start(label(v, seed), e.steps()));
        };
        if (workers <= 1) {
            for (int i = 0; i < total; i++) one.accept(i);
        } else {
            // One run per core: the kernel pool runs them (the caller takes its share), each with its kernels inline.
            Parallel.forRange(total, workers, i -> Parallel.inline(() -> one.accept(i)));
        }
        return new Result(e, src.config(), List.of(runs), (System.nanoTime() - begin) / 1e9);
    }

    static String label(Variant v, long seed) {
        return v.id() + " seed " + seed;
    }

    /** Where a run's checkpoint and log go: {@code out/runs/<variant>-seed<s>}. */
    static Path runDir(ExperimentConfig e, Variant v, long seed) {
        return e.out().resolve("runs").resolve(v.id() + "-seed" + seed);
    }

    static RunResult runOne(ExperimentConfig e, Variant v, long seed, ActivationSource src, Evaluator eval, ExperimentProgress.Run line) {
        TrainConfig cfg = v.trainConfig(e, src.dim(), seed);
        Path dir = runDir(e, v, seed);
        List<CurvePoint> curve = new ArrayList<>();
        List<Snapshot> phases = new ArrayList<>();
        TrainingRun.Listener listener = (s, tokens, seconds) -> {
            if ((s.step() + 1) % cfg.logEvery() == 0 || s.step() == 0 || s.step() == cfg.lastStep()) curve.add(point(s));
            line.update(s);
        };
        double trainSec = 0, evalSec = 0;
        SaeTrainer t = null;
        for (int i = 1; i <= e.phases(); i++) {
            long stop = e.phaseEnd(i);
            long t0 = System.nanoTime();
            TrainingRun.Options o = new TrainingRun.Options(dir, stop, listener);
            t = i == 1 ? TrainingRun.start(cfg, src, o) : TrainingRun.resume(src, o);
            long t1 = System.nanoTime();
            phases.add(eval.measure(cfg, t.params(), t.step(), i == e.phases(), line::status));
            trainSec += (t1 - t0) / 1e9;
            evalSec += (System.nanoTime() - t1) / 1e9;
        }
        line.done(phases.getLast(), trainSec, evalSec);
        return new RunResult(v.id(), seed, dir, trainSec, evalSec, phases, curve);
    }

    private static CurvePoint point(StepStats s) {
        return new CurvePoint(s.step(), s.loss(), s.terms(), s.penaltyTerm(), s.lambda2(), s.threshold(), s.l0(),
                s.explainedVariance(), s.activeLatents(), s.deadLatents());
    }

    /** What a finished or started experiment leaves in its folder (a model experiment's harvest/ is not among them: it is reused). */
    static final List<String> OUTPUTS = List.of("runs", "results.json", "report.html", "plots", GroundTruthFile.NAME);

    /**
     * Makes {@code out} ready for a new experiment: a folder that already holds one (runs/ or
     * results.json) is refused unless {@code overwrite}, which deletes that experiment's outputs
     * first, so runs of two experiments never mix; a model experiment's harvest/ stays for reuse.
     */
    public static void prepareOutput(Path out, boolean overwrite) {
        List<String> found = OUTPUTS.stream().filter(f -> java.nio.file.Files.exists(out.resolve(f))).toList();
        if (!found.contains("runs") && !found.contains("results.json")) return;
        if (!overwrite) {
            throw new IllegalArgumentException("--out " + out + " already holds an experiment (" + String.join(", ", found)
                    + "); choose another folder, or add --overwrite to replace it (a model experiment's harvest/ is kept and reused)");
        }
        for (String f : found) {
            try (var paths = java.nio.file.Files.walk(out.resolve(f))) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.delete(p);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("--overwrite: cannot remove " + out.resolve(f) + ": " + e.getMessage(), e);
            }
        }
    }

    /** A final metric of one variant: its spread over the seeds. */
    public static SeedSpread finalSpread(Result r, String variant, String key) {
        return SeedSpread.of(r.of(variant).stream().mapToDouble(x -> x.last().get(key)).toArray());
    }
}
