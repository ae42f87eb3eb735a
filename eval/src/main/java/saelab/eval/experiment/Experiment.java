package saelab.eval.experiment;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import saelab.eval.StatusLine;
import saelab.eval.report.SeedSpread;
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
    public record CurvePoint(long step, double loss, double recon, double sparsityTerm, double penaltyTerm, double lambda2,
                             double threshold, double l0, double explainedVariance, int activeLatents, int deadLatents) {}

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
     * activations ({@link ModelExperiment}, with its default model metrics).
     *
     * @param err progress lines (null for none)
     */
    public static Result run(ExperimentConfig e, PrintStream err) {
        if (e.onModel()) return ModelExperiment.run(e, err, ModelMetric.defaults());
        long begin = System.nanoTime();
        SyntheticSource src = new SyntheticSource(SyntheticConfig.small(e.dataSeed()));
        Snapshot.HeldOut held = Snapshot.HeldOut.of(src, e.evalRows());
        List<RunResult> runs = new ArrayList<>();
        int total = e.variants().size() * e.seeds().size(), n = 0;
        for (Variant v : e.variants()) {
            for (long seed : e.seeds()) {
                n++;
                runs.add(runOne(e, v, seed, src, (cfg, p, step, last, status) -> Snapshot.measure(cfg, p, step, held, e.recoveryBar()), err,
                        label(n, total, v, seed), begin));
            }
        }
        return new Result(e, src.config(), runs, (System.nanoTime() - begin) / 1e9);
    }

    static String label(int n, int total, Variant v, long seed) {
        return String.format(Locale.ROOT, "[%d/%d] %-15s seed %d", n, total, v.id(), seed);
    }

    /** Where a run's checkpoint and log go: {@code out/runs/<variant>-seed<s>}. */
    static Path runDir(ExperimentConfig e, Variant v, long seed) {
        return e.out().resolve("runs").resolve(v.id() + "-seed" + seed);
    }

    static RunResult runOne(ExperimentConfig e, Variant v, long seed, ActivationSource src, Evaluator eval, PrintStream err,
                            String label, long expBegin) {
        TrainConfig cfg = v.trainConfig(e, src.dim(), seed);
        Path dir = runDir(e, v, seed);
        List<CurvePoint> curve = new ArrayList<>();
        List<Snapshot> phases = new ArrayList<>();
        Line line = new Line(err, label, cfg.steps(), expBegin);
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
        return new CurvePoint(s.step(), s.loss(), s.recon(), s.sparsityTerm(), s.penaltyTerm(), s.lambda2(), s.threshold(), s.l0(),
                s.explainedVariance(), s.activeLatents(), s.deadLatents());
    }

    /** One progress line per run, redrawn in place at most every half second. */
    private static final class Line {
        private final String label;
        private final long steps, expBegin;
        private final StatusLine line;
        private long lastDraw;

        Line(PrintStream err, String label, long steps, long expBegin) {
            this.label = label;
            this.steps = steps;
            this.expBegin = expBegin;
            // Into a pipe or log: each run's result, and a status line every 10 s at most.
            this.line = err == null ? null : new StatusLine(err, 10_000_000_000L);
        }

        void update(StepStats s) {
            if (line == null) return;
            long now = System.nanoTime();
            if (now - lastDraw < 500_000_000L && s.step() + 1 < steps) return;
            lastDraw = now;
            int filled = (int) (20 * (s.step() + 1) / steps);
            line.show(String.format(Locale.ROOT, "%s  step %d/%d [%s%s]  loss %.4g  L0 %.1f  EV %.3f  (%s elapsed)", label, s.step() + 1, steps,
                    "#".repeat(filled), ".".repeat(20 - filled), s.loss(), s.l0(), s.explainedVariance(), clock(now)), false);
        }

        /** A status in place of the step counter (evaluation that takes a while). */
        void status(String text) {
            if (line == null) return;
            long now = System.nanoTime();
            if (now - lastDraw < 500_000_000L) return;
            lastDraw = now;
            line.show(String.format(Locale.ROOT, "%s  %s  (%s elapsed)", label, text, clock(now)), false);
        }

        void done(Snapshot last, double train, double eval) {
            if (line == null) return;
            String quality = last.has(Snapshot.HUNGARIAN)
                    ? String.format(Locale.ROOT, "Hungarian cos %.3f  absorption %.3f", last.get(Snapshot.HUNGARIAN), last.get(Snapshot.ABSORPTION))
                    : last.has(SpliceMetric.KL_SCORE) ? String.format(Locale.ROOT, "KL-div score %.4f  CE-loss score %.4f",
                    last.get(SpliceMetric.KL_SCORE), last.get(SpliceMetric.CE_SCORE)) : String.format(Locale.ROOT, "co-firing |cos| %.4f", last.get(Snapshot.COFIRE_COS));
            if (last.has(FirstLetterAbsorptionMetric.RATE) && !Double.isNaN(last.get(FirstLetterAbsorptionMetric.RATE))) {
                quality += String.format(Locale.ROOT, "  first-letter absorption %.3f", last.get(FirstLetterAbsorptionMetric.RATE));
            }
            line.show(String.format(Locale.ROOT, "%s  done: train %.1fs, eval %.1fs  EV %.3f  L0 %.1f  %s  (%s elapsed)",
                    label, train, eval, last.get(Snapshot.EV), last.get(Snapshot.L0), quality, clock(System.nanoTime())), true);
        }

        private String clock(long now) {
            long s = (now - expBegin) / 1_000_000_000L;
            return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
        }
    }

    /** A final metric of one variant: its spread over the seeds. */
    public static SeedSpread finalSpread(Result r, String variant, String key) {
        return SeedSpread.of(r.of(variant).stream().mapToDouble(x -> x.last().get(key)).toArray());
    }
}
