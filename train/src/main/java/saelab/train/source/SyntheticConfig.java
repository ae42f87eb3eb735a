package saelab.train.source;

/**
 * The generative process of {@link SyntheticSource}, as plain data.
 *
 * @param features         number of true features n (n > dim: superposition)
 * @param dim              activation width d
 * @param meanActive       target mean number of firing features per sample, hierarchy included
 * @param zipfExponent     firing rates of top-level features ∝ rank^(−s); 0 gives equal rates
 * @param magnitudeMean    mean firing magnitude; each feature's own mean is drawn in [½, 1½]× this
 * @param magnitudeStd     spread of a firing's magnitude around its feature's mean (folded normal)
 * @param hierarchyRoots   number of parent/child trees (0: none)
 * @param branching        children per node
 * @param depth            levels per tree, root included (2: roots with children)
 * @param childProbability chance that a firing parent also fires (one of) its children
 * @param exclusiveChildren at most one child of a parent fires at once (the absorption case)
 * @param groups           correlated groups among top-level non-root features (0: none)
 * @param groupSize        features per group
 * @param groupCoFire      chance each other member fires when one member fires
 * @param noiseStd         isotropic Gaussian noise added to every sample
 * @param seed             seeds directions, rates and the sample stream
 */
public record SyntheticConfig(int features, int dim, double meanActive, double zipfExponent,
                              double magnitudeMean, double magnitudeStd,
                              int hierarchyRoots, int branching, int depth, double childProbability,
                              boolean exclusiveChildren, int groups, int groupSize, double groupCoFire,
                              double noiseStd, long seed) {

    public SyntheticConfig {
        if (features <= 0 || dim <= 0) throw new IllegalArgumentException("features and dim must be > 0, got " + features + ", " + dim);
        if (!(meanActive > 0)) throw new IllegalArgumentException("meanActive must be > 0, got " + meanActive);
        if (hierarchyRoots < 0 || branching < 0 || depth < 1 && hierarchyRoots > 0)
            throw new IllegalArgumentException("hierarchy needs roots ≥ 0, branching ≥ 0, depth ≥ 1");
        if (hierarchyFeatures(hierarchyRoots, branching, depth) + (long) groups * groupSize > features)
            throw new IllegalArgumentException("hierarchies (" + hierarchyFeatures(hierarchyRoots, branching, depth)
                    + " features) and groups (" + (long) groups * groupSize + ") need more than the " + features + " features");
        if (!(childProbability >= 0 && childProbability <= 1) || !(groupCoFire >= 0 && groupCoFire <= 1))
            throw new IllegalArgumentException("probabilities must be in [0, 1]");
        if (!(noiseStd >= 0) || !(magnitudeStd >= 0) || !(magnitudeMean > 0))
            throw new IllegalArgumentException("magnitudes and noise must be non-negative (mean > 0)");
    }

    static long hierarchyFeatures(int roots, int branching, int depth) {
        long perTree = 0, level = 1;
        for (int l = 0; l < depth; l++) { perTree += level; level *= branching; }
        return roots * perTree;
    }

    /** The embedded default: trains in seconds on 2 cores, with hierarchies so absorption is measurable. */
    public static SyntheticConfig small(long seed) {
        return new SyntheticConfig(512, 64, 6, 0.5, 1.0, 0.25, 16, 3, 2, 0.6, true, 8, 3, 0.5, 0.01, seed);
    }

    /**
     * The published SynthSAEBench design: 16,384 features in d = 768, Zipf firing rates, about 34
     * active per sample, 128 hierarchy roots with branching 4 and depth 3 (root, children,
     * grandchildren), mutually exclusive children.
     */
    public static SyntheticConfig synthSaeBench(long seed) {
        return new SyntheticConfig(16384, 768, 34, 1.0, 1.0, 0.25, 128, 4, 3, 0.5, true, 0, 0, 0, 0.0, seed);
    }
}
