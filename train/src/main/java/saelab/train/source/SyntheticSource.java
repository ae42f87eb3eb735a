package saelab.train.source;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.PermutationSampler;
import org.apache.commons.rng.sampling.distribution.ContinuousSampler;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;
import org.apache.commons.rng.simple.RandomSource;
import saelab.tensor.kernels.VectorOps;

/**
 * Activations with known ground truth: n unit-norm feature directions in d < n dimensions,
 * each firing sparsely with its own rate and magnitude; x = Σ_fired magnitude·direction + noise.
 *
 * <p>Features are laid out as: hierarchy trees first (each tree in breadth-first order), then
 * correlated groups, then independent features. Top-level features (roots, group members,
 * independent ones) fire independently with Zipf-distributed rates over a shuffled rank; a
 * child fires only when its parent fires, with probability {@code childProbability} — and with
 * {@code exclusiveChildren}, one child at most, chosen uniformly. When one member of a group
 * fires, each other member joins with probability {@code groupCoFire}.
 *
 * <p>Every sample's firing features and magnitudes are reported with the batch, so evaluation
 * can score recovery and absorption exactly. All randomness comes from one seeded Commons RNG
 * stream: the same config gives the same directions and the same batches.
 */
public final class SyntheticSource implements ActivationSource {

    /** One batch with its truth: row r fired {@code feature[rowStart[r] .. rowStart[r+1])}. */
    public record Batch(int rows, int dim, float[] x, int[] rowStart, int[] feature, float[] magnitude) {
        public int activeIn(int row) { return rowStart[row + 1] - rowStart[row]; }
    }

    private final SyntheticConfig cfg;
    private final UniformRandomProvider rng;
    private final ContinuousSampler gauss;
    private final float[] directions;      // n × d, unit rows
    private final double[] rate;           // firing probability of top-level features, 0 for children
    private final double[] magnitudeMean;  // per feature
    private final int[] parent;            // −1 for none
    private final int[][] children;
    private final int[] group;             // group id or −1
    private final int[][] groupMembers;

    public SyntheticSource(SyntheticConfig cfg) {
        this.cfg = cfg;
        this.rng = RandomSource.XO_RO_SHI_RO_128_PP.create(cfg.seed());
        this.gauss = ZigguratSampler.NormalizedGaussian.of(rng);
        int n = cfg.features(), d = cfg.dim();
        directions = new float[n * d];
        for (int i = 0; i < n; i++) {
            double norm = 0;
            for (int e = 0; e < d; e++) { float v = (float) gauss.sample(); directions[i * d + e] = v; norm += v * v; }
            VectorOps.scale((float) (1 / Math.sqrt(norm)), directions, i * d, d);
        }
        parent = new int[n];
        Arrays.fill(parent, -1);
        children = new int[n][];
        Arrays.fill(children, new int[0]);
        int next = buildTrees();
        group = new int[n];
        Arrays.fill(group, -1);
        groupMembers = new int[cfg.groups()][cfg.groupSize()];
        for (int g = 0; g < cfg.groups(); g++) {
            for (int s = 0; s < cfg.groupSize(); s++) { groupMembers[g][s] = next; group[next++] = g; }
        }
        magnitudeMean = new double[n];
        for (int i = 0; i < n; i++) magnitudeMean[i] = cfg.magnitudeMean() * (0.5 + rng.nextDouble());
        rate = zipfRates();
    }

    /** Lays out the hierarchy trees breadth-first; returns the first id after them. */
    private int buildTrees() {
        int next = 0;
        for (int r = 0; r < cfg.hierarchyRoots(); r++) {
            List<Integer> level = List.of(next++);
            for (int l = 1; l < cfg.depth(); l++) {
                List<Integer> below = new ArrayList<>();
                for (int p : level) {
                    int[] kids = new int[cfg.branching()];
                    for (int c = 0; c < kids.length; c++) { kids[c] = next; parent[next] = p; below.add(next++); }
                    children[p] = kids;
                }
                level = below;
            }
        }
        return next;
    }

    /** Zipf rates over a shuffled rank of the top-level features, scaled to hit meanActive. */
    private double[] zipfRates() {
        int n = cfg.features();
        int[] top = java.util.stream.IntStream.range(0, n).filter(i -> parent[i] < 0).toArray();
        int[] rank = PermutationSampler.natural(top.length);
        PermutationSampler.shuffle(rng, rank);
        double q = cfg.childProbability(), descendants = 0, perLevel = 1;
        for (int l = 1; l < cfg.depth(); l++) {
            perLevel *= cfg.exclusiveChildren() ? q : q * cfg.branching();
            descendants += perLevel;
        }
        double[] r = new double[n];
        double weighted = 0;
        for (int t = 0; t < top.length; t++) {
            int i = top[t];
            r[i] = Math.pow(rank[t] + 1, -cfg.zipfExponent());
            double expected = 1 + (children[i].length > 0 ? descendants : 0)
                    + (group[i] >= 0 ? (cfg.groupSize() - 1) * cfg.groupCoFire() : 0);
            weighted += r[i] * expected;
        }
        double scale = cfg.meanActive() / weighted;
        for (int i : top) r[i] = Math.min(1, r[i] * scale);
        return r;
    }

    @Override public int dim() { return cfg.dim(); }

    public SyntheticConfig config() { return cfg; }

    /** The true directions, n × d, unit rows (a copy). */
    public float[] directions() { return directions.clone(); }

    /** Parent of feature i in its hierarchy, or −1. */
    public int parentOf(int i) { return parent[i]; }

    public int[] childrenOf(int i) { return children[i].clone(); }

    /** Firing probability of a top-level feature (0 for children, which fire through their parent). */
    public double rateOf(int i) { return rate[i]; }

    @Override public void nextBatch(float[] x, int rows) {
        Batch b = nextBatch(rows);
        System.arraycopy(b.x(), 0, x, 0, rows * cfg.dim());
    }

    public Batch nextBatch(int rows) {
        return sample(rows, rng, gauss);
    }

    /**
     * Batch number {@code index} of a stream that depends only on (seed, index), not on what was
     * drawn before: a trainer that resumes at step s asks for batch s and gets exactly the batch
     * an uninterrupted run saw. Independent of {@link #nextBatch(int)}'s stream.
     */
    public Batch batchAt(long index, int rows) {
        // The generator's two state words come from (seed, index) through SplitMix64's finaliser:
        // passing raw small numbers would give it a near-zero state (an all-zero state emits
        // zeros forever, and nextInt's rejection loop never ends).
        long s0 = Seeds.mix64(Seeds.stream(cfg.seed(), index)), s1 = Seeds.mix64(s0 ^ 0xD1B54A32D192ED03L);
        if (s0 == 0 && s1 == 0) s1 = 1;
        UniformRandomProvider r = RandomSource.XO_RO_SHI_RO_128_PP.create(new long[] {s0, s1});
        return sample(rows, r, ZigguratSampler.NormalizedGaussian.of(r));
    }

    @Override public void batchAt(long index, float[] x, int rows) {
        Batch b = batchAt(index, rows);
        System.arraycopy(b.x(), 0, x, 0, rows * cfg.dim());
    }

    private Batch sample(int rows, UniformRandomProvider rng, ContinuousSampler gauss) {
        int n = cfg.features(), d = cfg.dim();
        float[] x = new float[rows * d];
        int[] rowStart = new int[rows + 1];
        IntList fired = new IntList();
        float[] mags = new float[64];
        boolean[] on = new boolean[n];
        IntList active = new IntList();
        for (int r = 0; r < rows; r++) {
            active.clear();
            for (int i = 0; i < n; i++) {
                if (rate[i] > 0 && !on[i] && rng.nextDouble() < rate[i]) fire(i, on, active, true, rng);
            }
            for (int t = 0; t < active.size; t++) {
                int i = active.data[t];
                on[i] = false;
                float m = (float) Math.abs(magnitudeMean[i] + cfg.magnitudeStd() * gauss.sample());
                if (fired.size == mags.length) mags = Arrays.copyOf(mags, 2 * mags.length);
                mags[fired.size] = m;
                fired.add(i);
                VectorOps.axpy(m, directions, i * d, x, r * d, d);
            }
            if (cfg.noiseStd() > 0) for (int e = 0; e < d; e++) x[r * d + e] += (float) (cfg.noiseStd() * gauss.sample());
            rowStart[r + 1] = fired.size;
        }
        return new Batch(rows, d, x, rowStart, Arrays.copyOf(fired.data, fired.size), Arrays.copyOf(mags, fired.size));
    }

    /**
     * Fires i and its descendants as the config says; a feature firing on its own
     * ({@code spontaneous}) also draws its group partners, each once.
     */
    private void fire(int i, boolean[] on, IntList active, boolean spontaneous, UniformRandomProvider rng) {
        if (on[i]) return;
        on[i] = true;
        active.add(i);
        int[] kids = children[i];
        if (kids.length > 0) {
            if (cfg.exclusiveChildren()) {
                if (rng.nextDouble() < cfg.childProbability()) fire(kids[rng.nextInt(kids.length)], on, active, false, rng);
            } else {
                for (int c : kids) if (rng.nextDouble() < cfg.childProbability()) fire(c, on, active, false, rng);
            }
        }
        if (spontaneous && group[i] >= 0) {
            for (int j : groupMembers[group[i]]) if (j != i && !on[j] && rng.nextDouble() < cfg.groupCoFire()) fire(j, on, active, false, rng);
        }
    }

    /** A growable int array: the batch's firing lists without boxing. */
    private static final class IntList {
        int[] data = new int[64];
        int size;
        void add(int v) { if (size == data.length) data = Arrays.copyOf(data, size * 2); data[size++] = v; }
        void clear() { size = 0; }
    }
}
