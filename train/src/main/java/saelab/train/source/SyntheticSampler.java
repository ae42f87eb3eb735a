package saelab.train.source;

import java.util.Arrays;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ContinuousSampler;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;
import saelab.tensor.kernels.VectorOps;

/**
 * Draws batches from a {@link SyntheticStructure}. Cost stays near the number of firings, not
 * features × rows: a top-level independent feature's firing rows come from geometric skips (one
 * logarithm per firing), top-level copula members need one Gaussian per row, and a child draws
 * only in rows where its parent fired. The last is exact: a child's draw is independent of
 * everything but the row's copula factors g (which are kept), so drawing it only when its parent
 * fired gives the distribution of drawing every feature and masking afterwards, as SAELens does.
 * Stateless between calls, so sources on different streams share one.
 */
final class SyntheticSampler {
    /** Top-level copula members per block; a block's loadings (rank × BLOCK floats) stay in cache across the rows. */
    private static final int BLOCK = 512;

    private final SyntheticStructure t;

    SyntheticSampler(SyntheticStructure t) {
        this.t = t;
    }

    SyntheticSource.Batch sample(UniformRandomProvider rng, int rows) {
        if (rows < 0) throw new IllegalArgumentException("synthetic source: rows must be ≥ 0, got " + rows);
        ContinuousSampler gauss = ZigguratSampler.NormalizedGaussian.of(rng);
        Draws draws = new Draws(rows);
        drawIndependent(rng, rows, draws);
        float[] g = drawCopula(gauss, rows, draws);
        int[] rowStart = new int[rows + 1];
        int[] drawn = draws.byRow(rowStart);
        return new Rows(rng, gauss, g, rows).resolve(rowStart, drawn);
    }

    /** (row, feature) draws of top-level features, collected in any order, bucketed by row at the end. */
    private static final class Draws {
        int[] row = new int[256], feature = new int[256];
        int size;
        final int rows;

        Draws(int rows) { this.rows = rows; }

        void add(int r, int f) {
            if (size == row.length) { row = grow(row); feature = grow(feature); }
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
     * Each top-level independent feature's firing rows: the gap to the next firing row is
     * geometric, ⌊ln U / ln(1 − π)⌋ with U uniform in (0, 1].
     */
    private void drawIndependent(UniformRandomProvider rng, int rows, Draws out) {
        double[] draw = t.rates.draw;
        int[] parent = t.rates.parent;
        for (int i = 0; i < t.n; i++) {
            if (t.slot[i] >= 0 || parent[i] >= 0 || draw[i] <= 0) continue;
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

    private static int[] grow(int[] a) {
        return Arrays.copyOf(a, Math.max(16, a.length * 2));
    }

    private static long skip(UniformRandomProvider rng, double logMiss, int rows) {
        double gap = Math.log(1 - rng.nextDouble()) / logMiss; // 1 − nextDouble ∈ (0, 1]
        return gap >= rows ? rows : (long) gap;
    }

    /**
     * The rows' copula factors g (rows × rank, returned for the children), then the top-level
     * members block by block: z = L·g + residual·ε, drawn when z &lt; Φ⁻¹(π).
     */
    private float[] drawCopula(ContinuousSampler gauss, int rows, Draws out) {
        int rank = t.rank, k = t.topSlots.length;
        if (rank == 0) return null;
        float[] g = new float[rows * rank];
        for (int q = 0; q < g.length; q++) g[q] = (float) gauss.sample();
        float[] z = new float[Math.min(k, BLOCK)];
        for (int b0 = 0; b0 < k; b0 += BLOCK) {
            int bs = Math.min(BLOCK, k - b0);
            for (int r = 0; r < rows; r++) {
                Arrays.fill(z, 0, bs, 0f);
                for (int j = 0; j < rank; j++) VectorOps.axpy(g[r * rank + j], t.topLoadingsT, j * k + b0, z, 0, bs);
                for (int q = 0; q < bs; q++) {
                    int s = t.topSlots[b0 + q];
                    if (z[q] + t.residual[s] * gauss.sample() < t.threshold[s]) out.add(r, t.members[s]);
                }
            }
        }
        return g;
    }

    /** One batch's rows: the hierarchy resolved per row, then x. */
    private final class Rows {
        final UniformRandomProvider rng;
        final ContinuousSampler gauss;
        final float[] g;
        final int rows;
        final float[] value = new float[t.n];   // the current row's fired magnitudes, 0 elsewhere
        int[] feature = new int[1024];
        float[] magnitude = new float[1024];
        int fired;
        int[] candidate = new int[16];
        float[] candidateValue = new float[16];

        Rows(UniformRandomProvider rng, ContinuousSampler gauss, float[] g, int rows) {
            this.rng = rng;
            this.gauss = gauss;
            this.g = g;
            this.rows = rows;
        }

        /**
         * Per row, in ascending ids: the drawn roots, then the children of every fired node (the
         * breadth-first layout puts them after it, in order), then the drawn free features. A
         * drawn feature fires with max(0, mean + std·N) if that is positive; a child only if its
         * parent fired (scaled by parent / parent mean when asked); among exclusive siblings that
         * would fire, one uniform winner does.
         */
        SyntheticSource.Batch resolve(int[] drawStart, int[] drawn) {
            int d = t.d, roots = t.cfg.hierarchy().roots();
            int[] childCount = t.rates.childCount;
            float[] x = new float[rows * d];
            int[] rowStart = new int[rows + 1];
            double noise = t.cfg.background().noiseStd();
            for (int r = 0; r < rows; r++) {
                int rowFirst = fired, j = drawStart[r], end = drawStart[r + 1];
                for (; j < end && drawn[j] < roots; j++) fireIfPositive(drawn[j], magnitude(drawn[j]));
                for (int q = rowFirst; q < fired; q++) if (childCount[feature[q]] > 0) children(r, feature[q]);
                for (; j < end; j++) fireIfPositive(drawn[j], magnitude(drawn[j]));
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

        /** The children of p, which fired in row r: each draws; the exclusive ones keep one winner. */
        private void children(int r, int p) {
            int first = t.rates.firstChild[p], b = t.rates.childCount[p], count = 0;
            float scale = t.scaleByParent ? value[p] / t.magnitudeMean[p] : 1f;
            for (int c = first; c < first + b; c++) {
                if (!draws(r, c)) continue;
                float v = magnitude(c);
                if (v <= 0) continue;
                if (!t.exclusive) {
                    fireIfPositive(c, v * scale);
                    continue;
                }
                if (count == candidate.length) { candidate = grow(candidate); candidateValue = Arrays.copyOf(candidateValue, candidate.length); }
                candidate[count] = c;
                candidateValue[count++] = v;
            }
            if (count == 0) return;
            int w = count == 1 ? 0 : rng.nextInt(count);
            fireIfPositive(candidate[w], candidateValue[w] * scale);
        }

        /** Whether child c draws in row r: through the copula with the row's factors, or independently. */
        private boolean draws(int r, int c) {
            int s = t.slot[c];
            if (s < 0) {
                double pi = t.rates.draw[c];
                return pi >= 1 || pi > 0 && rng.nextDouble() < pi;
            }
            int rank = t.rank;
            double z = 0;
            for (int j = 0; j < rank; j++) z += g[r * rank + j] * t.loadings[s * rank + j];
            return z + t.residual[s] * gauss.sample() < t.threshold[s];
        }

        private void fireIfPositive(int i, float v) {
            if (!(v > 0)) return;
            if (fired == feature.length) { feature = grow(feature); magnitude = Arrays.copyOf(magnitude, feature.length); }
            value[i] = v;
            feature[fired] = i;
            magnitude[fired++] = v;
        }

        private float magnitude(int i) {
            float std = t.magnitudeStd[i];
            float v = std > 0 ? (float) (t.magnitudeMean[i] + std * gauss.sample()) : t.magnitudeMean[i];
            return Math.max(0f, v);
        }
    }
}
