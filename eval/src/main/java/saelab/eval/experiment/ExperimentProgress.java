package saelab.eval.experiment;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import saelab.eval.StatusLine;
import saelab.train.trainer.StepStats;

/**
 * The experiment's progress: one status line for the whole experiment (runs finished, the runs in
 * flight with their step, and an ETA from the steps trained so far over all runs), and one
 * permanent line per finished run with its headline numbers. Safe to use from runs trained at
 * the same time on several threads.
 */
final class ExperimentProgress {
    private final StatusLine line;
    private final int totalRuns;
    private final long totalSteps, begin, trainingBegin = System.nanoTime();
    private final Map<Run, Long> inFlight = new LinkedHashMap<>();
    private long stepsDone;
    private int runsDone;
    private long lastDraw;

    /** @param err progress lines (null: none); @param begin when the experiment began (System.nanoTime) */
    ExperimentProgress(PrintStream err, int totalRuns, long stepsPerRun, long begin) {
        // Into a pipe or log: each run's result, and a status line every 10 s at most.
        this.line = err == null ? null : new StatusLine(err, 10_000_000_000L);
        this.totalRuns = totalRuns;
        this.totalSteps = (long) totalRuns * stepsPerRun;
        this.begin = begin;
    }

    /** One run's handle: its label, e.g. "adaptive seed 2". */
    final class Run {
        private final String label;
        private final long steps;
        private String status;

        private Run(String label, long steps) {
            this.label = label;
            this.steps = steps;
        }

        void update(StepStats s) {
            synchronized (ExperimentProgress.this) {
                long prev = inFlight.getOrDefault(this, 0L), now = s.step() + 1;
                stepsDone += Math.max(0, now - prev);
                inFlight.put(this, now);
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
                stepsDone += Math.max(0, steps - inFlight.getOrDefault(this, 0L));
                inFlight.remove(this);
                runsDone++;
                if (line == null) return;
                line.show(String.format(Locale.ROOT, "[%d/%d] %-24s train %.1fs, eval %.1fs  EV %.3f  L0 %.1f  %s", runsDone, totalRuns, label, train, eval,
                        last.get(Snapshot.EV), last.get(Snapshot.L0), quality(last)), true);
                draw(true);
            }
        }

        private String inFlightText() {
            return status != null ? label + " " + status : String.format(Locale.ROOT, "%s %d/%d", label, inFlight.getOrDefault(this, 0L), steps);
        }
    }

    synchronized Run start(String label, long steps) {
        Run r = new Run(label, steps);
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
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "[%d/%d done]", runsDone, totalRuns));
        for (Run r : inFlight.keySet()) s.append("  ").append(r.inFlightText());
        s.append("  ").append(clock((now - begin) / 1e9)).append(" elapsed");
        // From the training time alone: a model experiment's harvest before it says nothing of the runs.
        double training = (now - trainingBegin) / 1e9;
        if (stepsDone > 0 && totalSteps > stepsDone) s.append(", ETA ").append(clock(training / stepsDone * (totalSteps - stepsDone)));
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
