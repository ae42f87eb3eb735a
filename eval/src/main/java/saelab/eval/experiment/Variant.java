package saelab.eval.experiment;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import saelab.model.harvest.HarvestManifest;
import saelab.tensor.kernels.CoFiring;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.schedule.Schedule;
import saelab.train.trainer.TrainConfig;

/**
 * One SAE configuration the experiment compares: architecture, penalty and its schedules, and
 * the learning rate. The settings are the seed experiment's (method.md) and the cli's train
 * presets: TopK lr 2e-4 and ReLU lr 3e-4 at m = 16384, ×15 on synthetic data (3e-3 and 4.5e-3),
 * L1 0.04; the penalty on the activation overlap, n_ij normalised by the batch.
 */
public record Variant(String id, String description, TrainConfig.Architecture architecture, PenaltyConfig.Kind penalty,
                      String lambda2, String threshold, double lr, double l1, CoFiring.Normalization normalization) {

    public Variant(String id, String description, TrainConfig.Architecture architecture, PenaltyConfig.Kind penalty,
                   String lambda2, String threshold, double lr, double l1) {
        this(id, description, architecture, penalty, lambda2, threshold, lr, l1, CoFiring.Normalization.BATCH);
    }

    public static final String TOPK = "topk", STANDARD = "standard", STATIC = "static", ADAPTIVE = "adaptive";

    /**
     * TopK baseline, ReLU+L1, static and adaptive orthogonal, four schedule variations, and the
     * adaptive SAE with min-count normalisation of n_ij (with batch normalisation, a threshold of
     * 0.1 means "co-fire in 10% of rows", which k = 8 of 1024 latents rarely reach).
     */
    public static List<Variant> defaults() {
        return List.of(
                topk(TOPK, "TopK baseline, no penalty", PenaltyConfig.Kind.NONE, "0", "0"),
                new Variant(STANDARD, "ReLU + L1 0.04 (warm-up), no penalty", TrainConfig.Architecture.STANDARD, PenaltyConfig.Kind.NONE, "0", "0", 4.5e-3, 0.04),
                topk(STATIC, "static orthogonal: λ2 0.1, threshold 0.1 throughout", PenaltyConfig.Kind.STATIC, "0.1", "0.1"),
                topk(ADAPTIVE, "adaptive: λ2 quadratic(0.1), threshold linear(0.1)", PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.1)", "linear(0.1)"),
                topk("adaptive-strong", "λ2 quadratic(0.2), threshold linear(0.05)", PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.2)", "linear(0.05)"),
                topk("adaptive-fast", "faster decay: λ2 power(0.1, 4), threshold power(0.1, 2)", PenaltyConfig.Kind.ADAPTIVE, "power(0.1, 4)", "power(0.1, 2)"),
                topk("adaptive-power", "non-linear threshold: λ2 quadratic(0.1), threshold power(0.1, 0.1)", PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.1)", "power(0.1, 0.1)"),
                topk("adaptive-tuned", "tuned (0.15, 0.08, 0.2): λ2 quadratic(0.15), threshold power(0.08, 0.2)", PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.15)", "power(0.08, 0.2)"),
                new Variant("adaptive-min", "adaptive with n_ij normalised by min(count_i, count_j) instead of the batch: λ2 quadratic(0.1), threshold linear(0.1)",
                        TrainConfig.Architecture.TOPK, PenaltyConfig.Kind.ADAPTIVE, "quadratic(0.1)", "linear(0.1)", 3e-3, 0, CoFiring.Normalization.MIN_COUNT));
    }

    private static Variant topk(String id, String description, PenaltyConfig.Kind kind, String lambda2, String threshold) {
        return new Variant(id, description, TrainConfig.Architecture.TOPK, kind, lambda2, threshold, 3e-3, 0);
    }

    /** The named default variants, in the order given. */
    public static List<Variant> select(List<String> ids) {
        List<Variant> all = defaults();
        return ids.stream().map(s -> s.strip().toLowerCase(Locale.ROOT)).map(id -> all.stream().filter(v -> v.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown variant '" + id + "'; known: "
                        + all.stream().map(Variant::id).collect(Collectors.joining(", "))))).toList();
    }

    public PenaltyConfig penaltyConfig() {
        if (penalty == PenaltyConfig.Kind.NONE) return PenaltyConfig.none();
        return new PenaltyConfig(penalty, Schedule.parse(lambda2), Schedule.parse(threshold), PenaltyConfig.OverlapTarget.ACTIVATION, normalization);
    }

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
        return new TrainConfig(architecture, d, e.m(), e.k(), model ? modelLr(e.m()) : lr, e.steps(), e.batch(), seed, warm,
                Math.round(0.8 * e.steps()), 1.0 / 32, model ? MODEL_DEAD_TOKENS : 50L * e.batch(), Math.max(1, d / 2),
                architecture == TrainConfig.Architecture.STANDARD ? l1 : 0.04, warm, penaltyConfig(), 1.0, e.logEvery(), 0, e.sourceSpec(),
                model ? HarvestManifest.hookName(e.model().layer()) : "synthetic", model ? e.model().modelName() : e.sourceSpec());
    }

    @Override public String toString() { return id; }

    static String ids(List<Variant> vs) { return Arrays.toString(vs.stream().map(Variant::id).toArray()); }
}
