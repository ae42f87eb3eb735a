package saelab.train.metrics;

import java.util.Locale;
import java.util.Optional;

/**
 * The one-line verdict at the end of a run: silent when the SAE reconstructs well, else what is
 * wrong and which flags to try. The bar is {@link #LOW_EV}: the width rule's defaults reach
 * 0.78–0.82 on the tiny model's shards (d 64, m 455, k 9, 1500 steps; README), so an explained
 * variance below 0.5 is far below what the sizes should reach,
 * and one below 0 means the SAE does worse than predicting the mean activation.
 */
public final class RunHealth {
    private RunHealth() {}

    /** Explained variance below this is reported. */
    public static final double LOW_EV = 0.5;

    /**
     * The warning for a run that ended at this explained variance and L0 with m latents on width
     * d, or empty when EV reaches {@link #LOW_EV}.
     */
    public static Optional<String> warning(double explainedVariance, double l0, int d, int m) {
        if (explainedVariance >= LOW_EV) return Optional.empty();
        return Optional.of(String.format(Locale.ROOT, "health: %s (d %d, m %d, L0 %.1f); try more --steps or --tokens, a lower --lr,"
                + " or --expansion-factor/--target-l0 (or --m/--k) sized for d %d", what(explainedVariance), d, m, l0, d));
    }

    /** The same verdict in a few words, for a line that summarises one run among many (the experiment's). */
    public static Optional<String> brief(double explainedVariance) {
        if (explainedVariance >= LOW_EV) return Optional.empty();
        return Optional.of(Double.isNaN(explainedVariance) ? "health: EV NaN (diverged)"
                : explainedVariance < 0 ? "health: EV < 0 (worse than the mean)" : String.format(Locale.ROOT, "health: EV < %.1f", LOW_EV));
    }

    private static String what(double explainedVariance) {
        return Double.isNaN(explainedVariance) ? "EV is not a number: training diverged"
                : explainedVariance < 0 ? String.format(Locale.ROOT, "EV %.3g is below 0: the SAE reconstructs worse than the mean", explainedVariance)
                : String.format(Locale.ROOT, "EV %.3f is below %.1f, far below what these sizes should reach", explainedVariance, LOW_EV);
    }
}
