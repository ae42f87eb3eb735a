package saelab.eval.experiment;

import java.util.List;

/**
 * Whether a penalised variant's mechanism took part in training, from its runs' logged curves. A
 * penalty that is negligible against the reconstruction loss leaves the SAE (nearly) the TopK
 * baseline with the same seed, so a comparison of that variant is not a test of the method.
 *
 * @param nonZeroFraction  logged steps (all seeds pooled) where λ2·P > 0
 * @param meanShare        mean over logged steps of λ2·P / reconstruction loss
 * @param quietFraction    logged steps where λ2·P < {@link #SHARE_BAR} × reconstruction loss
 * @param inactive         quietFraction ≥ {@link #QUIET_STEPS}: "mechanism inactive"
 */
public record PenaltyActivity(double nonZeroFraction, double meanShare, double quietFraction, boolean inactive) {

    /** A step's penalty counts as negligible below this fraction of its reconstruction loss. */
    public static final double SHARE_BAR = 0.01;
    /** The mechanism is inactive when at least this fraction of logged steps is negligible. */
    public static final double QUIET_STEPS = 0.9;

    public static PenaltyActivity of(List<Experiment.RunResult> runs) {
        long steps = 0, nonZero = 0, quiet = 0;
        double share = 0;
        for (Experiment.RunResult run : runs) {
            for (Experiment.CurvePoint p : run.curve()) {
                steps++;
                double s = share(p);
                share += s;
                if (p.penaltyTerm() > 0) nonZero++;
                if (!(s >= SHARE_BAR)) quiet++;
            }
        }
        if (steps == 0) return new PenaltyActivity(Double.NaN, Double.NaN, Double.NaN, true);
        double q = (double) quiet / steps;
        return new PenaltyActivity((double) nonZero / steps, share / steps, q, q >= QUIET_STEPS);
    }

    public static PenaltyActivity of(Experiment.RunResult run) { return of(List.of(run)); }

    /** A logged step's penalty term as a fraction of its reconstruction loss (0 when there is none). */
    static double share(Experiment.CurvePoint p) {
        return p.recon() > 0 ? p.penaltyTerm() / p.recon() : 0;
    }
}
