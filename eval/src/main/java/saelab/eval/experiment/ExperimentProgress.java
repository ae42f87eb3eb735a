package saelab.eval.experiment;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import saelab.eval.StatusLine;
import saelab.train.trainer.StepStats;

/**
 * The experiment's progress: one status line for the whole experiment (runs finished, the time
 * left from the measured cost of each variant's runs ({@link RunCostEta}), the elapsed time, then
 * the runs in flight with their step; on a terminal cut to its width, the runs in flight first
 * to go), and one
 * permanent line per finished run with its headline numbers. Safe to use from runs trained at
 * the same time on several threads.
 */
final class ExperimentProgress {
    private final StatusLine line;
    private final int totalRuns, workers;
    private final long begin;
    private final Map<Run, Long> inFlight = new LinkedHashMap<>();
    private final List<String> waiting;
    private final RunCostEta eta = new RunCostEta();
    private int runsDone;
    private long lastDraw;

    /**
     * @param err     progress lines (null: none)
     * @param plan    the variant of each run, all runs
     * @param workers runs trained side by side
     * @param begin   when the experiment began (System.nanoTime)
     */
    ExperimentProgress(PrintStream err, List<String> plan, int workers, long begin) {
        // Into a pipe or log: each run's result, and a status line every 10 s at most.
        this.line = err == null ? null : new StatusLine(err, 10_000_000_000L);
        this.totalRuns = plan.size();
        this.waiting = new ArrayList<>(plan);
        this.workers = workers;
        this.begin = begin;
    }

    /** The variant of each of the experiment's runs. */
    static List<String> plan(ExperimentConfig e) {
        List<String> plan = new ArrayList<>();
        for (Variant v : e.variants()) for (int s = 0; s < e.seeds().size(); s++) plan.add(v.id());
        return plan;
    }

    /** One run's handle: its label, e.g. "adaptive seed 2". */
    final class Run {
        private final String variant, label;
        private final long steps, started = System.nanoTime();
        private String status;

        private Run(String variant, String label, long steps) {
            this.variant = variant;
            this.label = label;
            this.steps = steps;
        }

        void update(StepStats s) {
            synchronized (ExperimentProgress.this) {
                inFlight.put(this, s.step() + 1);
                status = null;
                draw(false);
            }
        }

        /** A status in place of the step counter (evaluation that takes a while). */
        void status(String text) {
            synchronized (ExperimentProgress.this) {
                status = text;
                draw(false);
            }
        }

        void done(Snapshot last, double train, double eval) {
            synchronized (ExperimentProgress.this) {
                inFlight.remove(this);
                runsDone++;
                eta.finished(variant, (System.nanoTime() - started) / 1e9);
                if (line == null) return;
                line.show(String.format(Locale.ROOT, "[%d/%d] %-24s train %.1fs, eval %.1fs  EV %.3f  L0 %.1f  %s", runsDone, totalRuns, label, train, eval,
                        last.get(Snapshot.EV), last.get(Snapshot.L0), quality(last))
                        + saelab.train.metrics.RunHealth.brief(last.get(Snapshot.EV)).map(h -> "  " + h).orElse(""), true);
                draw(true);
            }
        }

        /** A run finished by an earlier invocation and reused (--resume): counted done, its stored times feed the ETA. */
        void reused(Experiment.RunResult r) {
            synchronized (ExperimentProgress.this) {
                inFlight.remove(this);
                runsDone++;
                eta.finished(variant, r.trainSeconds() + r.evalSeconds());
                if (line == null) return;
                Snapshot last = r.last();
                line.show(String.format(Locale.ROOT, "[%d/%d] %-24s finished earlier, reused  EV %.3f  L0 %.1f  %s", runsDone, totalRuns, label,
                        last.get(Snapshot.EV), last.get(Snapshot.L0), quality(last)), true);
                draw(true);
            }
        }

        private String inFlightText() {
            return status != null ? label + " " + status : String.format(Locale.ROOT, "%s %d/%d", label, inFlight.getOrDefault(this, 0L), steps);
        }
    }

    synchronized Run start(String variant, String label, long steps) {
        Run r = new Run(variant, label, steps);
        waiting.remove(variant);
        inFlight.put(r, 0L);
        draw(true);
        return r;
    }

    /** Redraws at most every half second unless forced. */
    private void draw(boolean force) {
        if (line == null || inFlight.isEmpty()) return;
        long now = System.nanoTime();
        if (!force && now - lastDraw < 500_000_000L) return;
        lastDraw = now;
        List<RunCostEta.Running> running = new ArrayList<>();
        for (var e : inFlight.entrySet()) {
            Run r = e.getKey();
            running.add(new RunCostEta.Running(r.variant, (double) e.getValue() / r.steps, (now - r.started) / 1e9));
        }
        // From the runs' own times: a model experiment's harvest before them says nothing of the runs.
        double left = eta.secondsLeft(waiting, running, workers);
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "[%d/%d done] ETA %s, %s elapsed", runsDone, totalRuns,
                Double.isNaN(left) ? "?" : clock(left), clock((now - begin) / 1e9)));
        for (Run r : inFlight.keySet()) s.append("  ").append(r.inFlightText());
        line.show(s.toString(), false);
    }

    /** The run's headline quality numbers: ground truth on synthetic data, the splice scores on a model. */
    static String quality(Snapshot last) {
        String q = last.has(Snapshot.MCC)
                ? String.format(Locale.ROOT, "MCC %.3f  absorption %.3f", last.get(Snapshot.MCC), last.get(Snapshot.ABSORPTION))
                : last.has(SpliceMetric.KL_SCORE) ? String.format(Locale.ROOT, "KL-div score %.4f  CE-loss score %.4f",
                last.get(SpliceMetric.KL_SCORE), last.get(SpliceMetric.CE_SCORE)) : String.format(Locale.ROOT, "co-firing |cos| %.4f", last.get(Snapshot.COFIRE_COS));
        if (last.has(FirstLetterAbsorptionMetric.RATE) && !Double.isNaN(last.get(FirstLetterAbsorptionMetric.RATE))) {
            q += String.format(Locale.ROOT, "  first-letter absorption %.3f", last.get(FirstLetterAbsorptionMetric.RATE));
        }
        return q;
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
