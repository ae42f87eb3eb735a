package saelab.train.presets;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import saelab.train.penalty.kernels.CoFiring;
import saelab.train.arch.BatchTopKArchitecture;
import saelab.train.arch.GatedArchitecture;
import saelab.train.arch.JumpReluArchitecture;
import saelab.train.arch.MatryoshkaBatchTopKArchitecture;
import saelab.train.arch.SaeArchitecture;
import saelab.train.arch.StandardArchitecture;
import saelab.train.arch.TopKArchitecture;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.schedule.Schedule;

/**
 * The one home of saelab's named configurations: the seed experiment's (method.md), its planned
 * variations, the n_ij normalisations and the literature's control. {@code saelab train --preset}
 * and the experiment's variants refer to them by name.
 *
 * <p>Learning rates are the baselines' at m = 16384 (TopK 2e-4, ReLU 3e-4), scaled by √(16384/m)
 * for smaller dictionaries. Synthetic data is another scale altogether, so there the lr is
 * multiplied by {@link #SYNTHETIC_LR_FACTOR} (TopK 3e-3): measured on synthetic:small, 1500 steps ×
 * 512 rows, TopK m 1024 k 8 recovered mean max |cos| 0.70 at the scaled 8e-4 and 0.92 at 3e-3.
 * The co-firing penalty acts on the activation overlap with n_ij normalised by the batch unless
 * the preset says otherwise.
 */
public final class Presets {
    private Presets() {}

    /** The lr on synthetic data is the preset's at m = 16384 times this. */
    public static final double SYNTHETIC_LR_FACTOR = 15;

    /** TopK's and ReLU's baseline learning rates at m = 16384. */
    static final double TOPK_LR = 2e-4, RELU_LR = 3e-4;

    /**
     * Weight and chunks of the OrtSAE-style control. saelab's reconstruction loss sums the squared
     * error over d (≈ 4.7 per row on bench), not a per-element mean, so a weight from the paper would
     * not carry over; 2.5 gives the control about the share of the loss the adaptive penalty takes
     * (measured: 0.25 gave 0.8%, below the 1% "mechanism active" bar on most steps).
     */
    public static final String ORTHOGONAL_WEIGHT = "2.5";
    public static final int ORTHOGONAL_CHUNKS = 4;

    private static final List<Preset> ALL = List.of(
            topk("topk", "TopK baseline, no penalty", PenaltyConfig.none()),
            new Preset("standard", "ReLU + L1 0.04 (warm-up), no penalty", StandardArchitecture.INSTANCE, Map.of("l1_coefficient", "0.04"),
                    PenaltyConfig.none(), RELU_LR),
            topk("static", "static co-firing penalty: λ2 0.1, threshold 0.1 throughout", coFiring(PenaltyConfig.Kind.STATIC, "0.1", "0.1")),
            topk("adaptive", "the seed's adaptive penalty: λ2 quadratic(0.1), threshold linear(0.1)",
                    coFiring(PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.1)", "linear(0.1)")),
            topk("adaptive-strong", "seed run 2: λ2 quadratic(0.2), threshold linear(0.05)",
                    coFiring(PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.2)", "linear(0.05)")),
            // The seed's "faster decay" run set decay_rate 0.3, which its run-1 code never read
            // (threshold = base·(1 − p)); only its run 4 formula, base·(1 − p)^decay_rate, uses it.
            topk("adaptive-decay0.3", "seed run 3 ('faster decay', decay_rate 0.3) read through run 4's threshold: λ2 quadratic(0.1), threshold power(0.1, 0.3)",
                    coFiring(PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.1)", "power(0.1, 0.3)")),
            topk("adaptive-decay0.1", "seed run 4 (non-linear threshold, decay_rate 0.1): λ2 quadratic(0.1), threshold power(0.1, 0.1)",
                    coFiring(PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.1)", "power(0.1, 0.1)")),
            topk("adaptive-fast", "variation, faster decay: λ2 power(0.1, 4), threshold power(0.1, 2)",
                    coFiring(PenaltyConfig.Kind.ADAPTIVE, "power(0.1, 4)", "power(0.1, 2)")),
            topk("adaptive-power", "variation, non-linear threshold: λ2 quadratic(0.1), threshold power(0.1, 0.1)",
                    coFiring(PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.1)", "power(0.1, 0.1)")),
            topk("adaptive-tuned", "seed run 5 (0.15, 0.08, 0.2): λ2 quadratic(0.15), threshold power(0.08, 0.2)",
                    coFiring(PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.15)", "power(0.08, 0.2)")),
            topk("adaptive-min", "adaptive with n_ij = count_ij / min(count_i, count_j): λ2 quadratic(0.1), threshold linear(0.1)",
                    coFiring(PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.1)", "linear(0.1)").withNormalization(CoFiring.Normalization.MIN_COUNT)),
            topk("adaptive-jaccard", "adaptive with n_ij the Jaccard index of the two latents' rows: λ2 quadratic(0.1), threshold linear(0.1)",
                    coFiring(PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.1)", "linear(0.1)").withNormalization(CoFiring.Normalization.JACCARD)),
            // The field's other sparse baselines. Their inference threshold is estimated from step 100, not
            // dictionary_learning's 1000: the experiment's runs are 1000 steps, which would never estimate it.
            new Preset("batchtopk", "BatchTopK baseline (Bussmann et al.): the k·B largest codes of the batch; inference threshold estimated from step 100",
                    BatchTopKArchitecture.INSTANCE, Map.of("threshold_start_step", "100"), PenaltyConfig.none(), TOPK_LR),
            new Preset("matryoshka", "Matryoshka BatchTopK baseline (nested prefixes of m/32, m/16, m/8, m/4 and all latents, each reconstructing); threshold from step 100",
                    MatryoshkaBatchTopKArchitecture.INSTANCE, Map.of("threshold_start_step", "100"), PenaltyConfig.none(), TOPK_LR),
            new Preset("jumprelu", "JumpReLU (Gemma Scope's form): per-latent thresholds, L0 penalty 0.1 (tuned on synthetic:small; scale with ‖x‖² on a model)",
                    JumpReluArchitecture.INSTANCE, Map.of(), PenaltyConfig.none(), TOPK_LR),
            new Preset("gated", "Gated SAE: gate and magnitude paths, L1 1.0 on the gate and its auxiliary reconstruction (tuned on synthetic:small)",
                    GatedArchitecture.INSTANCE, Map.of(), PenaltyConfig.none(), TOPK_LR),
            topk("orthogonal", "control, orthogonality without the seed's gating (OrtSAE-style): weight " + ORTHOGONAL_WEIGHT + " × mean largest cos² "
                    + "between decoder rows within " + ORTHOGONAL_CHUNKS + " random chunks",
                    PenaltyConfig.orthogonal(Schedule.parse(ORTHOGONAL_WEIGHT), ORTHOGONAL_CHUNKS)));

    /**
     * The width rule for model activations: without --m/--k, the SAE's sizes follow the source's
     * width d, anchored at the seed's sizes on gemma-2-2b (m 16384 and k 320 at d 2304), so the
     * rule gives exactly those there: m = round(expansion factor · d) with the factor 16384/2304
     * ≈ 7.11, and a target L0 (TopK's k) of round(d · 320/2304) ≈ 0.139·d. On the tiny model
     * (d 64) that is m 455, k 9.
     */
    public static final int ANCHOR_D = 2304, ANCHOR_M = 16384, ANCHOR_L0 = 320;

    /** The expansion factor m/d the rule uses by default (16384/2304 ≈ 7.11). */
    public static final double DEFAULT_EXPANSION_FACTOR = (double) ANCHOR_M / ANCHOR_D;

    /** Latents for width d: round(factor · d), at least 1; the default factor gives 16384 at d 2304 exactly. */
    public static int latents(int d, Double expansionFactor) {
        double v = expansionFactor == null ? (double) d * ANCHOR_M / ANCHOR_D : expansionFactor * d;
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.round(v)));
    }

    /** The default target L0 (TopK's k) for width d: round(d · 320/2304), at least 1 (320 at d 2304, 9 at d 64). */
    public static int targetL0(int d) {
        return (int) Math.max(1, Math.round((double) d * ANCHOR_L0 / ANCHOR_D));
    }

    /** The width rule in one line, for --help (which cannot know the source). */
    public static String sizeRuleHelp() {
        return String.format(Locale.ROOT, "m = round(%.4g·d) (--expansion-factor), k = round(%.4g·d) (--target-l0), lr = the preset's at m 16384 × √(16384/m)",
                DEFAULT_EXPANSION_FACTOR, (double) ANCHOR_L0 / ANCHOR_D);
    }

    /** What the rule gives TopK at gemma-2-2b's width and at the tiny model's, in one line. */
    public static String sizeRuleExamples() {
        return String.format(Locale.ROOT, "TopK: %s at gemma-2-2b's d %d; %s at the tiny model's d 64", sizesAt(ANCHOR_D), ANCHOR_D, sizesAt(64));
    }

    private static String sizesAt(int d) {
        int m = latents(d, null);
        return String.format(Locale.ROOT, "m %d k %d lr %.2g", m, targetL0(d), TOPK_LR * Math.sqrt(16384.0 / m));
    }

    /** Every preset, in help order. */
    public static List<Preset> all() { return ALL; }

    /** The preset of this name (case and surrounding blanks ignored); one line listing the known names otherwise. */
    public static Preset byName(String name) {
        String t = name.strip().toLowerCase(Locale.ROOT);
        return ALL.stream().filter(p -> p.id().equals(t)).findFirst().orElseThrow(() -> new IllegalArgumentException("unknown preset '" + name
                + "'; known: " + ALL.stream().map(Preset::id).collect(Collectors.joining(", "))));
    }

    /** One line per preset, for --help. */
    public static String help() {
        return ALL.stream().map(p -> String.format(Locale.ROOT, "  %-18s %s", p.id(), p.description())).collect(Collectors.joining("\n"));
    }

    private static Preset topk(String id, String description, PenaltyConfig penalty) {
        SaeArchitecture topk = TopKArchitecture.INSTANCE;
        return new Preset(id, description, topk, Map.of(), penalty, TOPK_LR);
    }

    private static PenaltyConfig coFiring(PenaltyConfig.Kind kind, String lambda2, String threshold) {
        return new PenaltyConfig(kind, Schedule.parse(lambda2), Schedule.parse(threshold), PenaltyConfig.OverlapTarget.ACTIVATION, CoFiring.Normalization.BATCH);
    }
}
