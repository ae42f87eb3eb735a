package saelab.cli;

import java.io.PrintStream;
import java.util.Locale;
import saelab.eval.StatusLine;
import saelab.train.trainer.StepStats;
import saelab.train.trainer.TrainConfig;
import saelab.train.trainer.TrainingRun;

/**
 * Training status: step, a bar, tokens/s, loss, L0, explained variance. On a terminal one line
 * redrawn in place; into a pipe or log file, a plain line every few seconds, so logs stay readable.
 */
final class Progress {
    private static final long REDRAW_NANOS = 200_000_000L, PLAIN_NANOS = 5_000_000_000L;
    private final StatusLine line;
    private long lastDraw;

    Progress(PrintStream err) { this.line = new StatusLine(err, PLAIN_NANOS); }

    TrainingRun.Listener listener(TrainConfig cfg) {
        return (s, tokens, seconds) -> {
            long now = System.nanoTime();
            boolean last = s.step() == cfg.lastStep();
            if (!last && now - lastDraw < REDRAW_NANOS) return;
            lastDraw = now;
            int width = 24, filled = (int) (width * (s.step() + 1) / cfg.steps());
            String bar = "#".repeat(filled) + ".".repeat(width - filled);
            String pen = cfg.penalty().active() ? String.format(Locale.ROOT, " pen %.3g", s.penaltyTerm()) : "";
            line.show(String.format(Locale.ROOT, "step %d/%d [%s] %s tok/s  loss %.4g%s  L0 %.1f  EV %.3f  dead %d",
                    s.step() + 1, cfg.steps(), bar, human(tokens / Math.max(seconds, 1e-9)), s.loss(), pen, s.l0(), s.explainedVariance(), s.deadLatents()), last);
        };
    }

    void finish() {
        line.finish();
    }

    private static String human(double v) {
        return v >= 1e6 ? String.format(Locale.ROOT, "%.2fM", v / 1e6) : v >= 1e3 ? String.format(Locale.ROOT, "%.1fk", v / 1e3) : String.format(Locale.ROOT, "%.0f", v);
    }
}
