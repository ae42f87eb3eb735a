package saelab.train.penalty.kernels;

import java.util.Arrays;
import saelab.tensor.backend.Backends;
import saelab.tensor.kernels.Parallel;
import saelab.tensor.kernels.VectorOps;

/**
 * Co-firing statistics of sparse codes and the competition-weighted overlap penalty built on
 * them, computed from the codes' indices in O(B·k²), never from dense m×m matrices.
 *
 * <p>Input: B rows of k slots, slot s of row b naming latent {@code idx[b·k+s]} with value
 * {@code val[b·k+s]}; a slot fires when its value is > 0 (TopK keeps k entries of ReLU output,
 * some may be 0). For latents i ≠ j:
 * <pre>
 *   count_ij = |{b : i and j both fire in row b}|
 *   n_ij     = count_ij / B                       (Normalization.BATCH)
 *            = count_ij / min(count_i, count_j)   (Normalization.MIN_COUNT)
 *            = count_ij / (count_i + count_j − count_ij)   (Normalization.JACCARD: |rows i ∩ rows j| / |rows i ∪ rows j|)
 *   c_ij     = clamp((n_ij − t) / t, 0, 1)        competition weight, no gradient through it
 *   P        = Σ_{i≠j} c_ij · |g_ij|              over ordered pairs, as the original code sums
 * </pre>
 * with the overlap g_ij either the activation overlap Σ_b f_bi f_bj / B ({@link #activationOverlap})
 * or the decoder overlap W_i·W_j ({@link #decoderOverlap}).
 *
 * <p><b>The limit t → 0.</b> For n_ij > 0, (n_ij − t)/t → ∞ so c_ij → 1; for n_ij = 0 it is −1,
 * clamped to 0. At t ≤ 0 the kernel uses that limit, c_ij = [n_ij > 0], and never divides by t:
 * a threshold schedule that reaches 0 at the end of training yields a finite penalty, no NaN.
 *
 * <p>How: postings (rows where each latent fires) are built once; then, for each latent i, a
 * dense per-thread accumulator indexed by j collects count_ij and Σ f_bi f_bj over i's rows
 * (Gustavson's row-by-row sparse product MᵀM). Latents are split over threads; each thread
 * writes only gradient entries of its own latents, and partial penalties are summed in a fixed
 * order, so results do not depend on scheduling.
 */
public final class CoFiring {
    private CoFiring() {}

    /**
     * How count_ij becomes n_ij ∈ [0, 1]. BATCH reaches only pairs that co-fire in a large share of
     * the batch; MIN_COUNT and JACCARD also reach pairs of rare latents (JACCARD ≤ MIN_COUNT, equal
     * only for a pair that always fires together: a child that fires only with its parent has
     * MIN_COUNT 1 but JACCARD count_child / count_parent).
     */
    public enum Normalization { BATCH, MIN_COUNT, JACCARD }

    /**
     * What a pass measured. Pair counts are of unordered pairs {i, j}.
     *
     * @param penalty        P as defined above
     * @param coFiringPairs  pairs with count_ij ≥ 1
     * @param penalizedPairs pairs with c_ij > 0
     * @param meanC          mean c_ij over co-firing pairs (0 when there are none)
     * @param allPairs       whether the pair statistics cover every co-firing pair; when false they
     *                       cover only the pairs that could be penalized (the penalty is exact either way)
     */
    public record Summary(double penalty, long coFiringPairs, long penalizedPairs, double meanC, boolean allPairs) {}

    /** Latents per parallel task: large enough to amortise task overhead, small enough to balance. */
    private static final int CHUNK = 64;

    /**
     * P with g_ij = Σ_b f_bi f_bj / B. Values are ≥ 0 where they fire, so |g_ij| = g_ij.
     * When {@code gradVal} is non-null, adds dP/dval (B×k, same layout as val) into it:
     * dP/df_bi = (2/B) Σ_{j fires in row b, j≠i} c_ij f_bj (each unordered pair appears twice in P).
     * {@code nHistogram}, when non-null, counts unordered co-firing pairs by n_ij into equal
     * bins over [0, 1].
     */
    public static Summary activationOverlap(int rows, int k, int m, int[] idx, float[] val,
                                            double threshold, Normalization norm,
                                            float[] gradVal, long[] nHistogram) {
        return activationOverlap(rows, k, m, idx, val, threshold, norm, gradVal, nHistogram, true);
    }

    /**
     * As above; with {@code allPairs} false, the pass may skip pairs that cannot be penalized
     * (see {@link #run}): the penalty and gradient are bit-identical, the pair statistics and
     * histogram then cover only the pairs examined.
     */
    public static Summary activationOverlap(int rows, int k, int m, int[] idx, float[] val,
                                            double threshold, Normalization norm,
                                            float[] gradVal, long[] nHistogram, boolean allPairs) {
        CoFiringBackend device = CoFiringBackend.of(Backends.current());
        return device == null
                ? activationOverlapOnCpu(rows, k, m, idx, val, threshold, norm, gradVal, nHistogram, allPairs)
                : device.activationOverlap(rows, k, m, idx, val, threshold, norm, gradVal, nHistogram, allPairs);
    }

    /** The CPU implementation, whatever backend is selected. */
    public static Summary activationOverlapOnCpu(int rows, int k, int m, int[] idx, float[] val,
                                                 double threshold, Normalization norm,
                                                 float[] gradVal, long[] nHistogram, boolean allPairs) {
        return run(new Problem(rows, k, m, idx, val, threshold, norm, nHistogram), null, 0, gradVal, null, allPairs);
    }

    /**
     * P with g_ij = W_i·W_j, W the m×d decoder (row-major). When {@code gradW} is non-null, adds
     * dP/dW into it: dP/dW_i = 2 Σ_j c_ij sign(W_i·W_j) W_j, with sign(0) = 0.
     * Costs one d-length dot product per ordered pair with c_ij > 0.
     */
    public static Summary decoderOverlap(int rows, int k, int m, int[] idx, float[] val,
                                         double threshold, Normalization norm,
                                         float[] w, int d, float[] gradW, long[] nHistogram) {
        return decoderOverlap(rows, k, m, idx, val, threshold, norm, w, d, gradW, nHistogram, true);
    }

    /** As above, with {@code allPairs} as for {@link #activationOverlap}. */
    public static Summary decoderOverlap(int rows, int k, int m, int[] idx, float[] val,
                                         double threshold, Normalization norm,
                                         float[] w, int d, float[] gradW, long[] nHistogram, boolean allPairs) {
        CoFiringBackend device = CoFiringBackend.of(Backends.current());
        return device == null
                ? decoderOverlapOnCpu(rows, k, m, idx, val, threshold, norm, w, d, gradW, nHistogram, allPairs)
                : device.decoderOverlap(rows, k, m, idx, val, threshold, norm, w, d, gradW, nHistogram, allPairs);
    }

    /** The CPU implementation, whatever backend is selected. */
    public static Summary decoderOverlapOnCpu(int rows, int k, int m, int[] idx, float[] val,
                                              double threshold, Normalization norm,
                                              float[] w, int d, float[] gradW, long[] nHistogram, boolean allPairs) {
        if (w.length < (long) m * d) throw new IllegalArgumentException("decoder has " + w.length + " floats, expected m·d = " + (long) m * d);
        return run(new Problem(rows, k, m, idx, val, threshold, norm, nHistogram), w, d, null, gradW, allPairs);
    }

    /** Per-latent firing counts over the batch (slots with value > 0). */
    public static int[] counts(int rows, int k, int m, int[] idx, float[] val) {
        int[] count = new int[m];
        for (int p = 0; p < rows * k; p++) {
            if (val[p] > 0) count[idx[p]]++;
        }
        return count;
    }

    /**
     * The O(B·k) preparation of a pass, shared with device backends: per-latent firing counts,
     * which latents take part ({@code candidate}; all unless {@code pruned}, see {@link #run}), and
     * the postings, for latent i the slots (b·k + s) where it fires in row order,
     * {@code post[start[i] .. start[i+1])}.
     */
    public record Postings(int[] count, boolean[] candidate, int[] start, int[] post, boolean pruned) {
        /** Checks the codes and threshold (each bad input named), then builds the postings. */
        public static Postings of(int rows, int k, int m, int[] idx, float[] val, double threshold,
                                  Normalization norm, boolean allPairs) {
            if (idx.length < rows * k || val.length < rows * k) throw new IllegalArgumentException(
                    "codes hold " + Math.min(idx.length, val.length) + " slots, expected rows·k = " + rows * k);
            if (!(threshold >= 0)) throw new IllegalArgumentException("threshold must be ≥ 0, got " + threshold);
            for (int p = 0; p < rows * k; p++) {
                if (idx[p] < 0 || idx[p] >= m) throw new IllegalArgumentException("slot " + p + " names latent " + idx[p] + ", outside [0, " + m + ")");
            }
            int[] count = counts(rows, k, m, idx, val);
            // Only BATCH has a per-latent bound (see run); MIN_COUNT and JACCARD examine every latent.
            boolean prune = !allPairs && norm == Normalization.BATCH && threshold > 0;
            boolean[] candidate = new boolean[m];
            for (int i = 0; i < m; i++) candidate[i] = !prune || (double) count[i] / rows > threshold;
            int[] start = new int[m + 1];
            for (int i = 0; i < m; i++) start[i + 1] = start[i] + count[i];
            int[] post = new int[start[m]];
            int[] fill = Arrays.copyOf(start, m);
            for (int p = 0; p < rows * k; p++) if (val[p] > 0) post[fill[idx[p]]++] = p;
            return new Postings(count, candidate, start, post, prune);
        }
    }

    /**
     * n_ij of a pair that co-fired in {@code both} of {@code rows} rows, its latents firing in
     * countI and countJ rows (both ≥ 1, so every denominator is ≥ 1): the definition at the top
     * of this class, for the kernels and for anyone who reports what they reach.
     */
    public static double normalized(Normalization norm, int both, int rows, int countI, int countJ) {
        return switch (norm) {
            case BATCH -> (double) both / rows;
            case MIN_COUNT -> (double) both / Math.min(countI, countJ);
            case JACCARD -> (double) both / (countI + countJ - both);
        };
    }

    private record Problem(int rows, int k, int m, int[] idx, float[] val, double threshold,
                           Normalization norm, long[] histogram) {

        /** The competition weight for a pair that co-fired {@code both} times. */
        double weight(int both, int countI, int countJ) {
            double n = n(both, countI, countJ);
            if (threshold <= 0) return n > 0 ? 1 : 0;
            return Math.min(1, Math.max(0, (n - threshold) / threshold));
        }

        /** n_ij under this normalisation. */
        double n(int both, int countI, int countJ) {
            return normalized(norm, both, rows, countI, countJ);
        }
    }

    /** Scratch of one thread: dense accumulators indexed by the partner latent j. */
    private static final class Scratch {
        final int[] both;
        final double[] overlap;
        final double[] c;
        final int[] touched;
        Scratch(int m) { both = new int[m]; overlap = new double[m]; c = new double[m]; touched = new int[m]; }
    }

    /**
     * The pass. Skipping (allPairs false): under batch normalisation with t > 0, c_ij > 0 needs
     * count_ij / B > t, and count_ij ≤ min(count_i, count_j), so only latents firing in more
     * than t·B rows can be in a penalized pair. The others are skipped as i and as partner j;
     * every skipped pair has c_ij = 0, whose terms add exact zeros, so the penalty and gradient
     * do not change by a bit. Typically few latents fire that often, which turns the B·k² pass
     * into a small one on the steps whose statistics nobody logs.
     *
     * <p>No such bound exists for MIN_COUNT or JACCARD: two latents that each fire once, in the same
     * row, have n_ij = 1 under both, so a latent of any count can be in a penalized pair (the
     * Jaccard index is at most min(count_i, count_j) / max(count_i, count_j), a bound on the pair,
     * not on either latent). Those passes never skip ({@link Postings#of}).
     */
    private static Summary run(Problem pr, float[] w, int d, float[] gradVal, float[] gradW, boolean allPairs) {
        // Every pair's statistics without the B·k² pass over every pair: the pruned pass already
        // gives P, the gradient, the penalized pairs and Σc bit for bit (a skipped pair adds exact
        // zeros), and only the count of co-firing pairs needs all of them, which a union of row
        // bit sets per latent gives exactly. A histogram of n_ij still needs the full pass.
        boolean countOnly = allPairs && pr.histogram() == null && pr.norm() == Normalization.BATCH && pr.threshold() > 0;
        Pass pass = pass(pr, w, d, gradVal, gradW, allPairs && !countOnly);
        long pairs = countOnly ? CoFiringPairCount.of(pr.rows(), pr.k(), pr.m(), pr.idx(), pr.val(), pass.postings()) : pass.pairs();
        return new Summary(pass.penalty(), pairs, pass.penalized(), pairs == 0 ? 0 : pass.sumC() / pairs, countOnly || !pass.postings().pruned());
    }

    /** What one pass summed: P, Σc and the pair counts over the pairs it examined. */
    private record Pass(double penalty, double sumC, long pairs, long penalized, Postings postings) {}

    private static Pass pass(Problem pr, float[] w, int d, float[] gradVal, float[] gradW, boolean allPairs) {
        int rows = pr.rows(), k = pr.k(), m = pr.m();
        int[] idx = pr.idx();
        float[] val = pr.val();
        Postings ps = Postings.of(rows, k, m, idx, val, pr.threshold(), pr.norm(), allPairs);
        int[] count = ps.count(), start = ps.start(), post = ps.post();
        boolean[] candidate = ps.candidate();
        boolean prune = ps.pruned();

        int chunks = (m + CHUNK - 1) / CHUNK;
        double[] penalty = new double[chunks], sumC = new double[chunks];
        long[] pairs = new long[chunks], penalized = new long[chunks];
        long[][] hist = pr.histogram() == null ? null : new long[chunks][];
        ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(() -> new Scratch(m));
        // Small problems stay on the calling thread: a task hand-off costs more than the work.
        int threads = (long) rows * k * k > 1 << 16 ? Parallel.parallelism() : 1;
        Parallel.forRange(chunks, threads, ch -> {
            Scratch s = scratch.get();
            long[] h = pr.histogram() == null ? null : new long[pr.histogram().length];
            for (int i = ch * CHUNK, end = Math.min(m, i + CHUNK); i < end; i++) {
                if (count[i] == 0 || !candidate[i]) continue;
                int nTouched = 0;
                for (int q = start[i]; q < start[i + 1]; q++) {
                    int slot = post[q], rowBase = slot - slot % k;
                    double fi = val[slot];
                    for (int t = rowBase; t < rowBase + k; t++) {
                        int j = idx[t];
                        if (j == i || !(val[t] > 0) || !candidate[j]) continue;
                        if (s.both[j]++ == 0) s.touched[nTouched++] = j;
                        s.overlap[j] += fi * val[t];
                    }
                }
                double pen = 0;
                for (int u = 0; u < nTouched; u++) {
                    int j = s.touched[u];
                    double c = pr.weight(s.both[j], count[i], count[j]);
                    s.c[j] = c;
                    if (j > i) {
                        pairs[ch]++;
                        sumC[ch] += c;
                        if (c > 0) penalized[ch]++;
                        if (h != null) h[Math.min(h.length - 1, (int) (pr.n(s.both[j], count[i], count[j]) * h.length))]++;
                    }
                    if (c == 0) continue;
                    if (w == null) {
                        pen += c * s.overlap[j] / rows;
                    } else {
                        double dot = VectorOps.dot(w, i * d, w, j * d, d);
                        pen += c * Math.abs(dot);
                        if (gradW != null && dot != 0) VectorOps.axpy((float) (2 * c * Math.signum(dot)), w, j * d, gradW, i * d, d);
                    }
                }
                penalty[ch] += pen;
                if (gradVal != null) {
                    for (int q = start[i]; q < start[i + 1]; q++) {
                        int slot = post[q], rowBase = slot - slot % k;
                        double g = 0;
                        for (int t = rowBase; t < rowBase + k; t++) {
                            int j = idx[t];
                            if (j != i && val[t] > 0) g += s.c[j] * val[t];
                        }
                        gradVal[slot] += (float) (2 * g / rows);
                    }
                }
                for (int u = 0; u < nTouched; u++) {
                    int j = s.touched[u];
                    s.both[j] = 0; s.overlap[j] = 0; s.c[j] = 0;
                }
            }
            if (hist != null) hist[ch] = h;
        });
        if (hist != null) for (long[] h : hist) if (h != null) for (int b = 0; b < h.length; b++) pr.histogram()[b] += h[b];
        double total = 0, c = 0;
        long np = 0, npen = 0;
        for (int ch = 0; ch < chunks; ch++) { total += penalty[ch]; c += sumC[ch]; np += pairs[ch]; npen += penalized[ch]; }
        return new Pass(total, c, np, npen, ps);
    }
}
