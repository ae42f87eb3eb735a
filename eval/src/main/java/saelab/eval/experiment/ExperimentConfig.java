package saelab.eval.experiment;

import java.nio.file.Path;
import java.util.List;

/**
 * What one experiment runs: variants × seeds on the embedded synthetic source
 * ({@code synthetic:small@dataSeed}, with hierarchies), each trained for {@code steps} steps of
 * {@code batch} rows and evaluated at {@code phases} evenly spaced points on one held-out batch
 * of {@code evalRows} rows (batch index {@link #HELD_OUT_INDEX}, never a training batch).
 * Seeds vary the SAE's initialisation; the data (and so the true features) are the same for all.
 */
public record ExperimentConfig(Path out, List<Variant> variants, List<Long> seeds, long steps, int batch, int phases,
                               int evalRows, int m, int k, long dataSeed, double recoveryBar) {

    /** Training uses batches 0 … steps−1 and −1 (initialisation); this one is held out. */
    public static final long HELD_OUT_INDEX = -1_000_003L;

    public ExperimentConfig {
        if (variants.isEmpty() || seeds.isEmpty()) throw new IllegalArgumentException("need at least one variant and one seed");
        if (steps < 1 || batch < 1 || evalRows < 1) throw new IllegalArgumentException("steps, batch and eval rows must be ≥ 1");
        if (phases < 1 || phases > steps) throw new IllegalArgumentException("phases must be in [1, steps = " + steps + "], got " + phases);
        if (k < 1 || k > m) throw new IllegalArgumentException("need 1 ≤ k ≤ m, got k " + k + ", m " + m);
    }

    public String sourceSpec() { return "synthetic:small@" + dataSeed; }

    /** Training-curve resolution: about 100 points per run. */
    public long logEvery() { return Math.max(1, steps / 100); }

    /** The step at which phase i (1-based) ends: ⌊i·steps/phases⌋, the last at steps. */
    public long phaseEnd(int i) { return i * steps / phases; }
}
