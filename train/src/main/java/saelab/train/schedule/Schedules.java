package saelab.train.schedule;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Parses schedule text ({@code quadratic(0.1)}, {@code power(0.08, 0.2)}, {@code 0.1}) and documents the forms. */
public final class Schedules {
    private Schedules() {}

    /** One way to write a schedule: its name, how many numbers it takes, and what it means. */
    record Form(String name, int minArgs, int maxArgs, String usage, Function<double[], Schedule> make) {}

    static final List<Form> FORMS = List.of(
            new Form("constant", 1, 1, "constant(v): v at every p", a -> new Schedule.Constant(a[0])),
            new Form("linear", 1, 2, "linear(start[, end=0]): start + (end − start)·p", a -> new Schedule.Linear(a[0], a.length > 1 ? a[1] : 0)),
            new Form("quadratic", 1, 1, "quadratic(max): max·(1 − p)²", a -> new Schedule.Quadratic(a[0])),
            new Form("power", 2, 2, "power(max, r): max·(1 − p)^r, r > 0", a -> new Schedule.Power(a[0], a[1])),
            new Form("cosine", 1, 2, "cosine(max[, min=0]): min + (max − min)·(1 + cos πp)/2", a -> new Schedule.Cosine(a[0], a.length > 1 ? a[1] : 0)),
            new Form("exponential", 2, 2, "exponential(max, rate): max·e^(−rate·p)", a -> new Schedule.Exponential(a[0], a[1])),
            new Form("warmup", 2, 2, "warmup(max, w): 0 → max linearly over p < w, then linearly to 0 at p = 1", a -> new Schedule.WarmupDecay(a[0], a[1])),
            new Form("step", 3, 3, "step(max, every, factor): max·factor^⌊p / every⌋", a -> new Schedule.Step(a[0], a[1], a[2])));

    private static final Pattern CALL = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*\\((.*)\\)\\s*");

    /** The forms, one per line, for --help texts. */
    public static String help() {
        return FORMS.stream().map(f -> "  " + f.usage()).collect(Collectors.joining("\n"))
                + "\n  a bare number v is constant(v); p = step / total_steps ∈ [0, 1]";
    }

    public static Schedule parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("empty schedule; expected one of:\n" + help());
        String t = text.strip();
        try {
            return new Schedule.Constant(Double.parseDouble(t));
        } catch (NumberFormatException notANumber) {
            // fall through to the name(args) form
        }
        Matcher m = CALL.matcher(t);
        if (!m.matches()) throw new IllegalArgumentException("cannot read schedule '" + text + "': expected name(arg, ...) or a number; one of:\n" + help());
        String name = m.group(1).toLowerCase(Locale.ROOT);
        Form form = FORMS.stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown schedule '" + m.group(1) + "' in '" + text + "'; known:\n" + help()));
        String body = m.group(2).strip();
        String[] parts = body.isEmpty() ? new String[0] : body.split(",");
        if (parts.length < form.minArgs() || parts.length > form.maxArgs()) {
            throw new IllegalArgumentException("schedule '" + text + "' has " + parts.length + " argument(s); expected " + form.usage());
        }
        double[] args = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                args[i] = Double.parseDouble(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("schedule '" + text + "': argument " + (i + 1) + " '" + parts[i].strip() + "' is not a number; expected " + form.usage());
            }
            if (!Double.isFinite(args[i])) throw new IllegalArgumentException("schedule '" + text + "': argument " + (i + 1) + " must be finite");
        }
        try {
            return form.make().apply(args);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("schedule '" + text + "': " + e.getMessage(), e);
        }
    }

    /** Progress outside [0, 1] is a caller's bug, not something to extrapolate. */
    static double checked(double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("training progress p must be in [0, 1], got " + p);
        return p;
    }
}
