package saelab.train.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import saelab.tensor.Tensor;
import saelab.tensor.kernels.CoFiring;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.sae.SaeParams;
import saelab.train.sae.TopKSae;
import saelab.train.schedule.Schedule;

/**
 * The gradient of the whole TopK training loss (reconstruction + auxiliary TopK on dead latents
 * + adaptive co-firing penalty) that autograd computes in float32 equals central finite
 * differences of {@link TopKLossTwin}, an independent float64 implementation.
 */
class TopKLossGradientProperties {

    /** Pre-activation gaps (TopK boundary, ReLU kink) and |W_i·W_j| must exceed this: a
     *  perturbation of 1e-6 then cannot change the selection, the firing set or a sign. */
    static final double MARGIN = 1e-3;
    static final double EPS = 1e-6;

    @Provide
    Arbitrary<Double> progress() {
        return Arbitraries.oneOf(Arbitraries.just(0.0), Arbitraries.just(1.0), Arbitraries.doubles().between(0, 1));
    }

    record Case(int d, int m, int k, int rows, SaeParams params, float[] x, boolean[] dead, int kAux) {}

    static Case makeCase(long seed, int d, int m, int kRaw, int rows, boolean withDead) {
        SplittableRandom rng = new SplittableRandom(seed);
        int k = Math.min(kRaw, m);
        float[] wEnc = gauss(rng, d * m, 1 / Math.sqrt(d)), bEnc = gauss(rng, m, 0.3);
        float[] wDec = gauss(rng, m * d, 1 / Math.sqrt(d)), bDec = gauss(rng, d, 0.3);
        float[] x = gauss(rng, rows * d, 1);
        boolean[] dead = new boolean[m];
        int nDead = 0;
        if (withDead) for (int j = 0; j < m; j++) if (rng.nextDouble() < 0.4) { dead[j] = true; nDead++; }
        int kAux = nDead == 0 ? 1 : 1 + rng.nextInt(nDead);
        return new Case(d, m, k, rows, SaeParams.of(d, m, wEnc, bEnc, wDec, bDec), x, dead, kAux);
    }

    static float[] gauss(SplittableRandom rng, int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rng.nextGaussian() * std);
        return a;
    }

    static double[] f64(float[] a) {
        double[] o = new double[a.length];
        for (int i = 0; i < a.length; i++) o[i] = a[i];
        return o;
    }

    @Property(tries = 80, seed = "4401")
    void gradientOfTheFullAdaptiveLossMatchesFloat64FiniteDifferences(
            @ForAll long seed, @ForAll @IntRange(min = 2, max = 6) int d, @ForAll @IntRange(min = 3, max = 10) int m,
            @ForAll @IntRange(min = 1, max = 4) int kRaw, @ForAll @IntRange(min = 2, max = 6) int rows,
            @ForAll("progress") double p, @ForAll @DoubleRange(min = 0, max = 0.6) double baseThreshold,
            @ForAll @DoubleRange(min = 0, max = 1) double lambda2Max, @ForAll @DoubleRange(min = 0, max = 1) double auxkAlpha,
            @ForAll boolean decoder, @ForAll boolean minNorm, @ForAll boolean withDead) {
        Case c = makeCase(seed, d, m, kRaw, rows, withDead);
        PenaltyConfig pen = new PenaltyConfig(PenaltyConfig.Kind.ADAPTIVE, new Schedule.Quadratic(lambda2Max),
                new Schedule.Linear(baseThreshold, 0), decoder ? PenaltyConfig.OverlapTarget.DECODER : PenaltyConfig.OverlapTarget.ACTIVATION,
                minNorm ? CoFiring.Normalization.MIN_COUNT : CoFiring.Normalization.BATCH);
        double lambda2 = lambda2Max * (1 - p) * (1 - p), threshold = Math.max(0, baseThreshold * (1 - p));
        TopKLossTwin twin = new TopKLossTwin(d, m, c.k(), rows, f64(c.x()), lambda2, threshold, decoder, minNorm,
                c.dead(), c.kAux(), auxkAlpha);
        SaeParams ps = c.params();
        double[][] w = {f64(ps.wEnc().toArray()), f64(ps.bEnc().toArray()), f64(ps.wDec().toArray()), f64(ps.bDec().toArray())};
        Assume.that(awayFromTies(twin, w, c));

        TopKSae sae = new TopKSae(new TopKSae.Config(d, m, c.k()), ps);
        TopKLoss.Terms t = TopKLoss.compute(sae, c.x(), rows, p, new TopKLoss.Settings(pen, auxkAlpha, c.kAux()), c.dead());
        t.total().backward();

        double[] residual = twin.residual(w[0], w[1], w[2], w[3]);
        double loss64 = twin.loss(w[0], w[1], w[2], w[3], residual);
        // float32 forward: each term sums ≤ rows·(k + d) products of O(1) values, ~1e-6 relative.
        assertEquals(loss64, t.total().item(), 1e-5 * (1 + Math.abs(loss64)), "loss value");

        for (int which = 0; which < 4; which++) {
            float[] g = ps.list().get(which).gradData();
            double[] fd = new double[w[which].length];
            double scale = 1;
            for (int i = 0; i < fd.length; i++) {
                double keep = w[which][i];
                w[which][i] = keep + EPS;
                double up = twin.loss(w[0], w[1], w[2], w[3], residual);
                w[which][i] = keep - EPS;
                double down = twin.loss(w[0], w[1], w[2], w[3], residual);
                w[which][i] = keep;
                fd[i] = (up - down) / (2 * EPS);
                scale = Math.max(scale, Math.abs(fd[i]));
            }
            for (int i = 0; i < fd.length; i++) {
                // Central differences in float64 are exact to ~1e-9 here (O(ε²) truncation, 1e-16/ε
                // rounding); the float32 gradient sums at most rows·k·d products, so its error is
                // ~1e-6 of the tensor's largest entry. 1e-4·scale + 1e-3·|fd| leaves 10–100× room
                // and still fails on any missing or doubled term.
                double tol = 1e-4 * scale + 1e-3 * Math.abs(fd[i]);
                double got = g == null ? 0 : g[i];
                assertTrue(Math.abs(got - fd[i]) <= tol, () -> SaeParams.NAMES.get(whichName(g, ps)) + " gradient differs: autograd "
                        + Arrays.toString(g) + " vs finite differences " + Arrays.toString(fd) + " at p=" + p);
            }
        }
    }

    private static int whichName(float[] g, SaeParams ps) {
        for (int i = 0; i < 4; i++) if (ps.list().get(i).gradData() == g) return i;
        return 0;
    }

    /** Selection gaps, ReLU kinks and decoder-overlap signs are all at least MARGIN away. */
    static boolean awayFromTies(TopKLossTwin twin, double[][] w, Case c) {
        int m = c.m(), k = c.k();
        double[] pre = twin.pre(w[0], w[1], w[3]);
        for (int b = 0; b < c.rows(); b++) {
            if (!gapOk(pre, b, m, k, null)) return false;
            int nDead = 0;
            for (boolean dd : c.dead()) if (dd) nDead++;
            if (nDead > 0 && !gapOk(pre, b, m, Math.min(c.kAux(), nDead), c.dead())) return false;
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < i; j++) {
                double dot = 0;
                for (int t = 0; t < c.d(); t++) dot += w[2][i * c.d() + t] * w[2][j * c.d() + t];
                if (Math.abs(dot) < MARGIN) return false;
            }
        }
        return true;
    }

    private static boolean gapOk(double[] pre, int b, int m, int kk, boolean[] allowed) {
        double[] v = java.util.stream.IntStream.range(0, m).filter(j -> allowed == null || allowed[j])
                .mapToDouble(j -> pre[b * m + j]).sorted().toArray();
        int n = v.length;
        for (int s = n - kk; s < n; s++) if (Math.abs(v[s]) < MARGIN) return false;
        return kk == n || v[n - kk] - v[n - kk - 1] >= MARGIN;
    }

    @Property(tries = 30, seed = "4402")
    void theStaticPenaltysLossDoesNotDependOnProgress(@ForAll long seed, @ForAll @DoubleRange(min = 0, max = 1) double p1,
                                                       @ForAll @DoubleRange(min = 0, max = 1) double p2, @ForAll boolean decoder) {
        Case c = makeCase(seed, 8, 24, 4, 16, false);
        PenaltyConfig pen = new PenaltyConfig(PenaltyConfig.Kind.STATIC, new Schedule.Constant(0.5), new Schedule.Constant(0.05),
                decoder ? PenaltyConfig.OverlapTarget.DECODER : PenaltyConfig.OverlapTarget.ACTIVATION, CoFiring.Normalization.BATCH);
        TopKSae sae = new TopKSae(new TopKSae.Config(8, 24, 4), c.params());
        TopKLoss.Settings s = new TopKLoss.Settings(pen, 0, 1);
        TopKLoss.Terms a = TopKLoss.compute(sae, c.x(), 16, p1, s, null);
        TopKLoss.Terms b = TopKLoss.compute(sae, c.x(), 16, p2, s, null);
        assertTrue(a.penaltyTerm() > 0, "the case must exercise the penalty");
        // Same inputs, same arithmetic: exactly equal, not merely close.
        assertEquals(a.total().item(), b.total().item(), 0.0);
        // ...while the adaptive one does move with p (so the law above is not vacuous).
        PenaltyConfig adaptive = new PenaltyConfig(PenaltyConfig.Kind.ADAPTIVE, new Schedule.Quadratic(0.5), new Schedule.Constant(0.05),
                pen.target(), pen.normalization());
        TopKLoss.Settings sa = new TopKLoss.Settings(adaptive, 0, 1);
        Assume.that(Math.abs(p1 - p2) > 0.05);
        assertTrue(TopKLoss.compute(sae, c.x(), 16, p1, sa, null).penaltyTerm() != TopKLoss.compute(sae, c.x(), 16, p2, sa, null).penaltyTerm());
    }

    @Property(tries = 30, seed = "4403")
    void permutingTheLatentsLeavesTheLossUnchanged(@ForAll long seed, @ForAll @DoubleRange(min = 0, max = 1) double p,
                                                   @ForAll boolean decoder, @ForAll boolean minNorm) {
        int d = 8, m = 24, k = 4, rows = 16;
        Case c = makeCase(seed, d, m, k, rows, true);
        int[] perm = java.util.stream.IntStream.range(0, m).toArray();
        SplittableRandom rng = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
        for (int i = m - 1; i > 0; i--) { int j = rng.nextInt(i + 1); int t = perm[i]; perm[i] = perm[j]; perm[j] = t; }
        SaeParams a = c.params();
        float[] wEnc = a.wEnc().toArray(), bEnc = a.bEnc().toArray(), wDec = a.wDec().toArray();
        float[] pwEnc = new float[wEnc.length], pbEnc = new float[m], pwDec = new float[wDec.length];
        boolean[] pDead = new boolean[m];
        // new latent j is old latent perm[j]: encoder column, b_enc entry, decoder row and dead flag move together.
        for (int j = 0; j < m; j++) {
            for (int e = 0; e < d; e++) pwEnc[e * m + j] = wEnc[e * m + perm[j]];
            pbEnc[j] = bEnc[perm[j]];
            System.arraycopy(wDec, perm[j] * d, pwDec, j * d, d);
            pDead[j] = c.dead()[perm[j]];
        }
        SaeParams b = SaeParams.of(d, m, pwEnc, pbEnc, pwDec, a.bDec().toArray());
        PenaltyConfig pen = new PenaltyConfig(PenaltyConfig.Kind.ADAPTIVE, new Schedule.Quadratic(0.3), new Schedule.Linear(0.1, 0),
                decoder ? PenaltyConfig.OverlapTarget.DECODER : PenaltyConfig.OverlapTarget.ACTIVATION,
                minNorm ? CoFiring.Normalization.MIN_COUNT : CoFiring.Normalization.BATCH);
        TopKLoss.Settings s = new TopKLoss.Settings(pen, 1.0 / 32, 3);
        TopKLoss.Terms ta = TopKLoss.compute(new TopKSae(new TopKSae.Config(d, m, k), a), c.x(), rows, p, s, c.dead());
        TopKLoss.Terms tb = TopKLoss.compute(new TopKSae(new TopKSae.Config(d, m, k), b), c.x(), rows, p, s, pDead);
        // Permuting changes only the order in which the penalty's per-latent partial sums and the
        // GEMM's column blocks are added: float rounding, ~1e-7 relative; 1e-5 allows for it.
        assertEquals(ta.total().item(), tb.total().item(), 1e-5 * (1 + Math.abs(ta.total().item())));
        assertEquals(ta.penaltyTerm(), tb.penaltyTerm(), 1e-5 * (1 + ta.penaltyTerm()));
        assertEquals(ta.auxk(), tb.auxk(), 1e-5 * (1 + ta.auxk()));
    }
}
