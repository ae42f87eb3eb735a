package saelab.train.source;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Activations with known ground truth: n unit-norm feature directions in d &lt; n dimensions,
 * firing sparsely with Zipf and dense-tier rates, in hierarchies, correlated through a low-rank
 * Gaussian copula; x = bias + Σ_fired magnitude·direction + noise ({@link SyntheticConfig} has the
 * process, {@link SyntheticPresets} the named configurations).
 *
 * <p>Two seeds: the config's seed fixes the true features (directions, rates, hierarchy,
 * loadings, magnitude laws); the stream ({@link #withStream}) selects the samples, so runs with
 * different streams see different data over the same features. {@link #batchAt} depends only
 * on (config, stream, index). Every batch reports which features fired in each row, and how
 * strongly, so evaluation can score recovery and absorption exactly.
 */
public final class SyntheticSource implements ActivationSource {

    /** One batch with its truth: row r fired {@code feature[rowStart[r] .. rowStart[r+1])} (ascending ids) with those magnitudes. */
    public record Batch(int rows, int dim, float[] x, int[] rowStart, int[] feature, float[] magnitude) {
        public int activeIn(int row) { return rowStart[row + 1] - rowStart[row]; }
    }

    /** Marks the sequential stream of {@link #nextBatch(int)} apart from the indexed one. */
    private static final long SEQUENTIAL = 0x5EC0_0000_0000_0001L;

    private final SyntheticStructure truth;
    private final long stream;
    private final SyntheticSampler sampler;
    private long nextIndex;

    /** The source of this config on stream 0. */
    public SyntheticSource(SyntheticConfig cfg) {
        this(new SyntheticStructure(cfg), 0);
    }

    private SyntheticSource(SyntheticStructure truth, long stream) {
        this.truth = truth;
        this.stream = stream;
        this.sampler = new SyntheticSampler(truth);
    }

    /** The same true features (shared, not copied) with sample stream {@code s}. */
    public SyntheticSource withStream(long s) {
        return new SyntheticSource(truth, s);
    }

    public long stream() { return stream; }

    @Override public int dim() { return truth.d; }

    public int features() { return truth.n; }

    public SyntheticConfig config() { return truth.cfg; }

    /** The true directions, features × d, unit rows (a copy). */
    public float[] directions() { return truth.directions.clone(); }

    /** The shared directions array, for tests that check sharing; never modify it. */
    float[] sharedDirections() { return truth.directions; }

    /** Parent of feature i in its hierarchy, or −1 for a root or a free feature. */
    public int parentOf(int i) { return truth.rates.parent[i]; }

    /** Every feature's parent, −1 for a root (a copy): the hierarchy as one array. */
    public int[] parents() { return truth.rates.parent.clone(); }

    /** The children of feature i (consecutive ids), empty for a leaf. */
    public int[] childrenOf(int i) {
        int first = truth.rates.firstChild[i], count = truth.rates.childCount[i];
        int[] out = new int[count];
        for (int c = 0; c < count; c++) out[c] = first + c;
        return out;
    }

    /** Depth of feature i in its tree: 0 for roots and free features. */
    public int levelOf(int i) { return truth.rates.level[i]; }

    /**
     * Designed marginal firing rate of feature i: how often it fires, hierarchy included, when
     * draws are independent (the copula keeps each draw's marginal; it shifts a child's rate only
     * when it couples the child with its ancestors or siblings).
     */
    public double rateOf(int i) { return truth.rates.rate[i]; }

    /** Probability that feature i draws before the hierarchy gates it (what the copula or the independent draw uses). */
    public double drawProbabilityOf(int i) { return truth.rates.draw[i]; }

    /** Σ_i rateOf(i): the designed mean number of firing features per sample. */
    public double expectedActive() { return truth.rates.expectedActive(); }

    /** Whether feature i draws through the copula. */
    public boolean inCopula(int i) { return truth.slot[i] >= 0; }

    /** Latent (Gaussian) correlation of two copula members; 0 when either is outside the copula. */
    public double latentCorrelation(int a, int b) { return truth.latentCorrelation(a, b); }

    /** Mean firing magnitude of feature i before any scaling by its parent. */
    public double magnitudeMeanOf(int i) { return truth.magnitudeMean[i]; }

    @Override public void nextBatch(float[] x, int rows) {
        System.arraycopy(nextBatch(rows).x(), 0, x, 0, rows * truth.d);
    }

    /** The next batch of a sequential stream of its own (separate from {@link #batchAt}'s). */
    public Batch nextBatch(int rows) {
        return sampler.sample(generator(Seeds.mix64(stream ^ SEQUENTIAL), nextIndex++), rows);
    }

    /**
     * Batch number {@code index} of this stream: a pure function of (config, stream, index), so
     * a trainer that resumes at step s asks for batch s and gets exactly the batch an
     * uninterrupted run saw.
     */
    public Batch batchAt(long index, int rows) {
        return sampler.sample(generator(stream, index), rows);
    }

    @Override public void batchAt(long index, float[] x, int rows) {
        System.arraycopy(batchAt(index, rows).x(), 0, x, 0, rows * truth.d);
    }

    /**
     * The generator of (seed, stream, index): both state words come through SplitMix64's
     * finaliser, since raw small numbers would give a near-zero state (an all-zero state emits
     * zeros forever, and nextInt's rejection loop never ends).
     */
    private UniformRandomProvider generator(long streamKey, long index) {
        long base = Seeds.mixed(truth.cfg.seed() ^ 0xA5A5_5A5A_C3C3_3C3CL, streamKey);
        long s0 = Seeds.mixed(base, index), s1 = Seeds.mix64(s0 ^ 0xD1B54A32D192ED03L);
        if (s0 == 0 && s1 == 0) s1 = 1;
        return RandomSource.XO_RO_SHI_RO_128_PP.create(new long[] {s0, s1});
    }
}
