package saelab.eval.stats;

/**
 * A metric as the verdicts read it: its name (the key values are looked up by), which direction is
 * better, and an optional equivalence margin (NaN for none): with a margin, "no difference" can be
 * established by TOST as {@link Verdict#EQUIVALENT}; without, it can only be inconclusive.
 */
public record Metric(String name, boolean higherIsBetter, double equivalenceMargin) {
    public Metric {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("metric: the name is empty; expected the metric's key");
        if (!Double.isNaN(equivalenceMargin) && !(equivalenceMargin > 0 && Double.isFinite(equivalenceMargin))) {
            throw new IllegalArgumentException("metric " + name + ": equivalence margin " + equivalenceMargin + "; expected a finite number above 0, or none");
        }
    }

    /** A metric without an equivalence margin. */
    public static Metric of(String name, boolean higherIsBetter) { return new Metric(name, higherIsBetter, Double.NaN); }

    /** A metric whose differences within ±margin count as equivalent (by TOST). */
    public static Metric withMargin(String name, boolean higherIsBetter, double margin) { return new Metric(name, higherIsBetter, margin); }

    public boolean hasMargin() { return !Double.isNaN(equivalenceMargin); }
}
