package saelab.train.penalty;

import java.util.Locale;
import saelab.tensor.kernels.CoFiring;
import saelab.train.schedule.Schedule;

/**
 * Which co-firing orthogonality penalty a TopK SAE trains with, as plain data.
 *
 * @param kind          none, static (λ2 and threshold constant) or adaptive (each a schedule of p)
 * @param lambda2       the penalty weight λ2(p)
 * @param threshold     the co-firing threshold(p); values below 0 are read as 0 (the defined limit)
 * @param target        which overlap g_ij is penalised
 * @param normalization how the co-firing count n_ij is normalised
 */
public record PenaltyConfig(Kind kind, Schedule lambda2, Schedule threshold, OverlapTarget target,
                            CoFiring.Normalization normalization) {

    public enum Kind { NONE, STATIC, ADAPTIVE }

    /** g_ij = Σ_b f_bi f_bj / B (the original code) or W_dec[i]·W_dec[j] (decoder orthogonality). */
    public enum OverlapTarget { ACTIVATION, DECODER }

    public PenaltyConfig {
        if (kind == null || target == null || normalization == null) throw new IllegalArgumentException("penalty kind, target and normalization are required");
        if (kind != Kind.NONE && (lambda2 == null || threshold == null)) throw new IllegalArgumentException(kind.name().toLowerCase(Locale.ROOT) + " penalty needs a λ2 and a threshold schedule");
        if (kind == Kind.STATIC && !(lambda2 instanceof Schedule.Constant && threshold instanceof Schedule.Constant)) {
            throw new IllegalArgumentException("static penalty: λ2 and threshold must be constants (a number or constant(v)), got "
                    + lambda2.spec() + " and " + threshold.spec() + "; use --penalty adaptive for schedules");
        }
    }

    public static PenaltyConfig none() {
        return new PenaltyConfig(Kind.NONE, new Schedule.Constant(0), new Schedule.Constant(0), OverlapTarget.ACTIVATION, CoFiring.Normalization.BATCH);
    }

    /** The original experiment: λ2 = 0.1·(1 − p)², threshold = 0.1·(1 − p), activation overlap, batch-normalised. */
    public static PenaltyConfig adaptiveDefault() {
        return new PenaltyConfig(Kind.ADAPTIVE, Schedule.parse("quadratic(0.1)"), Schedule.parse("linear(0.1)"), OverlapTarget.ACTIVATION, CoFiring.Normalization.BATCH);
    }

    public static PenaltyConfig staticDefault() {
        return new PenaltyConfig(Kind.STATIC, Schedule.parse("0.1"), Schedule.parse("0.1"), OverlapTarget.ACTIVATION, CoFiring.Normalization.BATCH);
    }

    public boolean active() { return kind != Kind.NONE; }

    public double lambda2At(double p) { return active() ? lambda2.at(p) : 0; }

    /** threshold(p), floored at 0: CoFiring defines t = 0 as the limit c_ij = [n_ij > 0]. */
    public double thresholdAt(double p) { return active() ? Math.max(0, threshold.at(p)) : 0; }

    public static OverlapTarget parseTarget(String s) {
        return switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "activation" -> OverlapTarget.ACTIVATION;
            case "decoder" -> OverlapTarget.DECODER;
            default -> throw new IllegalArgumentException("overlap target must be 'activation' or 'decoder', got '" + s + "'");
        };
    }

    public static CoFiring.Normalization parseNormalization(String s) {
        return switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "batch" -> CoFiring.Normalization.BATCH;
            case "min" -> CoFiring.Normalization.MIN_COUNT;
            default -> throw new IllegalArgumentException("co-firing normalisation must be 'batch' or 'min', got '" + s + "'");
        };
    }

    public static Kind parseKind(String s) {
        return switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "none" -> Kind.NONE;
            case "static" -> Kind.STATIC;
            case "adaptive" -> Kind.ADAPTIVE;
            default -> throw new IllegalArgumentException("penalty must be 'none', 'static' or 'adaptive', got '" + s + "'");
        };
    }

    public static String name(Enum<?> e) {
        return switch (e) {
            case CoFiring.Normalization n -> n == CoFiring.Normalization.BATCH ? "batch" : "min";
            default -> e.name().toLowerCase(Locale.ROOT);
        };
    }
}
