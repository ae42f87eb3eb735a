package saelab.train.penalty.kernels;

import saelab.tensor.kernels.Parallel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static saelab.train.penalty.kernels.CoFiringReference.U32;
import static saelab.train.penalty.kernels.CoFiringReference.U64;
import static saelab.train.penalty.kernels.CoFiringReference.gamma32;
import static saelab.train.penalty.kernels.CoFiringReference.gamma64;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;
import saelab.train.Props;
import saelab.train.penalty.kernels.CoFiring.Normalization;
import saelab.train.penalty.kernels.CoFiringReference.Codes;

/**
 * The sparse O(B·k²) co-firing penalty equals the dense float64 reference of
 * {@link CoFiringReference}, and its gradients equal central finite differences of that
 * reference with c held fixed (c is a weight, not a path for gradients).
 *
 * <p>Two size ranges: small (B ≤ 12 or 40, m ≤ 30, k ≤ 8), where every shape edge appears,
 * and large (B·k² above the kernel's 2^16 threshold for going multithreaded, m past its
 * 64-latent chunks, run on 2 to 4 threads and compared bit for bit with 1 thread). Thresholds
 * are set relative to the largest n_ij of the codes drawn (see {@link Threshold}), so the
 * gradient properties always have a penalized pair, and in the INTERIOR mode a weight strictly
 * between 0 and 1; each asserts so. allPairs = false runs the pass that skips latents which
 * cannot be in a penalized pair (under batch normalisation with t &gt; 0).
 */
class CoFiringProperties {
    /** Latents per parallel task in {@link CoFiring}: a pass has ⌈m/64⌉ partial sums. */
    private static final int CHUNK = 64;

    /** Where t sits relative to n_max, the largest n_ij of the batch; q in 0..1000 places it inside the range. */
    enum Threshold {
        /** t = 0: the limit c = [n &gt; 0]. */
        LIMIT,
        /** t in (0, n_max/2): the pair at n_max, and any at n ≥ 2t, saturate at c = 1. */
        SATURATED,
        /** t in (n_max/2, n_max): the pair at n_max has c = n_max/t − 1, strictly inside (0, 1). */
        INTERIOR,
        /** t in [n_max, 1]: no pair is penalized. */
        ABOVE;

        double of(double nMax, int q) {
            return switch (this) {
                case LIMIT -> 0;
                case SATURATED -> nMax * (1 + q) / 2004;
                case INTERIOR -> nMax * (0.5 + (1 + q) / 2004.0);
                case ABOVE -> nMax + (1 - nMax) * q / 1000;
            };
        }

        boolean penalizes() { return this != ABOVE; }
    }

    /** One pass: sizes, decoder width d, normalisation, threshold, whether to skip, code layout, threads, data seed. */
    record Setup(int rows, int m, int k, int d, Normalization norm, Threshold threshold, int q, boolean allPairs,
                 boolean skewed, int threads, long seed) {}

    /** Small passes: B 1..maxRows, m 2..30, k minK..min(8, m), d 1..40, one thread. */
    static Gen<Setup> small(int maxRows, int minK, Gen<Threshold> thresholds) {
        Gen<Integer> rows = SourceDSL.integers().between(1, maxRows), ms = SourceDSL.integers().between(2, 30), ds = SourceDSL.integers().between(1, 40), qs = SourceDSL.integers().between(0, 1000);
        Gen<Normalization> norms = SourceDSL.arbitrary().enumValues(Normalization.class);
        Gen<Boolean> flags = SourceDSL.booleans().all();
        Gen<Long> seeds = SourceDSL.longs().all();
        return in -> {
            int b = rows.generate(in), m = ms.generate(in);
            return new Setup(b, m, SourceDSL.integers().between(minK, Math.min(8, m)).generate(in), ds.generate(in), norms.generate(in),
                    thresholds.generate(in), qs.generate(in), flags.generate(in), flags.generate(in), 1, seeds.generate(in));
        };
    }

    /**
     * Large passes: k 28..40, B from the least with B·k² &gt; 2^16 up to 24 more, m 65..160 (two or
     * three chunks), d 1..16, on 2..4 threads.
     */
    static Gen<Setup> large(Gen<Threshold> thresholds) {
        Gen<Integer> ks = SourceDSL.integers().between(28, 40), extraRows = SourceDSL.integers().between(0, 24), ms = SourceDSL.integers().between(65, 160);
        Gen<Integer> ds = SourceDSL.integers().between(1, 16), qs = SourceDSL.integers().between(0, 1000), threadCounts = SourceDSL.integers().between(2, 4);
        Gen<Normalization> norms = SourceDSL.arbitrary().enumValues(Normalization.class);
        Gen<Boolean> flags = SourceDSL.booleans().all();
        Gen<Long> seeds = SourceDSL.longs().all();
        return in -> {
            int k = ks.generate(in);
            int rows = (1 << 16) / (k * k) + 1 + extraRows.generate(in);
            return new Setup(rows, ms.generate(in), k, ds.generate(in), norms.generate(in), thresholds.generate(in),
                    qs.generate(in), flags.generate(in), flags.generate(in), threadCounts.generate(in), seeds.generate(in));
        };
    }

    /** The modes with a penalized pair (picked, not filtered: a filter that rejects often makes QuickTheories give up). */
    static Gen<Threshold> penalizing() {
        return Generate.pick(List.of(Threshold.LIMIT, Threshold.SATURATED, Threshold.INTERIOR));
    }

    // ---------------------------------------------------------------- activation overlap

    @Test
    void activationPenaltyAndGradientMatchDenseReference() {
        Props.qt(7301, 200).forAll(small(12, 2, penalizing())).checkAssert(CoFiringProperties::activation);
    }

    @Test
    void activationPenaltyAndGradientMatchDenseReferenceOnManyThreads() {
        Props.qt(7306, 8).forAll(large(penalizing())).checkAssert(CoFiringProperties::activation);
    }

    private static void activation(Setup s) {
        int rows = s.rows(), k = s.k(), m = s.m();
        Normalization norm = s.norm();
        Codes codes = Codes.random(s.seed(), rows, k, m, s.skewed(), true);
        double[][] f = codes.dense();
        double t = s.threshold().of(CoFiringReference.largestN(f, m, norm), s.q());
        double[][] c = CoFiringReference.competition(f, m, t, norm);
        float[] grad = new float[rows * k];
        var summary = Parallel.withParallelism(s.threads(), () -> CoFiring.activationOverlap(rows, k, m, codes.idx(), codes.val(), t, norm,
                grad, null, s.allPairs()));
        if (s.threads() > 1) {
            float[] single = new float[rows * k];
            var one = Parallel.withParallelism(1, () -> CoFiring.activationOverlap(rows, k, m, codes.idx(), codes.val(), t, norm,
                    single, null, s.allPairs()));
            assertEquals(one, summary, "the same summary on 1 and " + s.threads() + " threads");
            assertArrayEquals(single, grad, "the same gradient on 1 and " + s.threads() + " threads");
        }
        double expected = CoFiringReference.activationPenalty(f, c);
        assertExercised(s, t, f, c, expected, summary, grad);
        // Both sides add exact products of floats (a float·float product fits a double) in
        // double, in different orders, with a division by B and a product with c: the reference
        // along chains of B + 2 + m² roundings, the kernel along B + 2 + m + 64 + ⌈m/64⌉. Each
        // is within γ_depth·P of the exact P (all terms ≥ 0).
        int chunks = (m + CHUNK - 1) / CHUNK;
        double penaltyBound = (gamma64(rows + 2 + (long) m * m) + gamma64(rows + 2 + m + CHUNK + chunks)) * expected;
        assertEquals(expected, summary.penalty(), 2 * penaltyBound, "penalty");

        // Gradient vs central differences of the reference with c fixed. P is affine in each
        // single f_bi (no f_bi·f_bi terms: i ≠ j), so the difference quotient is exact for any h
        // that keeps f_bi > 0: h = 1/16 < 0.1 ≤ f_bi, and f_bi ± h, 2h are exact in double. What
        // is left is rounding: P_i (the terms holding latent i) is evaluated along chains of
        // B + 2m + 2 roundings, so each evaluation errs by ≤ γ·P_i, and the quotient by
        // E = γ·(P_i(+h) + P_i(−h))/(2h). The kernel sums ≤ k − 1 products c·f in double
        // (γ_{k+2} with the scaling by 2/B), then rounds to float once (u32). Bound:
        // (u32 + γ_{k+2})·(|fd| + E) + E; asserted within twice that.
        double h = 1.0 / 16;
        for (int p = 0; p < rows * k; p++) {
            int b = p / k, i = codes.idx()[p];
            if (!(f[b][i] > 0)) {
                assertEquals(0f, grad[p], "a slot that does not fire gets no gradient (slot " + p + ")");
                continue;
            }
            double keep = f[b][i];
            f[b][i] = keep + h; double up = CoFiringReference.activationPenaltyOf(f, c, i);
            f[b][i] = keep - h; double down = CoFiringReference.activationPenaltyOf(f, c, i);
            f[b][i] = keep;
            double fd = (up - down) / (2 * h);
            double fdError = gamma64(rows + 2L * m + 2) * (up + down) / (2 * h);
            double bound = (U32 + gamma64(k + 2)) * (Math.abs(fd) + fdError) + fdError;
            assertEquals(fd, grad[p], 2 * bound, "dP/df at slot " + p + " (row " + b + ", latent " + i + ")");
        }
    }

    // ---------------------------------------------------------------- decoder overlap

    @Test
    void decoderPenaltyAndGradientMatchDenseReference() {
        Props.qt(7302, 150).forAll(small(10, 2, penalizing())).checkAssert(CoFiringProperties::decoder);
    }

    @Test
    void decoderPenaltyAndGradientMatchDenseReferenceOnManyThreads() {
        Props.qt(7307, 8).forAll(large(penalizing())).checkAssert(CoFiringProperties::decoder);
    }

    private static void decoder(Setup s) {
        int rows = s.rows(), k = s.k(), m = s.m(), d = s.d();
        Normalization norm = s.norm();
        Codes codes = Codes.random(s.seed(), rows, k, m, s.skewed(), true);
        double[][] f = codes.dense();
        double t = s.threshold().of(CoFiringReference.largestN(f, m, norm), s.q());
        double[][] c = CoFiringReference.competition(f, m, t, norm);
        Random r = new Random(s.seed() + 1);
        float[] w = new float[m * d];
        double[][] w64 = new double[m][d];
        for (int x = 0; x < m * d; x++) { w[x] = (float) r.nextGaussian(); w64[x / d][x % d] = w[x]; }
        float[] grad = new float[m * d];
        var summary = Parallel.withParallelism(s.threads(), () -> CoFiring.decoderOverlap(rows, k, m, codes.idx(), codes.val(), t, norm,
                w, d, grad, null, s.allPairs()));
        if (s.threads() > 1) {
            float[] single = new float[m * d];
            var one = Parallel.withParallelism(1, () -> CoFiring.decoderOverlap(rows, k, m, codes.idx(), codes.val(), t, norm,
                    w, d, single, null, s.allPairs()));
            assertEquals(one, summary, "the same summary on 1 and " + s.threads() + " threads");
            assertArrayEquals(single, grad, "the same gradient on 1 and " + s.threads() + " threads");
        }
        double expected = CoFiringReference.decoderPenalty(w64, c);
        assertExercised(s, t, f, c, expected, summary, grad);
        // The kernel's dot products run in float, each within γ32_d·Σ_e|w_ie·w_je| of exact
        // (VectorOps.dot: no term passes more than d roundings); the double sums on both sides
        // add γ64 of depth d + m² + ⌈m/64⌉ + 3 at most. Asserted within twice that.
        int chunks = (m + CHUNK - 1) / CHUNK;
        double penaltyBound = 0;
        for (int i = 0; i < m; i++) for (int j = 0; j < m; j++) {
            if (i != j && c[i][j] != 0) {
                penaltyBound += c[i][j] * (gamma32(d) + 2 * gamma64(d + (long) m * m + chunks + 3)) * CoFiringReference.absDot(w64[i], w64[j]);
            }
        }
        assertEquals(expected, summary.penalty(), 2 * penaltyBound, "penalty");

        // dP/dW_i = 2 Σ_j c_ij sign(W_i·W_j) W_j. P is affine in a single W_ie while no dot W_i·W_j
        // (c_ij > 0) changes sign, i.e. while |W_i·W_j| > h|W_je|: entries nearer a kink are
        // skipped, and latents where the kernel's float dot may carry the other sign (|W_i·W_j|
        // within its rounding bound) are skipped whole. Elsewhere the central difference is
        // exact but for rounding: P_i evaluated along chains of d + 2m + 2 roundings, over the
        // magnitude A = Σ_j 2c_ij (Σ_e|w_ie·w_je| + h|w_je|); W_ie ± h rounded (relative
        // u64·(|W_ie| + h)/h of the step). The kernel adds, per partner, fl32(2c·sign)·W_j in
        // float (coefficient, product and sum each rounded): γ32_{m+1}·Σ_j 2c_ij|W_je|.
        double h = 1.0 / 64;
        int checked = 0;
        for (int i = 0; i < m; i++) {
            boolean ambiguous = false;
            for (int j = 0; j < m; j++) {
                if (i == j || c[i][j] == 0) continue;
                double abs = CoFiringReference.absDot(w64[i], w64[j]);
                if (Math.abs(CoFiringReference.dot(w64[i], w64[j])) <= (gamma32(d) + gamma64(d)) * abs) ambiguous = true;
            }
            if (ambiguous) continue;
            for (int e = 0; e < d; e++) {
                boolean nearKink = false;
                double magnitude = 0, partners = 0;
                for (int j = 0; j < m; j++) {
                    if (i == j || c[i][j] == 0) continue;
                    double abs = CoFiringReference.absDot(w64[i], w64[j]);
                    if (Math.abs(CoFiringReference.dot(w64[i], w64[j])) <= h * Math.abs(w64[j][e]) + gamma64(d) * abs) nearKink = true;
                    magnitude += 2 * c[i][j] * (abs + h * Math.abs(w64[j][e]));
                    partners += 2 * c[i][j] * Math.abs(w64[j][e]);
                }
                if (nearKink) continue;
                double keep = w64[i][e];
                w64[i][e] = keep + h; double up = CoFiringReference.decoderPenaltyOf(w64, c, i);
                w64[i][e] = keep - h; double down = CoFiringReference.decoderPenaltyOf(w64, c, i);
                w64[i][e] = keep;
                double fd = (up - down) / (2 * h);
                double bound = gamma32(m + 1) * partners + gamma64(d + 2L * m + 2) * 2 * magnitude / (2 * h)
                        + U64 * (Math.abs(keep) + h) / h * Math.abs(fd);
                assertEquals(fd, grad[i * d + e], 2 * bound, "dP/dW[" + i + "][" + e + "]");
                if (fd != 0) checked++;
            }
        }
        assertTrue(checked > 0, "no decoder entry with a non-zero gradient was checked (all near a kink)");
    }

    // ---------------------------------------------------------------- laws without a reference gradient

    @Test
    void nothingIsPenalizedWhenNoPairCoFiresAboveTheThreshold() {
        // t in [n_max, 1] (t = 1 included: n_ij ≤ 1 under both normalisations) leaves every c_ij at 0;
        // k from 1 (no pairs at all).
        Props.qt(7303, 100).forAll(small(12, 1, Generate.constant(Threshold.ABOVE)))
                .checkAssert(s -> {
                    int rows = s.rows(), k = s.k(), m = s.m(), d = s.d();
                    Codes codes = Codes.random(s.seed(), rows, k, m, s.skewed(), true);
                    double[][] f = codes.dense();
                    double t = s.threshold().of(CoFiringReference.largestN(f, m, s.norm()), s.q());
                    float[] grad = new float[rows * k], gradW = new float[m * d], w = new float[m * d];
                    Random r = new Random(s.seed() + 3);
                    for (int x = 0; x < w.length; x++) w[x] = (float) r.nextGaussian();
                    var a = CoFiring.activationOverlap(rows, k, m, codes.idx(), codes.val(), t, s.norm(), grad, null, s.allPairs());
                    var dec = CoFiring.decoderOverlap(rows, k, m, codes.idx(), codes.val(), t, s.norm(), w, d, gradW, null, s.allPairs());
                    for (var summary : new CoFiring.Summary[] {a, dec}) {
                        assertEquals(0.0, summary.penalty());
                        assertEquals(0, summary.penalizedPairs());
                        // The statistics still see the pairs that co-fire (unless the pass may skip them).
                        if (summary.allPairs()) {
                            assertEquals(CoFiringReference.positivePairs(CoFiringReference.coFiring(f, m, s.norm())), summary.coFiringPairs());
                        }
                    }
                    for (float g : grad) assertEquals(0f, g);
                    for (float g : gradW) assertEquals(0f, g);
                });
    }

    @Test
    void relabellingLatentsLeavesThePenaltyUnchanged() {
        Props.qt(7304, 100).forAll(small(12, 1, SourceDSL.arbitrary().enumValues(Threshold.class))).checkAssert(s -> {
            int rows = s.rows(), k = s.k(), m = s.m();
            Codes codes = Codes.random(s.seed(), rows, k, m, s.skewed(), true);
            double t = s.threshold().of(CoFiringReference.largestN(codes.dense(), m, s.norm()), s.q());
            int[] perm = new Random(s.seed() + 7).ints(0, m).distinct().limit(m).toArray();
            int[] relabelled = new int[codes.idx().length];
            for (int p = 0; p < relabelled.length; p++) relabelled[p] = perm[codes.idx()[p]];
            float[] g1 = new float[rows * k], g2 = new float[rows * k];
            long[] h1 = new long[10], h2 = new long[10];
            var a = CoFiring.activationOverlap(rows, k, m, codes.idx(), codes.val(), t, s.norm(), g1, h1, true);
            var b = CoFiring.activationOverlap(rows, k, m, relabelled, codes.val(), t, s.norm(), g2, h2, true);
            // Each latent's partial sum is the same bits under relabelling (its rows, partners and
            // weights are); only the order in which the m partial sums are added changes, each
            // order within γ_{m+⌈m/64⌉}·P of exact.
            double bound = 2 * gamma64(m + (m + CHUNK - 1) / CHUNK) * a.penalty();
            assertEquals(a.penalty(), b.penalty(), 2 * bound);
            assertEquals(a.coFiringPairs(), b.coFiringPairs());
            assertEquals(a.penalizedPairs(), b.penalizedPairs());
            assertEquals(java.util.Arrays.stream(h1).sum(), a.coFiringPairs(), "histogram counts every co-firing pair once");
            assertArrayEquals(h1, h2);
            // A slot's gradient sums its row partners in slot order with the same weights: same bits.
            assertArrayEquals(g1, g2, "gradient");
            if (s.threshold().penalizes() && k >= 2) assertTrue(a.penalty() > 0, "something to relabel");
        });
    }

    @Test
    void skippingPairsThatCannotBePenalizedChangesNothingButTheStatistics() {
        Gen<Setup> setups = small(40, 1, SourceDSL.arbitrary().enumValues(Threshold.class)).mix(large(SourceDSL.arbitrary().enumValues(Threshold.class)), 10);
        int[] skippedSomething = {0};
        Props.qt(7305, 150).forAll(setups, SourceDSL.booleans().all()).checkAssert((s, decoder) -> {
            int rows = s.rows(), k = s.k(), m = s.m(), d = s.d();
            Normalization norm = s.norm();
            Codes codes = Codes.random(s.seed(), rows, k, m, s.skewed(), true);
            double[][] f = codes.dense();
            double t = s.threshold().of(CoFiringReference.largestN(f, m, norm), s.q());
            float[] w = new float[m * d];
            Random r = new Random(s.seed() + 3);
            for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
            float[] gAll = new float[decoder ? m * d : rows * k], gSome = new float[gAll.length];
            var all = Parallel.withParallelism(s.threads(), () -> decoder
                    ? CoFiring.decoderOverlap(rows, k, m, codes.idx(), codes.val(), t, norm, w, d, gAll, null, true)
                    : CoFiring.activationOverlap(rows, k, m, codes.idx(), codes.val(), t, norm, gAll, null, true));
            var some = Parallel.withParallelism(s.threads(), () -> decoder
                    ? CoFiring.decoderOverlap(rows, k, m, codes.idx(), codes.val(), t, norm, w, d, gSome, null, false)
                    : CoFiring.activationOverlap(rows, k, m, codes.idx(), codes.val(), t, norm, gSome, null, false));
            // Exact: a skipped pair has c = 0 and would only have added exact zeros.
            assertEquals(all.penalty(), some.penalty(), 0.0, "penalty");
            assertArrayEquals(gAll, gSome, "gradient");
            assertEquals(all.penalizedPairs(), some.penalizedPairs(), "every penalized pair is still examined");
            assertTrue(all.allPairs());
            assertEquals(norm != Normalization.BATCH || t == 0, some.allPairs(), "pairs are skipped only under batch normalisation with t > 0");
            assertTrue(some.coFiringPairs() <= all.coFiringPairs());
            if (skipsALatent(f, m, t, !some.allPairs())) skippedSomething[0]++;
        });
        // The skipping pass must have had something to skip (a firing latent with count/B ≤ t) in
        // many examples: 26 of the 150 with this seed; the rest either may not skip (MIN_COUNT,
        // t = 0) or have no latent that rare.
        assertTrue(skippedSomething[0] >= 20, "the skipping pass skipped a latent in only " + skippedSomething[0] + " examples");
    }

    /**
     * Every pair's statistics come from the pruned pass plus an exact count of co-firing pairs
     * (row bit sets) where batch normalisation with t > 0 allows it: the summary must equal the
     * full pass over every pair (which a histogram request still forces) bit for bit, penalty,
     * gradient, both pair counts and mean c.
     */
    @Test
    void everyPairStatisticsEqualTheFullPassBitForBit() {
        Gen<Setup> setups = small(40, 1, SourceDSL.arbitrary().enumValues(Threshold.class)).mix(large(SourceDSL.arbitrary().enumValues(Threshold.class)), 10);
        int[] counted = {0};
        Props.qt(7311, 150).forAll(setups, SourceDSL.booleans().all()).checkAssert((s, decoder) -> {
            int rows = s.rows(), k = s.k(), m = s.m(), d = s.d();
            Normalization norm = s.norm();
            Codes codes = Codes.random(s.seed(), rows, k, m, s.skewed(), true);
            double t = s.threshold().of(CoFiringReference.largestN(codes.dense(), m, norm), s.q());
            float[] w = new float[m * d];
            Random r = new Random(s.seed() + 5);
            for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
            float[] gFull = new float[decoder ? m * d : rows * k], gFast = new float[gFull.length];
            long[] hist = new long[4];
            var full = Parallel.withParallelism(s.threads(), () -> decoder
                    ? CoFiring.decoderOverlap(rows, k, m, codes.idx(), codes.val(), t, norm, w, d, gFull, hist, true)
                    : CoFiring.activationOverlap(rows, k, m, codes.idx(), codes.val(), t, norm, gFull, hist, true));
            var fast = Parallel.withParallelism(s.threads(), () -> decoder
                    ? CoFiring.decoderOverlap(rows, k, m, codes.idx(), codes.val(), t, norm, w, d, gFast, null, true)
                    : CoFiring.activationOverlap(rows, k, m, codes.idx(), codes.val(), t, norm, gFast, null, true));
            assertEquals(full, fast, "summary (penalty, co-firing pairs, penalized pairs, mean c, allPairs)");
            assertArrayEquals(gFull, gFast, "gradient");
            long histPairs = 0;
            for (long h : hist) histPairs += h;
            assertEquals(histPairs, full.coFiringPairs(), "the full pass's histogram holds every co-firing pair");
            if (norm == Normalization.BATCH && t > 0 && skipsALatent(codes.dense(), m, t, true)) counted[0]++;
        });
        assertTrue(counted[0] >= 20, "the counting path had a latent to skip in only " + counted[0] + " examples");
    }

    /** The bit-set count against the pairs listed one by one, with latents on 64-bit word boundaries. */
    @Test
    void coFiringPairCountIsTheNumberOfDistinctPairs() {
        Props.qt(7312, 200).forAll(SourceDSL.integers().between(1, 30), SourceDSL.integers().between(1, 200), SourceDSL.integers().between(1, 12),
                SourceDSL.longs().all()).checkAssert((rows, m, kDraw, seed) -> {
            int k = Math.min(kDraw, m);
            Random r = new Random(seed);
            int[] idx = new int[rows * k];
            float[] val = new float[rows * k];
            // Latents drawn near word boundaries (0, 63, 64, 127, 128, m − 1) half of the time.
            int[] edges = {0, 63, 64, 65, 127, 128, 191, 192, m - 1};
            for (int b = 0; b < rows; b++) {
                java.util.Set<Integer> used = new java.util.HashSet<>();
                for (int s2 = 0; s2 < k; s2++) {
                    int j;
                    do {
                        int e = edges[r.nextInt(edges.length)];
                        j = r.nextBoolean() && e < m ? e : r.nextInt(m);
                    } while (!used.add(j));
                    idx[b * k + s2] = j;
                    val[b * k + s2] = r.nextInt(5) == 0 ? 0f : 0.5f + r.nextFloat();
                }
            }
            java.util.Set<Long> pairs = new java.util.HashSet<>();
            for (int b = 0; b < rows; b++) {
                for (int s1 = 0; s1 < k; s1++) {
                    for (int s2 = 0; s2 < k; s2++) {
                        int i = idx[b * k + s1], j = idx[b * k + s2];
                        if (i < j && val[b * k + s1] > 0 && val[b * k + s2] > 0) pairs.add((long) i * m + j);
                    }
                }
            }
            var ps = CoFiring.Postings.of(rows, k, m, idx, val, 0, Normalization.BATCH, true);
            assertEquals(pairs.size(), CoFiringPairCount.of(rows, k, m, idx, val, ps), "distinct co-firing pairs");
        });
    }

    // ---------------------------------------------------------------- helpers

    /** Whether a pass that prunes skips a latent that fires: count_i/B ≤ t. */
    static boolean skipsALatent(double[][] f, int m, double t, boolean pruned) {
        if (!pruned) return false;
        int[] count = CoFiringReference.counts(f, m);
        for (int i = 0; i < m; i++) if (count[i] > 0 && !((double) count[i] / f.length > t)) return true;
        return false;
    }

    /**
     * What the gradient properties must have exercised: a reference with penalized pairs and a
     * positive penalty, the kernel counting the same pairs, a non-zero gradient, the INTERIOR
     * mode's weight strictly between 0 and 1, and the pass skipping exactly when it may.
     */
    private static void assertExercised(Setup s, double t, double[][] f, double[][] c, double expected,
                                        CoFiring.Summary summary, float[] grad) {
        long penalized = CoFiringReference.positivePairs(c);
        assertTrue(penalized > 0 && expected > 0,
                "the reference penalizes no pair (t = " + t + "): the gradient would be checked against nothing");
        assertEquals(penalized, summary.penalizedPairs(), "penalized pairs (t = " + t + ")");
        boolean pruned = !s.allPairs() && s.norm() == Normalization.BATCH && t > 0;
        assertEquals(!pruned, summary.allPairs(), "skipping happens exactly under batch normalisation with t > 0 when asked");
        if (summary.allPairs()) {
            assertEquals(CoFiringReference.positivePairs(CoFiringReference.coFiring(f, c.length, s.norm())), summary.coFiringPairs(),
                    "co-firing pairs");
        }
        if (s.threshold() == Threshold.INTERIOR) {
            boolean interior = false;
            for (double[] row : c) for (double v : row) interior |= v > 0 && v < 1;
            assertTrue(interior, "INTERIOR threshold " + t + " left no weight inside (0, 1)");
        }
        boolean moved = false;
        for (float g : grad) moved |= g != 0;
        assertTrue(moved, "the penalty's gradient is zero everywhere");
    }

}
