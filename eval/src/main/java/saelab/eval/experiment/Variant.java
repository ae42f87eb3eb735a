package saelab.eval.experiment;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import saelab.model.harvest.HarvestManifest;
import saelab.train.penalty.kernels.CoFiring;
import saelab.train.arch.SaeArchitecture;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.presets.Preset;
import saelab.train.presets.Presets;
import saelab.train.trainer.TrainConfig;

/**
 * One SAE configuration the experiment compares: a {@link Preset} (architecture and its settings,
 * penalty, learning rate: the one table of defaults, shared with {@code saelab train --preset})
 * and its role in the comparison.
 */
public record Variant(Preset preset, Role role) {

    /**
     * What a variant is in the research question, which decides what it is compared with
     * ({@link Verdicts}): the TopK baseline, the static reference, the seed's method, a schedule
     * variation or another n_ij normalisation of the method, or a control from the literature.
     */
    public enum Role { BASELINE, STATIC, METHOD, SCHEDULE, NORMALISATION, CONTROL }

    public static final String TOPK = "topk", STANDARD = "standard", STATIC = "static", ADAPTIVE = "adaptive";

    /**
     * The main job's variants: the TopK baseline, the static and adaptive co-firing penalties
     * (the seed's λ2 0.1, threshold 0.1), the seed's planned schedule variations, the adaptive
     * penalty with the normalisations of n_ij that reach rare pairs, the ungated decoder-
     * orthogonality control, and the field's other sparse baselines, BatchTopK and Matryoshka
     * BatchTopK (the published answer to feature absorption). ReLU + L1 ({@link #all()}) is left out: it is not in the question and
     * trains 5–8× slower.
     *
     * <p>{@code adaptive-decay0.3} is the seed's run 4 threshold with run 3's rate, and
     * {@code adaptive-decay0.1} run 4's with the default rate 0.1 (see {@link Presets}).
     */
    public static List<Variant> defaults() {
        return List.of(
                of(TOPK, Role.BASELINE),
                of(STATIC, Role.STATIC),
                of(ADAPTIVE, Role.METHOD),
                of("adaptive-strong", Role.SCHEDULE),
                of("adaptive-decay0.3", Role.SCHEDULE),
                of("adaptive-decay0.1", Role.SCHEDULE),
                of("adaptive-tuned", Role.SCHEDULE),
                of("adaptive-min", Role.NORMALISATION),
                of("adaptive-jaccard", Role.NORMALISATION),
                of("orthogonal", Role.CONTROL),
                of("batchtopk", Role.BASELINE),
                of("matryoshka", Role.BASELINE));
    }

    /** Every variant {@code --variants} can name: the defaults, ReLU + L1, JumpReLU and Gated (dense training ops: slower, so not run by default). */
    public static List<Variant> all() {
        return Stream.concat(defaults().stream(), Stream.of(of(STANDARD, Role.CONTROL), of("jumprelu", Role.CONTROL), of("gated", Role.CONTROL))).toList();
    }

    private static Variant of(String preset, Role role) {
        return new Variant(Presets.byName(preset), role);
    }

    /** The named variants, in the order given. */
    public static List<Variant> select(List<String> ids) {
        List<Variant> all = all();
        return ids.stream().map(s -> s.strip().toLowerCase(Locale.ROOT)).map(id -> all.stream().filter(v -> v.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown variant '" + id + "'; known: "
                        + all.stream().map(Variant::id).collect(Collectors.joining(", "))))).toList();
    }

    public String id() { return preset.id(); }

    public String description() { return preset.description(); }

    public SaeArchitecture architecture() { return preset.architecture(); }

    public PenaltyConfig penaltyConfig() { return preset.penalty(); }

    public PenaltyConfig.Kind penalty() { return preset.penalty().kind(); }

    public boolean penalised() { return preset.penalty().active(); }

    public CoFiring.Normalization normalization() { return preset.penalty().normalization(); }

    /** The preset's L1 coefficient, 0 when it sets none (for the report). */
    public double l1() { return Double.parseDouble(preset.settings().getOrDefault("l1_coefficient", "0")); }

    /** The learning rate on synthetic data (the preset's rule). */
    public double lr() { return preset.lr(0, true); }

    /** On model data a latent counts as dead after this many tokens without firing (dictionary_learning's 10M, as saelab train). */
    public static final long MODEL_DEAD_TOKENS = 10_000_000L;

    /** The learning rate on model activations: the baseline's at m = 16384 (TopK 2e-4, ReLU 3e-4), scaled by √(16384/m). */
    public double modelLr(int m) { return preset.lr(m, false); }

    /**
     * The train config for one seed: the preset's architecture, settings, penalty and lr, with the
     * experiment's defaults for the rest (warm-up steps/10, lr decay from 80%, AuxK 1/32, k_aux d/2,
     * L1 0.04 with warm-up, clip 1); on a model, the model lr, dead after 10M tokens, and the
     * harvest's hook and model name for cfg.json.
     */
    public TrainConfig trainConfig(ExperimentConfig e, int d, long seed) {
        long warm = Math.min(1000, e.steps() / 10);
        boolean model = e.onModel();
        // The experiment's values for the settings an architecture may have, by key; the preset's win; the architecture takes its own.
        Map<String, String> offered = new HashMap<>(Map.of("k", Integer.toString(e.k()), "auxk_alpha", Double.toString(1.0 / 32),
                "k_aux", Integer.toString(Math.max(1, d / 2)), "l1_coefficient", "0.04", "l1_warmup_steps", Long.toString(warm)));
        offered.putAll(preset.settings());
        return new TrainConfig(architecture().settingsOffered(offered, d, e.m()), d, e.m(), model ? modelLr(e.m()) : lr(), e.steps(), e.batch(), seed, warm,
                Math.round(0.8 * e.steps()), model ? MODEL_DEAD_TOKENS : 50L * e.batch(), preset.penalty(), 1.0, e.logEvery(), 0, e.sourceSpec(seed),
                model ? HarvestManifest.hookName(e.model().layer()) : "synthetic", model ? e.model().modelName() : e.sourceSpec(seed));
    }

    @Override public String toString() { return id(); }
}
