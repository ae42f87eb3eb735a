package saelab.eval.experiment;

import java.nio.file.Path;
import java.util.List;

/**
 * What one experiment runs: variants × seeds on the embedded synthetic source
 * ({@code synthetic:small@dataSeed}, with hierarchies), each trained for {@code steps} steps of
 * {@code batch} rows and evaluated at {@code phases} evenly spaced points on one held-out batch
 * of {@code evalRows} rows (batch index {@link #HELD_OUT_INDEX}, never a training batch).
 * Seeds vary the SAE's initialisation; the data (and so the true features) are the same for all.
 *
 * <p>With {@code model} set, the same comparison runs on a gemma-2 model's activations instead
 * ({@link ModelExperiment}): harvested once into {@link #harvestDir()}, {@code evalRows} is the
 * held-out set's rows, {@code dataSeed} seeds the shuffle of the training rows (the same for every
 * run), and {@code recoveryBar} is unused (there is no ground truth).
 */
public record ExperimentConfig(Path out, List<Variant> variants, List<Long> seeds, long steps, int batch, int phases,
                               int evalRows, int m, int k, long dataSeed, double recoveryBar, ModelData model) {

    /** Training uses batches 0 … steps−1 and −1 (initialisation); this one is held out. */
    public static final long HELD_OUT_INDEX = -1_000_003L;

    public ExperimentConfig {
        if (variants.isEmpty() || seeds.isEmpty()) throw new IllegalArgumentException("need at least one variant and one seed");
        if (steps < 1 || batch < 1 || evalRows < 1) throw new IllegalArgumentException("steps, batch and eval rows must be ≥ 1");
        if (phases < 1 || phases > steps) throw new IllegalArgumentException("phases must be in [1, steps = " + steps + "], got " + phases);
        if (k < 1 || k > m) throw new IllegalArgumentException("need 1 ≤ k ≤ m, got k " + k + ", m " + m);
    }

    /** The synthetic experiment. */
    public ExperimentConfig(Path out, List<Variant> variants, List<Long> seeds, long steps, int batch, int phases,
                            int evalRows, int m, int k, long dataSeed, double recoveryBar) {
        this(out, variants, seeds, steps, batch, phases, evalRows, m, k, dataSeed, recoveryBar, null);
    }

    /** The same comparison on a model's activations; the held-out rows come from {@code model}. */
    public static ExperimentConfig onModel(Path out, List<Variant> variants, List<Long> seeds, long steps, int batch, int phases,
                                           int m, int k, long dataSeed, ModelData model) {
        return new ExperimentConfig(out, variants, seeds, steps, batch, phases, model.heldOutRows(), m, k, dataSeed, Double.NaN, model);
    }

    public boolean onModel() { return model != null; }

    /** The model experiment's harvest folder: held-out rows first, then the training rows. */
    public Path harvestDir() { return out.resolve("harvest"); }

    /**
     * The source each run's cfg.json records. On a model: the harvest folder, the training rows
     * [first, end) and the shuffle seed; the row range is not something {@code saelab train
     * --source} reads, so resuming one of these runs by hand cannot silently train on held-out rows.
     */
    public String sourceSpec() {
        if (model == null) return "synthetic:small@" + dataSeed;
        return "shards:" + harvestDir().toAbsolutePath().normalize() + "#rows=" + model.heldOutRows() + ".." + model.harvestTokens() + "@" + dataSeed;
    }

    /** Training-curve resolution: about 100 points per run. */
    public long logEvery() { return Math.max(1, steps / 100); }

    /** The step at which phase i (1-based) ends: ⌊i·steps/phases⌋, the last at steps. */
    public long phaseEnd(int i) { return i * steps / phases; }
}
