package saelab.eval.experiment;

import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import saelab.model.harvest.HarvestManifest;
import saelab.tensor.kernels.CoFiring;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.schedule.Schedule;
import saelab.train.arch.SaeArchitecture;
import saelab.train.arch.StandardArchitecture;
import saelab.train.arch.TopKArchitecture;
import saelab.train.trainer.TrainConfig;

/**
 * One SAE configuration the experiment compares: architecture, penalty (with its schedules), the
 * learning rate, and its role in the comparison. The settings are the seed experiment's
 * (method.md) and the cli's train presets: TopK lr 2e-4 and ReLU lr 3e-4 at m = 16384, ×15 on
 * synthetic data (3e-3 and 4.5e-3), L1 0.04; the co-firing penalty on the activation overlap,
 * n_ij normalised by the batch unless the variant says otherwise.
 */
public record Variant(String id, String description, SaeArchitecture architecture, PenaltyConfig penaltyConfig,
                      double lr, double l1, Role role) {

    /**
     * What a variant is in the research question, which decides what it is compared with
     * ({@link Verdicts}): the TopK baseline, the static reference, the seed's method, a schedule
     * variation or another n_ij normalisation of the method, or a control from the literature.
     */
    public enum Role { BASELINE, STATIC, METHOD, SCHEDULE, NORMALISATION, CONTROL }

    public static final String TOPK = "topk", STANDARD = "standard", STATIC = "static", ADAPTIVE = "adaptive";

    /**
     * Weight and chunks of the OrtSAE-style control. saelab's reconstruction loss sums the squared
     * error over d (≈ 4.7 per row on bench), not a per-element mean, so a weight from the paper would
     * not carry over; 2.5 gives the control about the share of the loss the adaptive penalty takes
     * (measured: 0.25 gave 0.8%, below the 1% "mechanism active" bar on most steps).
     */
    static final String ORTHOGONAL_WEIGHT = "2.5";
    static final int ORTHOGONAL_CHUNKS = 4;

    /**
     * The main job's variants: the TopK baseline, the static and adaptive co-firing penalties
     * (the seed's λ2 0.1, threshold 0.1), the seed's planned schedule variations, the adaptive
     * penalty with the normalisations of n_ij that reach rare pairs, and the ungated decoder-
     * orthogonality control. ReLU + L1 ({@link #all()}) is left out: it is not in the question and
     * trains 5–8× slower.
     *
     * <p>The seed's "faster decay" run set decay_rate 0.3, which its run-1 code never read
     * (threshold = base·(1 − p)); only its run 4 formula, base·(1 − p)^decay_rate, uses it. So
     * {@code adaptive-decay0.3} is run 4's threshold with run 3's rate, and {@code adaptive-decay0.1}
     * run 4's with the default rate 0.1 (a threshold that stays within 21% of 0.1 until p = 0.9).
     */
    public static List<Variant> defaults() {
        return List.of(
                topk(TOPK, "TopK baseline, no penalty", Role.BASELINE, PenaltyConfig.none()),
                topk(STATIC, "static co-firing penalty: λ2 0.1, threshold 0.1 throughout", Role.STATIC, coFiring(PenaltyConfig.Kind.STATIC, "0.1", "0.1")),
                topk(ADAPTIVE, "the seed's adaptive penalty: λ2 quadratic(0.1), threshold linear(0.1)", Role.METHOD,
                        coFiring(PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.1)", "linear(0.1)")),
                topk("adaptive-strong", "seed run 2: λ2 quadratic(0.2), threshold linear(0.05)", Role.SCHEDULE,
                        coFiring(PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.2)", "linear(0.05)")),
                topk("adaptive-decay0.3", "seed run 3 ('faster decay', decay_rate 0.3) read through run 4's threshold: λ2 quadratic(0.1), threshold power(0.1, 0.3)",
                        Role.SCHEDULE, coFiring(PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.1)", "power(0.1, 0.3)")),
                topk("adaptive-decay0.1", "seed run 4 (non-linear threshold, decay_rate 0.1): λ2 quadratic(0.1), threshold power(0.1, 0.1)",
                        Role.SCHEDULE, coFiring(PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.1)", "power(0.1, 0.1)")),
                topk("adaptive-tuned", "seed run 5 (0.15, 0.08, 0.2): λ2 quadratic(0.15), threshold power(0.08, 0.2)", Role.SCHEDULE,
                        coFiring(PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.15)", "power(0.08, 0.2)")),
                topk("adaptive-min", "adaptive with n_ij = count_ij / min(count_i, count_j): λ2 quadratic(0.1), threshold linear(0.1)",
                        Role.NORMALISATION, coFiring(PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.1)", "linear(0.1)").withNormalization(CoFiring.Normalization.MIN_COUNT)),
                topk("adaptive-jaccard", "adaptive with n_ij the Jaccard index of the two latents' rows: λ2 quadratic(0.1), threshold linear(0.1)",
                        Role.NORMALISATION, coFiring(PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.1)", "linear(0.1)").withNormalization(CoFiring.Normalization.JACCARD)),
                topk("orthogonal", "control, orthogonality without the seed's gating (OrtSAE-style): weight " + ORTHOGONAL_WEIGHT + " × mean largest cos² "
                        + "between decoder rows within " + ORTHOGONAL_CHUNKS + " random chunks", Role.CONTROL,
                        PenaltyConfig.orthogonal(Schedule.parse(ORTHOGONAL_WEIGHT), ORTHOGONAL_CHUNKS)));
    }

    /** Every variant {@code --variants} can name: the defaults and ReLU + L1. */
    public static List<Variant> all() {
        return Stream.concat(defaults().stream(), Stream.of(new Variant(STANDARD, "ReLU + L1 0.04 (warm-up), no penalty", StandardArchitecture.INSTANCE,
                PenaltyConfig.none(), 4.5e-3, 0.04, Role.CONTROL))).toList();
    }

    private static Variant topk(String id, String description, Role role, PenaltyConfig penalty) {
        return new Variant(id, description, TopKArchitecture.INSTANCE, penalty, 3e-3, 0, role);
    }

    private static PenaltyConfig coFiring(PenaltyConfig.Kind kind, String lambda2, String threshold) {
        return new PenaltyConfig(kind, Schedule.parse(lambda2), Schedule.parse(threshold), PenaltyConfig.OverlapTarget.ACTIVATION, CoFiring.Normalization.BATCH);
    }

    /** The named variants, in the order given. */
    public static List<Variant> select(List<String> ids) {
        List<Variant> all = all();
        return ids.stream().map(s -> s.strip().toLowerCase(Locale.ROOT)).map(id -> all.stream().filter(v -> v.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown variant '" + id + "'; known: "
                        + all.stream().map(Variant::id).collect(Collectors.joining(", "))))).toList();
    }

    public PenaltyConfig.Kind penalty() { return penaltyConfig.kind(); }

    public boolean penalised() { return penaltyConfig.active(); }

    public CoFiring.Normalization normalization() { return penaltyConfig.normalization(); }

    /** {@link #lr} is for synthetic data: the preset's lr at m = 16384 times this (the cli's TrainPreset). */
    public static final double SYNTHETIC_LR_FACTOR = 15;
    /** On model data a latent counts as dead after this many tokens without firing (dictionary_learning's 10M, as saelab train). */
    public static final long MODEL_DEAD_TOKENS = 10_000_000L;

    /** The learning rate on model activations: the baseline's at m = 16384 (TopK 2e-4, ReLU 3e-4), scaled by √(16384/m). */
    public double modelLr(int m) { return lr / SYNTHETIC_LR_FACTOR * Math.sqrt(16384.0 / m); }

    /**
     * The train config for one seed, with the cli's defaults (warm-up steps/10, lr decay from 80%, AuxK 1/32, clip 1); on a
     * model, the model lr, dead after 10M tokens, and the harvest's hook and model name for cfg.json.
     */
    public TrainConfig trainConfig(ExperimentConfig e, int d, long seed) {
        long warm = Math.min(1000, e.steps() / 10);
        boolean model = e.onModel();
        // The experiment's values for the settings an architecture may have, by key; it takes its own.
        Map<String, String> offered = Map.of("k", Integer.toString(e.k()), "auxk_alpha", Double.toString(1.0 / 32),
                "k_aux", Integer.toString(Math.max(1, d / 2)), "l1_coefficient", Double.toString(l1 > 0 ? l1 : 0.04),
                "l1_warmup_steps", Long.toString(warm));
        return new TrainConfig(architecture.settingsOffered(offered, d, e.m()), d, e.m(), model ? modelLr(e.m()) : lr, e.steps(), e.batch(), seed, warm,
                Math.round(0.8 * e.steps()), model ? MODEL_DEAD_TOKENS : 50L * e.batch(), penaltyConfig, 1.0, e.logEvery(), 0, e.sourceSpec(seed),
                model ? HarvestManifest.hookName(e.model().layer()) : "synthetic", model ? e.model().modelName() : e.sourceSpec(seed));
    }

    @Override public String toString() { return id; }
}
