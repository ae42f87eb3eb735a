package saelab.train.schedule;

/**
 * A value that follows training progress p = step / total_steps ∈ [0, 1]: the adaptive SAE's
 * penalty weight λ2(p) and co-firing threshold(p) each take one. Written in config as text,
 * {@code name(arg, ...)}; a bare number is a constant. {@link #spec()} prints the text that
 * parses back to an equal schedule.
 *
 * <p>To add a schedule: one record here implementing {@link #at} and {@link #spec}, and one
 * line in {@link Schedules#FORMS}.
 */
public sealed interface Schedule {

    /** The value at progress p ∈ [0, 1]. */
    double at(double p);

    /** Text that {@link Schedules#parse} turns back into this schedule. */
    String spec();

    static Schedule parse(String text) {
        return Schedules.parse(text);
    }

    /** v throughout: the static orthogonal SAE. */
    record Constant(double value) implements Schedule {
        public double at(double p) { Schedules.checked(p); return value; }
        public String spec() { return "constant(" + value + ")"; }
    }

    /** start + (end − start)·p; end defaults to 0. The original threshold(p) = base·(1 − p). */
    record Linear(double start, double end) implements Schedule {
        public double at(double p) { return start + (end - start) * Schedules.checked(p); }
        public String spec() { return "linear(" + start + ", " + end + ")"; }
    }

    /** max·(1 − p)²: the original λ2(p). */
    record Quadratic(double max) implements Schedule {
        public double at(double p) { double q = 1 - Schedules.checked(p); return max * q * q; }
        public String spec() { return "quadratic(" + max + ")"; }
    }

    /** max·(1 − p)^r: the non-linear threshold base·(1 − p)^decay_rate. */
    record Power(double max, double exponent) implements Schedule {
        public Power {
            if (!(exponent > 0)) throw new IllegalArgumentException("power(max, r): r must be > 0, got " + exponent);
        }
        public double at(double p) { return max * Math.pow(1 - Schedules.checked(p), exponent); }
        public String spec() { return "power(" + max + ", " + exponent + ")"; }
    }

    /** min + (max − min)·(1 + cos πp)/2: flat at both ends, steepest mid-training. */
    record Cosine(double max, double min) implements Schedule {
        public double at(double p) { return min + (max - min) * 0.5 * (1 + Math.cos(Math.PI * Schedules.checked(p))); }
        public String spec() { return "cosine(" + max + ", " + min + ")"; }
    }

    /** max·e^(−rate·p). */
    record Exponential(double max, double rate) implements Schedule {
        public Exponential {
            if (!(rate >= 0)) throw new IllegalArgumentException("exponential(max, rate): rate must be ≥ 0, got " + rate);
        }
        public double at(double p) { return max * Math.exp(-rate * Schedules.checked(p)); }
        public String spec() { return "exponential(" + max + ", " + rate + ")"; }
    }

    /** Rises linearly from 0 to max over the first {@code warmup} of training, then falls linearly to 0. */
    record WarmupDecay(double max, double warmup) implements Schedule {
        public WarmupDecay {
            if (!(warmup >= 0 && warmup < 1)) throw new IllegalArgumentException("warmup(max, w): w must be in [0, 1), got " + warmup);
        }
        public double at(double p) {
            Schedules.checked(p);
            return p < warmup ? max * p / warmup : max * (1 - p) / (1 - warmup);
        }
        public String spec() { return "warmup(" + max + ", " + warmup + ")"; }
    }

    /** max·factor^⌊p / every⌋: piecewise constant, multiplied by factor at every boundary. */
    record Step(double max, double every, double factor) implements Schedule {
        public Step {
            if (!(every > 0 && every <= 1)) throw new IllegalArgumentException("step(max, every, factor): every must be in (0, 1], got " + every);
            if (!(factor >= 0)) throw new IllegalArgumentException("step(max, every, factor): factor must be ≥ 0, got " + factor);
        }
        public double at(double p) { return max * Math.pow(factor, Math.floor(Schedules.checked(p) / every)); }
        public String spec() { return "step(" + max + ", " + every + ", " + factor + ")"; }
    }
}
