package saelab.eval.experiment;

import java.nio.file.Path;
import java.util.List;
import saelab.train.source.SyntheticConfig;
import saelab.train.source.SyntheticPresets;

/**
 * What one experiment runs: variants × seeds on an embedded synthetic source (the preset
 * {@code preset}, its true features drawn with {@code dataSeed}), each trained for {@code steps}
 * steps of {@code batch} rows and evaluated at {@code phases} evenly spaced points on one held-out
 * batch of {@code evalRows} rows (batch index {@link #HELD_OUT_INDEX} of stream 0, never a training
 * batch). Seed s sets both the SAE's initialisation and the run's stream of training batches, and
 * every variant runs the same seeds: the comparison is paired by seed. Reconstruction counts as
 * equal between two variants when a paired equivalence test (TOST) bounds the difference in
 * explained variance within ±{@code evMargin}.
 *
 * <p>With {@code model} set, the same comparison runs on a gemma-2 model's activations instead
 * ({@link ModelExperiment}): harvested once into {@link #harvestDir()}, {@code evalRows} is the
 * held-out set's rows, {@code dataSeed} seeds the shuffle of the training rows (the same for every
 * run), and {@code recoveryBar} is unused (there is no ground truth).
 */
public record ExperimentConfig(Path out, List<Variant> variants, List<Long> seeds, long steps, int batch, int phases,
                               int evalRows, int m, int k, long dataSeed, double recoveryBar, ModelData model, String preset, double evMargin) {

    /** The main job's source and its equivalence margin for explained variance. */
    public static final String DEFAULT_PRESET = "bench";
    public static final double DEFAULT_EV_MARGIN = 0.005;

    /** Training uses batches 0 … steps−1 and −1 (initialisation); this one is held out. */
    public static final long HELD_OUT_INDEX = -1_000_003L;

    public ExperimentConfig {
        if (variants.isEmpty() || seeds.isEmpty()) throw new IllegalArgumentException("need at least one variant and one seed");
        if (steps < 1 || batch < 1 || evalRows < 1) throw new IllegalArgumentException("steps, batch and eval rows must be ≥ 1");
        if (phases < 1 || phases > steps) throw new IllegalArgumentException("phases must be in [1, steps = " + steps + "], got " + phases);
        if (k < 1 || k > m) throw new IllegalArgumentException("need 1 ≤ k ≤ m, got k " + k + ", m " + m);
        if (!(evMargin > 0)) throw new IllegalArgumentException("the equivalence margin for explained variance must be > 0, got " + evMargin);
        if (model == null) SyntheticPresets.config(preset, dataSeed); // an unknown preset fails here, with the known ones
    }

    /** The synthetic experiment on a preset. */
    public static ExperimentConfig synthetic(Path out, List<Variant> variants, List<Long> seeds, long steps, int batch, int phases,
                                             int evalRows, int m, int k, String preset, long dataSeed, double recoveryBar, double evMargin) {
        return new ExperimentConfig(out, variants, seeds, steps, batch, phases, evalRows, m, k, dataSeed, recoveryBar, null, preset, evMargin);
    }

    /** The same comparison on a model's activations; the held-out rows come from {@code model}. */
    public static ExperimentConfig onModel(Path out, List<Variant> variants, List<Long> seeds, long steps, int batch, int phases,
                                           int m, int k, long dataSeed, ModelData model, double evMargin) {
        return new ExperimentConfig(out, variants, seeds, steps, batch, phases, model.heldOutRows(), m, k, dataSeed, Double.NaN, model, null, evMargin);
    }

    /**
     * The SAE and run sizes that fit a synthetic preset, used where flags do not say otherwise.
     * {@code bench}: m 512 and k 40 over 1024 true features in d 128, k about twice the data's L0 of
     * 22. Measured: at k 20 (≈ L0) the trained TopK SAEs' latents co-fire in more than 10% of rows in
     * at most a few pairs, though 60 true feature pairs do, and the seed's static penalty stays below
     * 0.1% of the reconstruction loss: no test of it; at k 40 it is 1–2% and active on most steps.
     * {@code small}: the unit-test source's;
     * {@code synthsaebench}: SynthSAEBench-16k's SAE (4096 latents, k 25), a job of hours on 2 cores.
     */
    public record Sizes(int m, int k, int batch, long steps, int seeds, int evalRows) {
        public static Sizes forPreset(String preset) {
            return switch (preset) {
                case "small" -> new Sizes(1024, 8, 512, 600, 3, 8192);
                case "synthsaebench" -> new Sizes(4096, 25, 1024, 20_000, 3, 16_384);
                default -> new Sizes(512, 40, 1024, 1000, 5, 8192);
            };
        }
    }

    /** The synthetic source's structure (true features, rates, hierarchy); null on a model. */
    public SyntheticConfig syntheticConfig() { return model == null ? SyntheticPresets.config(preset, dataSeed) : null; }

    public boolean onModel() { return model != null; }

    /** The model experiment's harvest folder: held-out rows first, then the training rows. */
    public Path harvestDir() { return out.resolve("harvest"); }

    /**
     * The source each run's cfg.json records. On a model: the harvest folder, the training rows
     * [first, end) and the shuffle seed; the row range is not something {@code saelab train
     * --source} reads, so resuming one of these runs by hand cannot silently train on held-out rows.
     */
    public String sourceSpec() {
        if (model == null) return "synthetic:" + preset + "@" + dataSeed;
        return "shards:" + harvestDir().toAbsolutePath().normalize() + "#rows=" + model.heldOutRows() + ".." + model.harvestTokens() + "@" + dataSeed;
    }

    /** The source run seed s trains on: on synthetic data its own stream over the shared true features. */
    public String sourceSpec(long seed) {
        return model == null ? sourceSpec() + "/" + seed : sourceSpec();
    }

    /** Training-curve resolution: about 100 points per run. */
    public long logEvery() { return Math.max(1, steps / 100); }

    /** The step at which phase i (1-based) ends: ⌊i·steps/phases⌋, the last at steps. */
    public long phaseEnd(int i) { return i * steps / phases; }
}
