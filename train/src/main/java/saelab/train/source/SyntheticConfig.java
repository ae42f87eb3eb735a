package saelab.train.source;

import java.util.List;

/**
 * The generative process of {@link SyntheticSource}, as plain data: every knob lives in one of
 * the nested records. The model follows SynthSAEBench (arXiv 2602.14687; SAELens
 * {@code sae_lens/synthetic}: firing_probabilities.py, correlation.py, hierarchy.py,
 * firing_magnitudes.py, activation_generator.py):
 *
 * <ol>
 *   <li>each feature i has a draw probability π_i; features in the copula subset draw through a
 *       low-rank Gaussian copula (z = L·g + √(1 − Σ L²)·ε, drawn when z_i &lt; Φ⁻¹(π_i), so each
 *       marginal stays π_i), all others draw independently;</li>
 *   <li>a drawn feature gets the magnitude max(0, mean_i + std_i·N(0, 1)); a zero magnitude does
 *       not fire;</li>
 *   <li>hierarchy, level by level: a child fires only if its parent fires, optionally scaled by
 *       parent magnitude / parent mean; among mutually exclusive siblings that drew, one winner
 *       chosen uniformly fires;</li>
 *   <li>x = bias + Σ magnitude·direction + isotropic noise; directions are random unit vectors.</li>
 * </ol>
 *
 * <p>Feature ids: hierarchy trees first, breadth first over the whole forest (all roots, then all
 * their children, ...), then the free features, as SAELens lays them out.
 *
 * @param features    number of true features n (n &gt; dim: superposition)
 * @param dim         activation width d
 * @param rates       Zipf rates of every feature that is not a dense root or a conditional child
 * @param hierarchy   the trees ({@link Hierarchy#NONE} for none)
 * @param correlation the copula ({@link Correlation#NONE} for independent draws)
 * @param magnitudes  per-feature firing magnitudes
 * @param background  bias vector and noise every sample carries
 * @param seed        seeds the structure: directions, rates, hierarchy, loadings, magnitudes
 */
public record SyntheticConfig(int features, int dim, Rates rates, Hierarchy hierarchy, Correlation correlation,
                              Magnitudes magnitudes, Background background, long seed) {

    public SyntheticConfig {
        if (features <= 0 || dim <= 0) throw new IllegalArgumentException("synthetic source: features and dim must be > 0, got " + features + " and " + dim);
        if (rates == null || hierarchy == null || correlation == null || magnitudes == null || background == null) {
            throw new IllegalArgumentException("synthetic source: rates, hierarchy, correlation, magnitudes and background must all be given (use their NONE forms)");
        }
        if (hierarchy.features() > features) {
            throw new IllegalArgumentException("synthetic source: the hierarchy needs " + hierarchy.features() + " features but there are only " + features);
        }
    }

    /**
     * Zipf firing rates: the k-th Zipf-rated feature (in id order, k = 1, 2, ...) gets
     * k^(−exponent), rescaled linearly so the first gets {@code max} and the last {@code min},
     * then multiplied by {@code scale} (SAELens's zipfian_firing_probabilities, plus the scale).
     * With min = max every Zipf-rated feature gets max·scale.
     */
    public record Rates(double zipfExponent, double min, double max, double scale) {
        public Rates {
            if (!(zipfExponent >= 0)) throw new IllegalArgumentException("synthetic rates: Zipf exponent must be ≥ 0, got " + zipfExponent);
            if (!(min >= 0 && min <= max && max <= 1)) throw new IllegalArgumentException("synthetic rates: need 0 ≤ min ≤ max ≤ 1, got min " + min + ", max " + max);
            if (!(scale > 0 && max * scale <= 1)) throw new IllegalArgumentException("synthetic rates: scale must be > 0 with max·scale ≤ 1, got " + scale);
        }

        /** The same rate p for every Zipf-rated feature. */
        public static Rates uniform(double p) { return new Rates(0, p, p, 1); }
    }

    /**
     * Trees of {@code roots} roots, each node with {@code branching} children, {@code depth}
     * levels below the root (SAELens's max_depth: 1 = roots with leaf children).
     *
     * @param denseMin   with denseMax &gt; 0: the roots are the dense tier, each with a rate drawn
     *                   uniformly in [denseMin, denseMax]; with denseMax = 0 the roots are Zipf-rated
     * @param given      per level below the root, the probability that a firing parent fires a
     *                   child (exclusive: one of its children; otherwise each child); empty: the
     *                   children are Zipf-rated and their draw probabilities compensated so each
     *                   fires at its Zipf rate where it can (SAELens's compensate_probabilities)
     * @param exclusive  siblings are mutually exclusive: one random winner among those that drew
     * @param scaleByParent a child's magnitude is multiplied by its parent's magnitude / parent mean
     */
    public record Hierarchy(int roots, int branching, int depth, boolean exclusive, double denseMin, double denseMax,
                            List<Double> given, boolean scaleByParent) {
        public static final Hierarchy NONE = new Hierarchy(0, 0, 0, false, 0, 0, List.of(), false);

        public Hierarchy {
            given = List.copyOf(given);
            if (roots < 0 || branching < 0 || depth < 0) throw new IllegalArgumentException("synthetic hierarchy: roots, branching and depth must be ≥ 0");
            if (roots > 0 && depth > 0 && branching < 1) throw new IllegalArgumentException("synthetic hierarchy: trees with depth > 0 need branching ≥ 1");
            if (exclusive && branching < 2 && depth > 0) throw new IllegalArgumentException("synthetic hierarchy: exclusive children need branching ≥ 2");
            if (!given.isEmpty() && given.size() != depth) {
                throw new IllegalArgumentException("synthetic hierarchy: one child probability per level below the root (" + depth + "), got " + given.size());
            }
            for (double q : given) if (!(q >= 0 && q <= 1)) throw new IllegalArgumentException("synthetic hierarchy: child probabilities must be in [0, 1], got " + q);
            if (!(denseMin >= 0 && denseMin <= denseMax && denseMax <= 1)) {
                throw new IllegalArgumentException("synthetic hierarchy: dense root rates need 0 ≤ min ≤ max ≤ 1, got " + denseMin + ", " + denseMax);
            }
            if (given.isEmpty() && exclusive && branching > 16) {
                throw new IllegalArgumentException("synthetic hierarchy: compensated exclusive children allow branching ≤ 16, got " + branching);
            }
        }

        /** Dense-tier roots with rates in [min, max] and children firing with the given probability per level. */
        public static Hierarchy dense(int roots, double min, double max, int branching, boolean exclusive, List<Double> given) {
            return new Hierarchy(roots, branching, given.size(), exclusive, min, max, given, false);
        }

        /** Zipf-rated trees with compensated children, as SynthSAEBench builds them. */
        public static Hierarchy zipf(int roots, int branching, int depth, boolean exclusive, boolean scaleByParent) {
            return new Hierarchy(roots, branching, depth, exclusive, 0, 0, List.of(), scaleByParent);
        }

        public boolean denseRoots() { return denseMax > 0; }

        public boolean conditional() { return !given.isEmpty(); }

        /** Features in one tree: 1 + b + b² + ... + b^depth. */
        public long perTree() {
            long total = 0, level = 1;
            for (int l = 0; l <= depth; l++) { total += level; level *= branching; }
            return total;
        }

        /** Features in all trees. */
        public long features() { return roots * perTree(); }
    }

    /**
     * A rank-{@code rank} Gaussian copula over the {@code members} features with the highest
     * designed rates (all eligible features when members is at least their number): loadings
     * L ~ N(0, scale²) per entry, the whole matrix shrunk if a row's Σ L² passes 0.99 (SAELens's
     * generate_random_low_rank_correlation_matrix). With {@code includeChildren} false only
     * roots and free features are eligible, so the hierarchy's per-level probabilities hold
     * exactly; SynthSAEBench correlates every feature.
     */
    public record Correlation(int rank, double scale, int members, boolean includeChildren) {
        public static final Correlation NONE = new Correlation(0, 0, 0, false);

        public Correlation {
            if (rank < 0 || members < 0 || !(scale >= 0)) throw new IllegalArgumentException("synthetic correlation: rank, scale and members must be ≥ 0");
        }

        public boolean active() { return rank > 0 && members > 0 && scale > 0; }
    }

    /**
     * Per-feature firing magnitudes: feature i's mean runs linearly from {@code meanFirst}
     * (id 0) to {@code meanLast} (the last id); its standard deviation is |N(stdMean, stdSpread²)|
     * drawn once (SAELens's LinearMagnitudeConfig and FoldedNormalMagnitudeConfig; stdSpread 0
     * gives every feature stdMean).
     */
    public record Magnitudes(double meanFirst, double meanLast, double stdMean, double stdSpread) {
        public Magnitudes {
            if (!(meanFirst > 0 && meanLast > 0)) throw new IllegalArgumentException("synthetic magnitudes: means must be > 0, got " + meanFirst + ", " + meanLast);
            if (!(stdMean >= 0 && stdSpread >= 0)) throw new IllegalArgumentException("synthetic magnitudes: std parameters must be ≥ 0");
        }

        public static Magnitudes constant(double mean, double std) { return new Magnitudes(mean, mean, std, 0); }
    }

    /** A fixed random bias vector of norm {@code biasNorm} (SAELens's dictionary bias) and isotropic Gaussian noise. */
    public record Background(double biasNorm, double noiseStd) {
        public static final Background NONE = new Background(0, 0);

        public Background {
            if (!(biasNorm >= 0 && noiseStd >= 0)) throw new IllegalArgumentException("synthetic background: bias norm and noise must be ≥ 0");
        }
    }

    /** Number of hierarchy roots (the report's summary line). */
    public int hierarchyRoots() { return hierarchy.roots(); }

    /** Children per hierarchy node. */
    public int branching() { return hierarchy.branching(); }

    /** Expected number of firing features per sample, hierarchy included, copula ignored (it keeps marginals). */
    public double meanActive() { return FeatureRates.of(this).expectedActive(); }

    /** The same process with another structure seed. */
    public SyntheticConfig withSeed(long s) {
        return new SyntheticConfig(features, dim, rates, hierarchy, correlation, magnitudes, background, s);
    }

    /**
     * {@code features} independent features in d = dim, each firing at the same rate so that
     * about {@code meanActive} fire per sample, with magnitude mean ± std and no noise.
     */
    public static SyntheticConfig independent(int features, int dim, double meanActive, double magnitudeMean, double magnitudeStd, long seed) {
        return new SyntheticConfig(features, dim, Rates.uniform(Math.min(1, meanActive / features)), Hierarchy.NONE, Correlation.NONE,
                Magnitudes.constant(magnitudeMean, magnitudeStd), Background.NONE, seed);
    }

    /**
     * For unit tests; trains in seconds on 2 cores: d 64, 512 features, 16 dense roots (rates
     * 0.05–0.15) × 3 exclusive children (0.6 given the parent), Zipf 0.5 bulk in [0.001, 0.12],
     * rank-4 copula over the 32 most frequent top-level features, magnitudes 1 ± 0.25, noise 0.01.
     */
    public static SyntheticConfig small(long seed) {
        return new SyntheticConfig(512, 64, new Rates(0.5, 0.001, 0.12, 1),
                Hierarchy.dense(16, 0.05, 0.15, 3, true, List.of(0.6)), new Correlation(4, 0.2, 32, false),
                Magnitudes.constant(1.0, 0.25), new Background(0, 0.01), seed);
    }

    /**
     * The research bench: d 128, 1024 features; 24 dense roots at rates 0.15–0.35, each with 2
     * mutually exclusive children (0.9 given the parent) and 2 exclusive grandchildren per child
     * (0.6); bulk Zipf 0.5 in [5e-4, 0.4] × 0.6; rank-8 copula at scale 0.3 over the 64 most
     * frequent top-level features; magnitudes SynthSAEBench's shape scaled by ¼ (means 1.25 → 1.0, stds
     * |N(0.125, 0.125)|); noise 0.01. Meant for an SAE of m 512, k 20, batch 1024.
     */
    public static SyntheticConfig bench(long seed) {
        return new SyntheticConfig(1024, 128, new Rates(0.5, 5e-4, 0.4, 0.6),
                Hierarchy.dense(24, 0.15, 0.35, 2, true, List.of(0.9, 0.6)), new Correlation(8, 0.3, 64, false),
                new Magnitudes(1.25, 1.0, 0.125, 0.125), new Background(0, 0.01), seed);
    }

    /**
     * SynthSAEBench-16k as published (SAELens docs/synthsaebench.md): 16,384 features in d 768,
     * Zipf 0.5 in [5e-4, 0.4] over all features, 128 roots with branching 4 and depth 3 (85
     * features per tree), all children mutually exclusive, probabilities compensated, children
     * scaled by their parent; rank-25 copula at scale 0.1 over all features; magnitudes with
     * means linear 5.0 → 4.0 and stds |N(0.5, 0.5)|; dictionary bias of norm 0.5 (SAELens's
     * from-scratch recipe); no noise. Designed L0 34.96 (published ~34; ~25 over the first
     * 4096 features, as published). Not reproduced: the orthogonalisation of the directions
     * (100 steps at lr 3e-4); random unit directions already give the published overlap
     * ρ_mm ≈ 0.15.
     */
    public static SyntheticConfig synthSaeBench(long seed) {
        return new SyntheticConfig(16384, 768, new Rates(0.5, 5e-4, 0.4, 1),
                Hierarchy.zipf(128, 4, 3, true, true), new Correlation(25, 0.1, 16384, true),
                new Magnitudes(5.0, 4.0, 0.5, 0.5), new Background(0.5, 0), seed);
    }
}
