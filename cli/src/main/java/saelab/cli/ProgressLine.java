package saelab.cli;

import java.io.PrintStream;

/**
 * Progress of a long job on stderr: one line at most every {@code intervalNanos} (and the last
 * one always), with the fraction done, the rate and the time left. Lines, not a redrawn bar, so
 * logs and pipes stay readable.
 */
final class ProgressLine {
    private final String label, unit;
    private final double total, unitScale;
    private final long start = System.nanoTime();
    private final long intervalNanos;
    private final PrintStream out;
    private long lastPrint = start;

    /** @param unitScale divides raw counts into the unit shown (1e9 for GB) */
    ProgressLine(String label, double total, String unit, double unitScale, PrintStream out) {
        this.label = label;
        this.total = total;
        this.unit = unit;
        this.unitScale = unitScale;
        this.intervalNanos = 2_000_000_000L;
        this.out = out;
    }

    synchronized void update(double done) {
        long now = System.nanoTime();
        if (now - lastPrint < intervalNanos && done < total) return;
        lastPrint = now;
        double seconds = (now - start) / 1e9, rate = done / Math.max(seconds, 1e-9);
        String left = done > 0 && done < total ? String.format(", %.0f s left", (total - done) / rate) : "";
        out.printf("%s: %s / %s %s (%.0f%%), %.2f %s/s%s%n", label, amount(done), amount(total), unit,
                100 * done / total, rate / unitScale, unit, left);
    }

    /** Plain counts (texts, words) as whole numbers; scaled amounts (k tokens, GB) with two decimals. */
    private String amount(double raw) {
        return unitScale == 1 ? String.format("%.0f", raw) : String.format("%.2f", raw / unitScale);
    }

    double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }
}
