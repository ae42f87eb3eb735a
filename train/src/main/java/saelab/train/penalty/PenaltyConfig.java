package saelab.train.penalty;

import java.util.Locale;
import saelab.train.penalty.kernels.CoFiring;
import saelab.train.schedule.Schedule;

/**
 * Which orthogonality penalty a TopK SAE trains with, as plain data: the seed's co-firing penalty
 * ({@link CoFiringPenalty}, static or adaptive) or the ungated decoder-orthogonality control
 * ({@link OrthogonalPenalty}, kind orthogonal).
 *
 * @param kind          none; static (λ2 and threshold constant) or adaptive (each a schedule of p),
 *                      both co-firing penalties; or orthogonal (no co-firing gate)
 * @param lambda2       the penalty weight λ2(p); for orthogonal its weight γ(p)
 * @param threshold     the co-firing threshold(p); values below 0 are read as 0 (the defined limit);
 *                      unused by orthogonal
 * @param target        which overlap g_ij is penalised (co-firing kinds; orthogonal always acts on W_dec and
 *                      reads DECODER whatever was given)
 * @param normalization how the co-firing count n_ij is normalised (co-firing kinds; orthogonal reads BATCH)
 * @param chunks        orthogonal: the latents are split into this many random chunks each step, and
 *                      each latent is compared only within its chunk (≥ 1; at most m/2, checked by
 *                      TrainConfig). Unused by the other kinds, which carry 1.
 */
public record PenaltyConfig(Kind kind, Schedule lambda2, Schedule threshold, OverlapTarget target,
                            CoFiring.Normalization normalization, int chunks) {

    public enum Kind { NONE, STATIC, ADAPTIVE, ORTHOGONAL }

    /** g_ij = Σ_b f_bi f_bj / B (the original code) or W_dec[i]·W_dec[j] (decoder orthogonality). */
    public enum OverlapTarget { ACTIVATION, DECODER }

    public PenaltyConfig {
        if (kind == null || target == null || normalization == null) throw new IllegalArgumentException("penalty kind, target and normalization are required");
        if (kind == Kind.ORTHOGONAL) {
            // One spelling for the orthogonal penalty, which has no co-firing counts and always acts on W_dec.
            target = OverlapTarget.DECODER;
            normalization = CoFiring.Normalization.BATCH;
        }
        if (chunks < 1) throw new IllegalArgumentException("penalty chunks must be ≥ 1, got " + chunks);
        if (kind != Kind.NONE && (lambda2 == null || threshold == null)) throw new IllegalArgumentException(kind.name().toLowerCase(Locale.ROOT) + " penalty needs a λ2 and a threshold schedule");
        if (kind == Kind.STATIC && !(lambda2 instanceof Schedule.Constant && threshold instanceof Schedule.Constant)) {
            throw new IllegalArgumentException("static penalty: λ2 and threshold must be constants (a number or constant(v)), got "
                    + lambda2.spec() + " and " + threshold.spec() + "; use --penalty adaptive for schedules");
        }
    }

    /** A co-firing penalty (or none), which has no chunks: chunks 1. */
    public PenaltyConfig(Kind kind, Schedule lambda2, Schedule threshold, OverlapTarget target, CoFiring.Normalization normalization) {
        this(kind, lambda2, threshold, target, normalization, 1);
    }

    public static PenaltyConfig none() {
        return new PenaltyConfig(Kind.NONE, new Schedule.Constant(0), new Schedule.Constant(0), OverlapTarget.ACTIVATION, CoFiring.Normalization.BATCH);
    }

    /**
     * The OrtSAE-style control (arXiv 2509.22033): weight·(mean over latents of the largest cos²
     * between its decoder row and another row of its chunk), the latents split into {@code chunks}
     * random chunks re-drawn every step; no co-firing gate. See {@link OrthogonalPenalty}.
     */
    public static PenaltyConfig orthogonal(Schedule weight, int chunks) {
        return new PenaltyConfig(Kind.ORTHOGONAL, weight, new Schedule.Constant(0), OverlapTarget.DECODER, CoFiring.Normalization.BATCH, chunks);
    }

    /** This configuration with n_ij normalised another way (e.g. the static default by Jaccard index). */
    public PenaltyConfig withNormalization(CoFiring.Normalization n) {
        return new PenaltyConfig(kind, lambda2, threshold, target, n, chunks);
    }

    /** The original experiment: λ2 = 0.1·(1 − p)², threshold = 0.1·(1 − p), activation overlap, batch-normalised. */
    public static PenaltyConfig adaptiveDefault() {
        return new PenaltyConfig(Kind.ADAPTIVE, Schedule.parse("quadratic(0.1)"), Schedule.parse("linear(0.1)"), OverlapTarget.ACTIVATION, CoFiring.Normalization.BATCH);
    }

    public static PenaltyConfig staticDefault() {
        return new PenaltyConfig(Kind.STATIC, Schedule.parse("0.1"), Schedule.parse("0.1"), OverlapTarget.ACTIVATION, CoFiring.Normalization.BATCH);
    }

    public boolean active() { return kind != Kind.NONE; }

    /** Whether this is one of the seed's co-firing penalties (static or adaptive). */
    public boolean coFiring() { return kind == Kind.STATIC || kind == Kind.ADAPTIVE; }

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
            case "jaccard" -> CoFiring.Normalization.JACCARD;
            default -> throw new IllegalArgumentException("co-firing normalisation must be 'batch', 'min' or 'jaccard', got '" + s + "'");
        };
    }

    public static Kind parseKind(String s) {
        return switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "none" -> Kind.NONE;
            case "static" -> Kind.STATIC;
            case "adaptive" -> Kind.ADAPTIVE;
            case "orthogonal" -> Kind.ORTHOGONAL;
            default -> throw new IllegalArgumentException("penalty must be 'none', 'static', 'adaptive' or 'orthogonal', got '" + s + "'");
        };
    }

    public static String name(Enum<?> e) {
        return switch (e) {
            case CoFiring.Normalization n -> switch (n) {
                case BATCH -> "batch";
                case MIN_COUNT -> "min";
                case JACCARD -> "jaccard";
            };
            default -> e.name().toLowerCase(Locale.ROOT);
        };
    }
}
