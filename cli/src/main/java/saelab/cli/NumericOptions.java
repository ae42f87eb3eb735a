package saelab.cli;

import saelab.train.schedule.Schedule;
import saelab.train.schedule.Schedules;

/**
 * Checks of numeric command-line options, each failing with one line that names the option, the
 * value given and what was expected (finite, sign, range), before any work starts.
 */
final class NumericOptions {
    private NumericOptions() {}

    /** The largest Java array: rows × width floats must fit one (the JVM reserves a few header words). */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    /** Schedules are checked at this many evenly spaced p in [0, 1] (both ends included). */
    private static final int SCHEDULE_POINTS = 1001;

    static long positive(String option, long v) {
        if (v <= 0) throw bad(option, Long.toString(v), "a whole number ≥ 1");
        return v;
    }

    static long nonNegative(String option, long v) {
        if (v < 0) throw bad(option, Long.toString(v), "a whole number ≥ 0");
        return v;
    }

    static double positiveFinite(String option, double v) {
        if (!(v > 0) || !Double.isFinite(v)) throw bad(option, Double.toString(v), "a finite number > 0");
        return v;
    }

    static double nonNegativeFinite(String option, double v) {
        if (!(v >= 0) || !Double.isFinite(v)) throw bad(option, Double.toString(v), "a finite number ≥ 0");
        return v;
    }

    static double finite(String option, double v) {
        if (!Double.isFinite(v)) throw bad(option, Double.toString(v), "a finite number");
        return v;
    }

    static long inRange(String option, long v, long lo, long hi, String what) {
        if (v < lo || v > hi) throw bad(option, Long.toString(v), what);
        return v;
    }

    /** rows × width floats in one array (a batch, a code matrix), refused before int arithmetic overflows. */
    static void fitsArray(String option, long rows, long width, String widthName) {
        if (rows * width > MAX_ARRAY) {
            throw bad(option, Long.toString(rows), "at most " + MAX_ARRAY / width + " rows: " + rows + " × " + widthName + " " + width
                    + " values exceed the largest array (" + MAX_ARRAY + ")");
        }
    }

    /**
     * A schedule of p ∈ [0, 1] that is a weight or a threshold: it must parse, and be finite and
     * ≥ 0 over the whole of training. Every form's extremes lie at p = 0, p = 1 or a kink (w of
     * warmup, the steps of step), which a grid of 1001 points finds up to 1/1000 of training.
     */
    static Schedule nonNegativeSchedule(String option, String text) {
        Schedule s;
        try {
            s = Schedules.parse(text);
        } catch (IllegalArgumentException e) {
            // The parser's message lists the forms on further lines; one line here, --help has the list.
            throw new IllegalArgumentException(option + " " + text + ": " + e.getMessage().lines().findFirst().orElse("") + " (see --help)");
        }
        for (int i = 0; i < SCHEDULE_POINTS; i++) {
            double p = (double) i / (SCHEDULE_POINTS - 1);
            double v = s.at(p);
            if (!(v >= 0) || !Double.isFinite(v)) {
                throw bad(option, text, "a schedule that is finite and ≥ 0 over training; it is " + v + " at p = " + p);
            }
        }
        return s;
    }

    private static IllegalArgumentException bad(String option, String value, String expected) {
        return new IllegalArgumentException(option + " " + value + ": expected " + expected);
    }
}
