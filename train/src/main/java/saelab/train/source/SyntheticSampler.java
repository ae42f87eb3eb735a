package saelab.train.source;

import java.util.Arrays;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ContinuousSampler;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;
import saelab.tensor.kernels.VectorOps;

/**
 * Draws batches from a {@link SyntheticStructure}. Cost is kept near the number of firings, not
 * features × rows: an independent feature's firing rows come from geometric skips (one
 * logarithm per firing), and only copula members need a Gaussian per row. Stateless between
 * calls, so sources on different streams may share it.
 */
final class SyntheticSampler {
    private final SyntheticStructure t;

    SyntheticSampler(SyntheticStructure t) {
        this.t = t;
    }

    SyntheticSource.Batch sample(UniformRandomProvider rng, int rows) {
        if (rows < 0) throw new IllegalArgumentException("synthetic source: rows must be ≥ 0, got " + rows);
        ContinuousSampler gauss = ZigguratSampler.NormalizedGaussian.of(rng);
        Draws draws = new Draws(rows);
        drawIndependent(rng, rows, draws);
        drawCopula(gauss, rows, draws);
        int[] rowStart = new int[rows + 1];
        int[] drawn = draws.byRow(rowStart);
        return resolve(rng, gauss, rows, rowStart, drawn);
    }

    /** (row, feature) draws, collected in any order and bucketed by row at the end. */
    private static final class Draws {
        int[] row = new int[256], feature = new int[256];
        int size;
        final int rows;

        Draws(int rows) { this.rows = rows; }

        void add(int r, int f) {
            if (size == row.length) { row = SyntheticSource.grow(row); feature = SyntheticSource.grow(feature); }
            row[size] = r;
            feature[size++] = f;
        }

        /** Counting sort by row; within a row, ascending feature ids. */
        int[] byRow(int[] rowStart) {
            for (int k = 0; k < size; k++) rowStart[row[k] + 1]++;
            for (int r = 0; r < rows; r++) rowStart[r + 1] += rowStart[r];
            int[] fill = Arrays.copyOf(rowStart, rows), out = new int[size];
            for (int k = 0; k < size; k++) out[fill[row[k]]++] = feature[k];
            for (int r = 0; r < rows; r++) Arrays.sort(out, rowStart[r], rowStart[r + 1]);
            return out;
        }
    }

    /**
     * Each independent feature's firing rows: the gap to the next firing row is geometric,
     * ⌊ln U / ln(1 − π)⌋ with U uniform in (0, 1].
     */
    private void drawIndependent(UniformRandomProvider rng, int rows, Draws out) {
        double[] draw = t.rates.draw;
        for (int i = 0; i < t.n; i++) {
            if (t.slot[i] >= 0 || draw[i] <= 0) continue;
            if (draw[i] >= 1) {
                for (int r = 0; r < rows; r++) out.add(r, i);
                continue;
            }
            double lq = t.logMiss[i];
            long r = skip(rng, lq, rows);
            while (r < rows) {
                out.add((int) r, i);
                r += 1 + skip(rng, lq, rows);
            }
        }
    }

    private static long skip(UniformRandomProvider rng, double logMiss, int rows) {
        double g = Math.log(1 - rng.nextDouble()) / logMiss; // 1 − nextDouble ∈ (0, 1]
        return g >= rows ? rows : (long) g;
    }

    /** Copula members: z = L·g + residual·ε per row, drawn when z &lt; Φ⁻¹(π). */
    private void drawCopula(ContinuousSampler gauss, int rows, Draws out) {
        int k = t.members.length, rank = t.rank;
        if (k == 0) return;
        float[] z = new float[k];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(z, 0f);
            for (int j = 0; j < rank; j++) VectorOps.axpy((float) gauss.sample(), t.loadingsT, j * k, z, 0, k);
            for (int s = 0; s < k; s++) {
                if (z[s] + t.residual[s] * gauss.sample() < t.threshold[s]) out.add(r, t.members[s]);
            }
        }
    }

    /**
     * The hierarchy, row by row, in ascending ids (parents before children, siblings together):
     * a drawn feature gets max(0, mean + std·N) and fires if that is positive and its parent
     * fired; among exclusive siblings that would fire, one uniform winner does. Then x.
     */
    private SyntheticSource.Batch resolve(UniformRandomProvider rng, ContinuousSampler gauss, int rows, int[] drawStart, int[] drawn) {
        int d = t.d;
        int[] parent = t.rates.parent, firstChild = t.rates.firstChild, childCount = t.rates.childCount;
        float[] value = new float[t.n];           // this row's fired magnitudes, 0 elsewhere
        float[] x = new float[rows * d];
        int[] rowStart = new int[rows + 1];
        int[] feature = new int[Math.max(16, drawn.length)];
        float[] magnitude = new float[feature.length];
        int fired = 0;
        int[] candidates = new int[16];
        float[] candidateValue = new float[16];
        double noise = t.cfg.background().noiseStd();
        for (int r = 0; r < rows; r++) {
            int rowFirst = fired;
            for (int j = drawStart[r]; j < drawStart[r + 1]; ) {
                int i = drawn[j], p = parent[i];
                if (p < 0 || !t.exclusive) {
                    j++;
                    float v = p >= 0 && value[p] <= 0 ? 0 : magnitude(gauss, i);
                    if (v > 0 && p >= 0 && t.scaleByParent) v *= value[p] / t.magnitudeMean[p];
                    if (v > 0) { value[i] = v; feature[fired] = i; magnitude[fired++] = v; }
                    continue;
                }
                // An exclusive sibling group: every drawn member of p's children is next in line.
                int end = firstChild[p] + childCount[p], count = 0;
                boolean parentFired = value[p] > 0;
                for (; j < drawStart[r + 1] && drawn[j] < end; j++) {
                    if (!parentFired) continue;
                    float v = magnitude(gauss, drawn[j]);
                    if (v <= 0) continue;
                    if (count == candidates.length) { candidates = SyntheticSource.grow(candidates); candidateValue = Arrays.copyOf(candidateValue, candidates.length); }
                    candidates[count] = drawn[j];
                    candidateValue[count++] = v;
                }
                if (count == 0) continue;
                int w = count == 1 ? 0 : rng.nextInt(count);
                int winner = candidates[w];
                float v = candidateValue[w];
                if (t.scaleByParent) v *= value[p] / t.magnitudeMean[p];
                value[winner] = v;
                feature[fired] = winner;
                magnitude[fired++] = v;
            }
            rowStart[r + 1] = fired;
            int off = r * d;
            if (t.bias != null) System.arraycopy(t.bias, 0, x, off, d);
            for (int q = rowFirst; q < fired; q++) {
                VectorOps.axpy(magnitude[q], t.directions, feature[q] * d, x, off, d);
                value[feature[q]] = 0;
            }
            if (noise > 0) for (int e = 0; e < d; e++) x[off + e] += (float) (noise * gauss.sample());
        }
        return new SyntheticSource.Batch(rows, d, x, rowStart, Arrays.copyOf(feature, fired), Arrays.copyOf(magnitude, fired));
    }

    private float magnitude(ContinuousSampler gauss, int i) {
        float std = t.magnitudeStd[i];
        float v = std > 0 ? (float) (t.magnitudeMean[i] + std * gauss.sample()) : t.magnitudeMean[i];
        return Math.max(0f, v);
    }
}
