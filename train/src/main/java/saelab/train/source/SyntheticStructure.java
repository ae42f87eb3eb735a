package saelab.train.source;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ContinuousSampler;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;
import org.apache.commons.rng.simple.RandomSource;
import org.apache.commons.statistics.distribution.NormalDistribution;
import saelab.tensor.kernels.VectorOps;

/**
 * The true features of a {@link SyntheticConfig}, built once from its seed and shared by every
 * stream of the source: directions, hierarchy, rates, copula loadings, magnitudes, bias. Each
 * part draws from its own sub-stream of the seed, so changing one knob leaves the others' draws
 * alone.
 */
final class SyntheticStructure {
    private static final long DIRECTIONS = 1, LOADINGS = 2, MAGNITUDES = 3, BIAS = 4;
    /** SAELens keeps every copula variable's own share of variance at least this (its _MIN_DIAG). */
    private static final double MIN_RESIDUAL_VARIANCE = 0.01;

    final SyntheticConfig cfg;
    final int n, d;
    final FeatureRates rates;
    final float[] directions;          // n × d, unit rows
    final float[] bias;                // d, or null
    final float[] magnitudeMean, magnitudeStd;
    final boolean exclusive, scaleByParent;
    // The copula: members in id order with their loadings (members × rank), residual sd and
    // threshold Φ⁻¹(π); slot[i] is i's row there or −1. The top-level members (no parent), which
    // draw in every row, also have their loadings transposed (rank × top) for the blocked pass;
    // children draw only in rows where their parent fired.
    final int rank;
    final int[] members, slot, topSlots;
    final float[] loadings, topLoadingsT, residual;
    final double[] threshold;
    /** log(1 − π_i) for the top-level independent draws' geometric skips (0 for members, children and π = 0). */
    final double[] logMiss;

    SyntheticStructure(SyntheticConfig cfg) {
        this.cfg = cfg;
        this.n = cfg.features();
        this.d = cfg.dim();
        this.rates = FeatureRates.of(cfg);
        this.exclusive = cfg.hierarchy().exclusive();
        this.scaleByParent = cfg.hierarchy().scaleByParent();
        directions = unitRows(rng(DIRECTIONS), n, d);
        bias = cfg.background().biasNorm() > 0 ? scaled(unitRows(rng(BIAS), 1, d), (float) cfg.background().biasNorm()) : null;
        magnitudeMean = new float[n];
        magnitudeStd = new float[n];
        SyntheticConfig.Magnitudes m = cfg.magnitudes();
        ContinuousSampler g = ZigguratSampler.NormalizedGaussian.of(rng(MAGNITUDES));
        for (int i = 0; i < n; i++) {
            magnitudeMean[i] = (float) (n == 1 ? m.meanFirst() : m.meanFirst() + (m.meanLast() - m.meanFirst()) * i / (n - 1));
            magnitudeStd[i] = (float) Math.abs(m.stdMean() + m.stdSpread() * g.sample());
        }
        SyntheticConfig.Correlation c = cfg.correlation();
        rank = c.active() ? c.rank() : 0;
        members = rank > 0 ? mostFrequent(c.members(), c.includeChildren()) : new int[0];
        slot = new int[n];
        Arrays.fill(slot, -1);
        for (int s = 0; s < members.length; s++) slot[members[s]] = s;
        loadings = new float[members.length * rank];
        residual = new float[members.length];
        threshold = new double[members.length];
        if (rank > 0) buildCopula(c.scale());
        topSlots = IntStream.range(0, members.length).filter(s -> rates.parent[members[s]] < 0).toArray();
        topLoadingsT = new float[rank * topSlots.length];
        for (int q = 0; q < topSlots.length; q++) {
            for (int j = 0; j < rank; j++) topLoadingsT[j * topSlots.length + q] = loadings[topSlots[q] * rank + j];
        }
        logMiss = new double[n];
        for (int i = 0; i < n; i++) {
            if (slot[i] < 0 && rates.parent[i] < 0 && rates.draw[i] > 0) logMiss[i] = Math.log1p(-rates.draw[i]);
        }
    }

    private UniformRandomProvider rng(long part) {
        return RandomSource.XO_RO_SHI_RO_128_PP.create(Seeds.mixed(cfg.seed(), part));
    }

    /** Random directions: Gaussian rows normalised to unit length. */
    private static float[] unitRows(UniformRandomProvider rng, int rows, int d) {
        ContinuousSampler g = ZigguratSampler.NormalizedGaussian.of(rng);
        float[] out = new float[rows * d];
        for (int i = 0; i < rows; i++) {
            double norm = 0;
            for (int e = 0; e < d; e++) { float v = (float) g.sample(); out[i * d + e] = v; norm += (double) v * v; }
            VectorOps.scale((float) (1 / Math.sqrt(norm)), out, i * d, d);
        }
        return out;
    }

    private static float[] scaled(float[] v, float by) {
        VectorOps.scale(by, v, 0, v.length);
        return v;
    }

    /** The k eligible features with the highest designed rates (ties: lower id first), in id order. */
    private int[] mostFrequent(int k, boolean includeChildren) {
        int[] top = IntStream.range(0, n).filter(i -> includeChildren || rates.parent[i] < 0).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -rates.rate[i]).thenComparingInt(i -> i))
                .limit(k).mapToInt(Integer::intValue).toArray();
        Arrays.sort(top);
        return top;
    }

    /**
     * Loadings L ~ N(0, scale²); if a row's Σ L² passes 1 − MIN_RESIDUAL_VARIANCE, the whole
     * matrix shrinks so the largest row meets it (as SAELens does); residual = √(1 − Σ L²).
     */
    private void buildCopula(double scale) {
        int k = members.length;
        ContinuousSampler g = ZigguratSampler.NormalizedGaussian.of(rng(LOADINGS));
        double[] l = new double[k * rank];
        double maxRow = 0;
        for (int s = 0; s < k; s++) {
            double sq = 0;
            for (int j = 0; j < rank; j++) { double v = scale * g.sample(); l[s * rank + j] = v; sq += v * v; }
            maxRow = Math.max(maxRow, sq);
        }
        double shrink = maxRow > 1 - MIN_RESIDUAL_VARIANCE ? Math.sqrt((1 - MIN_RESIDUAL_VARIANCE) / maxRow) : 1;
        NormalDistribution std = NormalDistribution.of(0, 1);
        for (int s = 0; s < k; s++) {
            double sq = 0;
            for (int j = 0; j < rank; j++) {
                float v = (float) (l[s * rank + j] * shrink);
                loadings[s * rank + j] = v;
                sq += (double) v * v;
            }
            residual[s] = (float) Math.sqrt(1 - sq);
            double p = rates.draw[members[s]];
            threshold[s] = p <= 0 ? Double.NEGATIVE_INFINITY : p >= 1 ? Double.POSITIVE_INFINITY : std.inverseCumulativeProbability(p);
        }
    }

    /** The latent correlation Σ_j L_aj L_bj of two copula members (0 if either is not one). */
    double latentCorrelation(int a, int b) {
        int sa = slot[a], sb = slot[b];
        if (sa < 0 || sb < 0) return 0;
        if (a == b) return 1;
        double s = 0;
        for (int j = 0; j < rank; j++) s += (double) loadings[sa * rank + j] * loadings[sb * rank + j];
        return s;
    }
}
