package saelab.train.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static saelab.train.Props.qt;
import static saelab.train.trainer.TopKLossCases.adaptive;
import static saelab.train.trainer.TopKLossCases.assertGradients;
import static saelab.train.trainer.TopKLossCases.awayFromTies;
import static saelab.train.trainer.TopKLossCases.f64;
import static saelab.train.trainer.TopKLossCases.makeCase;
import static saelab.train.trainer.TopKLossCases.shapes;
import static saelab.train.trainer.TopKLossCases.twin;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import saelab.train.penalty.kernels.CoFiring;
import saelab.tensor.kernels.Parallel;
import saelab.train.penalty.CoFiringPenalty;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.sae.SaeParams;
import saelab.train.sae.TopKSae;
import saelab.train.trainer.TopKLossCases.Case;

/**
 * The gradient of the TopK training loss (reconstruction + auxiliary TopK on dead latents +
 * adaptive co-firing penalty) that autograd computes in float32 equals central finite
 * differences of {@link TopKLossTwin}, an independent float64 implementation: for the whole loss
 * on small random cases, and for the penalty term alone where its weights are interior, where the
 * co-firing kernel runs on several threads, and where it skips the pairs it may skip.
 *
 * <p>Bounds. Central differences of the float64 twin are exact up to rounding here: with the
 * selection, the firing set and the overlap signs frozen (see {@link TopKLossCases#awayFromTies}) every term
 * is at most quadratic in a parameter, so the O(ε²) truncation vanishes and what is left is
 * ~1e-16·|L|/ε ≈ 1e-10·|L|. The float32 gradient is a chain of sums of at most n = rows + d + k + 4
 * products per entry (the batch sum of a weight gradient, the decoder's d-sum or k-sum on the way
 * back, a few element-wise ops; + m for the decoder penalty's sum over partners), so its error is
 * at most n·u·S, u = 2⁻²⁴, S the sum of the magnitudes of the terms. S is not observable and
 * exceeds the entry itself where terms cancel; it is at least the size of the inputs' products (1
 * here: x ~ N(0, 1), W entries ~ N(0, 1/d), biases ~ N(0, 0.09); λ2 for the penalty alone), so
 * S = max(that floor, the tensor's largest finite difference). Measured: the error stays below
 * 0.7·n·u·S. Asserted within 4·n·u·S + 1e-9·(1 + |L|). A missing, doubled or mis-signed term
 * moves an entry by O(S/rows) or more: far outside.
 */
class TopKLossGradientProperties {

    // ------------------------------------------------------------------ the whole loss

    /** The loss's knobs: progress, λmax, t0, auxk_alpha, target, normalisation. */
    record Setting(double p, double lambda2Max, double baseThreshold, double auxkAlpha, boolean decoder, boolean minNorm) {}

    record WholeLossCase(Case c, Setting s) {}

    /**
     * d 1 to 18 (1, odd, 8, 16, 17), m 1 to 12, k 1 to min(m, 5), 1 to 7 rows, with or without
     * dead latents; p is 0, 1 or inside, t0 0 to 0.6, λmax and auxk_alpha 0 to 1, either target
     * and normalisation. λ2 may be 0 here (p = 1, λmax = 0) and k may be 1: the law is about the
     * sum; the penalty's own gradient is checked, non-zero, by the properties below.
     */
    @Test
    void gradientOfTheFullAdaptiveLossMatchesFloat64FiniteDifferences() {
        Gen<Double> progress = Generate.oneOf(Generate.constant(0.0), Generate.constant(1.0), doubles().between(0, 1));
        Gen<Setting> settings = progress.zip(doubles().between(0, 1), doubles().between(0, 0.6), doubles().between(0, 1),
                booleans().all().zip(booleans().all(), (a, b) -> new boolean[] {a, b}),
                (p, lm, t0, alpha, flags) -> new Setting(p, lm, t0, alpha, flags[0], flags[1]));
        Gen<Case> cases = shapes(18, 1, 12, 1, 5, 1, 7).zip(longs().all(), booleans().all(), (sh, seed, withDead) -> makeCase(seed, sh, withDead));
        Gen<WholeLossCase> gen = cases.zip(settings, WholeLossCase::new)
                .assuming(wc -> awayFromTies(wc.c(), twin(wc.c(), wc.s().p(), 0, 0, wc.s().decoder(), false, 0), 1e-3, wc.s().decoder()));
        qt(4401, 120).withGenerateAttempts(50).forAll(gen).checkAssert(wc -> {
            Case c = wc.c();
            Setting s = wc.s();
            PenaltyConfig pen = adaptive(s.lambda2Max(), s.baseThreshold(), s.decoder(), s.minNorm());
            TopKLossTwin twin = twin(c, s.p(), s.lambda2Max(), s.baseThreshold(), s.decoder(), s.minNorm(), s.auxkAlpha());
            SaeParams ps = c.params().copy();
            double[][] w = f64(ps);

            TopKSae sae = new TopKSae(new TopKSae.Config(c.d(), c.m(), c.k()), ps);
            TopKLoss.Terms t = TopKLoss.compute(sae, c.x(), c.rows(), s.p(), new TopKLoss.Settings(pen, s.auxkAlpha(), c.kAux()), c.dead());
            t.total().backward();

            double[] residual = twin.residual(w[0], w[1], w[2], w[3]);
            ToDoubleFunction<double[][]> loss = v -> twin.loss(v[0], v[1], v[2], v[3], residual);
            double loss64 = loss.applyAsDouble(w);
            // float32 forward: each term sums ≤ rows·(k + d) products of O(1) values.
            assertEquals(loss64, t.total().item(), (c.rows() * (c.k() + c.d()) + 4) * TopKLossCases.U * (1 + Math.abs(loss64)), "loss value");
            assertGradients(ps, w, loss, c.rows() + c.d() + c.k() + 4, 1, new boolean[] {true, true, true, true}, null, "p=" + s.p());
        });
    }

    // ------------------------------------------------------------------ the penalty alone

    /** A case with its penalty: target pair's weight u (interior), p, λmax, target and normalisation. */
    record PenaltyCase(Case c, double p, double lambda2Max, double baseThreshold, boolean decoder, boolean minNorm, double u, int[] pair) {
        @Override public String toString() {
            return c + ", p " + p + ", λmax " + lambda2Max + ", t0 " + baseThreshold + ", " + (decoder ? "decoder" : "activation")
                    + ", " + (minNorm ? "min-count" : "batch") + ", weight " + u + " for pair " + Arrays.toString(pair);
        }
    }

    /**
     * Picks the threshold: among the co-firing pairs of the case's codes (sorted by n_ij), the one
     * at {@code pick} ∈ [0, 1) gets weight c = u, i.e. t = n/(1 + u), so t < n < 2t; t0 = t/(1 − p)
     * makes the schedule reach t at p. Null when no pair co-fires.
     */
    static PenaltyCase withInteriorWeight(Case c, double p, double lambda2Max, boolean decoder, boolean minNorm, double pick, double u) {
        TopKLossTwin probe = twin(c, p, lambda2Max, 0, decoder, minNorm, 0);
        double[][] w = f64(c.params());
        double[] f = probe.codes(probe.pre(w[0], w[1], w[3]));
        TopKLossTwin.CoFiring cf = probe.coFiring(f);
        List<double[]> pairs = new ArrayList<>(); // {n, i, j}
        for (int i = 0; i < c.m(); i++) for (int j = i + 1; j < c.m(); j++) if (cf.both()[i][j] > 0) pairs.add(new double[] {probe.n(cf, i, j), i, j});
        if (pairs.isEmpty()) return null;
        pairs.sort((a, b) -> Double.compare(a[0], b[0]));
        double[] target = pairs.get(Math.min(pairs.size() - 1, (int) (pick * pairs.size())));
        return new PenaltyCase(c, p, lambda2Max, target[0] / (1 + u) / (1 - p), decoder, minNorm, u, new int[] {(int) target[1], (int) target[2]});
    }

    /** One penalty-only backward pass: the term, the kernel's summary and the parameters holding the gradient. */
    record PenaltyRun(double term, CoFiring.Summary summary, SaeParams params) {
        float[] grad(int i) { return params.list().get(i).gradData(); }
    }

    /**
     * λ2·P's gradient alone (backward from the penalty term) against central differences of the
     * twin's λ2·P, on the tensors it reaches: W_dec for the decoder target; W_enc, b_enc and b_dec
     * (through the codes) for the activation target. The others must get no gradient from it.
     * Asserts the penalty was exercised: the term and its finite-difference gradient are non-zero
     * and some pair's weight is interior. Its value must match the twin's within 2× the bound
     * {@link TopKLossTwin#penaltyErrorBound} derives.
     */
    static PenaltyRun checkPenaltyGradient(PenaltyCase pc) {
        return checkPenaltyGradient(pc, penaltyRun(pc), null);
    }

    /** As above on a run already made, with finite differences only for the entries of the given latents (null: all). */
    static PenaltyRun checkPenaltyGradient(PenaltyCase pc, PenaltyRun run, int[] latents) {
        Case c = pc.c();
        TopKLossTwin twin = twin(c, pc.p(), pc.lambda2Max(), pc.baseThreshold(), pc.decoder(), pc.minNorm(), 0);
        double[][] w = f64(run.params());
        double[] f = twin.codes(twin.pre(w[0], w[1], w[3]));
        assertTrue(twin.interiorPairs(f) > 0, "no co-firing pair has a weight strictly between 0 and 1");
        ToDoubleFunction<double[][]> penalty = v -> twin.penaltyLoss(v[0], v[1], v[2], v[3]);
        double p64 = penalty.applyAsDouble(w);
        assertTrue(run.term() > 0 && p64 > 0, "the penalty term is zero: kernel " + run.term() + ", twin " + p64);
        double bound = twin.penaltyErrorBound(w[0], w[1], w[2], w[3]);
        assertEquals(p64, run.term(), 2 * bound, "penalty value (bound " + bound + ")");
        boolean[] reached = pc.decoder() ? new boolean[] {false, false, true, false} : new boolean[] {true, true, false, true};
        int terms = c.rows() + c.d() + c.k() + 4 + (pc.decoder() ? c.m() : 0); // the decoder gradient sums over partners j
        double largest = assertGradients(run.params(), w, penalty, terms, twin.lambda2, reached, latents == null ? null : entriesOf(c, latents), "penalty");
        assertTrue(largest > 0, "the penalty's finite-difference gradient is zero everywhere");
        return run;
    }

    /** The entries of W_enc (column j), b_enc (j) and W_dec (row j) of the given latents, and all of b_dec. */
    static int[][] entriesOf(Case c, int[] latents) {
        int d = c.d(), m = c.m();
        int[] enc = Arrays.stream(latents).flatMap(j -> IntStream.range(0, d).map(e -> e * m + j)).toArray();
        int[] dec = Arrays.stream(latents).flatMap(j -> IntStream.range(0, d).map(e -> j * d + e)).toArray();
        return new int[][] {enc, latents, dec, IntStream.range(0, d).toArray()};
    }

    /** Autograd's side: the penalty term of the case, backpropagated alone into a fresh copy of its parameters. */
    static PenaltyRun penaltyRun(PenaltyCase pc) {
        Case c = pc.c();
        PenaltyConfig pen = adaptive(pc.lambda2Max(), pc.baseThreshold(), pc.decoder(), pc.minNorm());
        SaeParams ps = c.params().copy();
        TopKSae sae = new TopKSae(new TopKSae.Config(c.d(), c.m(), c.k()), ps);
        TopKLoss.Terms t = TopKLoss.compute(sae, c.x(), c.rows(), pc.p(), new TopKLoss.Settings(pen, 0, 1), null);
        t.penalty().term().backward();
        return new PenaltyRun(t.penaltyTerm(), t.penalty().summary(), ps);
    }

    static Gen<PenaltyCase> penaltyCases(Gen<Case> cases, Gen<Boolean> minNorm, double margin) {
        Gen<double[]> knobs = doubles().between(0.01, 0.99).zip(doubles().between(0.05, 1), doubles().between(0, 1), doubles().between(0.1, 0.9),
                (p, lm, pick, u) -> new double[] {p, lm, pick, u});
        return cases.zip(knobs, booleans().all(), minNorm, (c, k, decoder, mn) -> withInteriorWeight(c, k[0], k[1], decoder, mn, k[2], k[3]))
                .assuming(pc -> pc != null && awayFromTies(pc.c(), twin(pc.c(), pc.p(), 0, 0, pc.decoder(), false, 0), margin, pc.decoder()));
    }

    /**
     * p strictly inside (0.01 to 0.99, so λ2 > 0), λmax 0.05 to 1, and a threshold that gives some
     * co-firing pair an interior weight c ∈ [0.1, 0.9]; d 1 to 18, m 2 to 16, k 2 to min(m, 6)
     * (so pairs exist), 2 to 12 rows; both targets and normalisations.
     */
    @Test
    void thePenaltysGradientWithInteriorWeightsMatchesFiniteDifferences() {
        Gen<Case> cases = shapes(18, 2, 16, 2, 6, 2, 12).zip(longs().all(), (s, seed) -> makeCase(seed, s, false));
        qt(4404, 100).withGenerateAttempts(50).forAll(penaltyCases(cases, booleans().all(), 1e-3))
                .checkAssert(pc -> checkPenaltyGradient(pc));
    }

    /**
     * The co-firing kernel splits latents into chunks of 64 over threads once rows·k² > 2¹⁶: here
     * m 65 to 80 (two chunks), k 16 to 18 and 257 to 272 rows (rows·k² ≥ 65,792), d 1 to 9, with
     * at least two threads. The whole gradient must be bitwise the one the same pass computes on
     * one thread (each latent's entries are written by its own chunk; partial penalties are added
     * in chunk order); finite differences, ~30 twin evaluations per entry checked, cover the
     * entries of the latents at the chunk edges (0, 63, 64, m − 1), of the pair given the interior
     * weight, and of 3 more generated ones. The margin for ties is 1e-4 here (1e-3 would reject
     * almost every case of this size): still 20 times a perturbation's effect on a pre-activation
     * (ε·|x − b_dec| ≤ 5e-6) and the float32 pre-activations' error (≤ d·u·Σ|terms| ≈ 3e-6).
     */
    @Test
    void thePenaltysGradientOnTheMultithreadedCoFiringPathMatchesFiniteDifferences() {
        int saved = Parallel.parallelism();
        try {
            Gen<Case> cases = shapes(9, 65, 80, 16, 18, 257, 272).zip(longs().all(), (s, seed) -> makeCase(seed, s, false));
            Gen<int[]> extra = integers().between(0, 79).zip(integers().between(0, 79), integers().between(0, 79), (a, b, c) -> new int[] {a, b, c})
                    .describedAs(Arrays::toString);
            qt(4405, 8).withGenerateAttempts(50).forAll(penaltyCases(cases, booleans().all(), 1e-4), extra).checkAssert((pc, more) -> {
                Case c = pc.c();
                Parallel.setParallelism(1);
                PenaltyRun one = penaltyRun(pc);
                Parallel.setParallelism(Math.max(2, saved));
                assertTrue((long) c.rows() * c.k() * c.k() > 1 << 16 && c.m() > 64 && Parallel.parallelism() >= 2,
                        "the case does not reach the kernel's multithreaded path");
                PenaltyRun many = penaltyRun(pc);
                assertEquals(one.term(), many.term(), 0.0, "the penalty depends on the number of threads");
                for (int i = 0; i < 4; i++) {
                    assertArrayEquals(one.grad(i), many.grad(i), "the gradient of " + SaeParams.NAMES.get(i) + " depends on the number of threads");
                }
                int[] latents = IntStream.concat(IntStream.of(0, 63, 64, c.m() - 1, pc.pair()[0], pc.pair()[1]),
                        Arrays.stream(more).map(j -> j % c.m())).distinct().toArray();
                checkPenaltyGradient(pc, many, latents);
            });
        } finally {
            Parallel.setParallelism(saved);
        }
    }

    /**
     * The penalty's kernel always skips latents that fire in at most t·B rows under batch
     * normalisation (pairs it cannot penalise); its gradient must still match finite differences,
     * and its penalty must equal the separate statistics pass over every pair that logged steps
     * make ({@link CoFiringPenalty#statistics}). The case must have skipped something: the
     * penalty's pass counts fewer co-firing pairs than the statistics. (That the skipping leaves
     * the gradient bit-identical to the full pass is the kernel's property, in CoFiringProperties.)
     * d 1 to 12, m 6 to 40, k 2 to min(m, 6), 4 to 40 rows; the target pair is the most co-firing
     * one (pick near 1), so rarer latents fall below the threshold.
     */
    @Test
    void thePenaltysGradientOnThePrunedPathMatchesFiniteDifferencesAndTheStatisticsPass() {
        Gen<Case> cases = shapes(12, 6, 40, 2, 6, 4, 40).zip(longs().all(), (s, seed) -> makeCase(seed, s, false));
        Gen<double[]> knobs = doubles().between(0.01, 0.99).zip(doubles().between(0.05, 1), doubles().between(0.75, 0.9999), doubles().between(0.1, 0.9),
                (p, lm, pick, u) -> new double[] {p, lm, pick, u});
        Gen<PenaltyCase> gen = cases.zip(knobs, booleans().all(), (c, k, decoder) -> withInteriorWeight(c, k[0], k[1], decoder, false, k[2], k[3]))
                .assuming(pc -> pc != null && awayFromTies(pc.c(), twin(pc.c(), pc.p(), 0, 0, pc.decoder(), false, 0), 1e-3, pc.decoder())
                        && prunable(pc));
        qt(4406, 60).withGenerateAttempts(50).forAll(gen).checkAssert(pc -> {
            PenaltyRun pruned = checkPenaltyGradient(pc);
            Case c = pc.c();
            TopKSae sae = new TopKSae(new TopKSae.Config(c.d(), c.m(), c.k()), c.params().copy());
            TopKSae.Forward fw = sae.forward(c.x(), c.rows());
            CoFiring.Summary full = CoFiringPenalty.statistics(adaptive(pc.lambda2Max(), pc.baseThreshold(), pc.decoder(), pc.minNorm()), pc.p(),
                    fw.values().toArray(), fw.selection().indices(), c.k(), sae.params().wDec());
            assertEquals(full.penalty(), pruned.summary().penalty(), 0.0, "the pruned pass changed the penalty");
            assertTrue(!pruned.summary().allPairs() && full.allPairs() && pruned.summary().coFiringPairs() < full.coFiringPairs(),
                    "the pruned pass skipped nothing: " + pruned.summary() + " vs " + full);
        });
    }

    /** Whether some co-firing pair involves a latent firing in at most t·B rows (the twin's view of what the kernel may skip). */
    static boolean prunable(PenaltyCase pc) {
        Case c = pc.c();
        TopKLossTwin twin = twin(c, pc.p(), pc.lambda2Max(), pc.baseThreshold(), pc.decoder(), false, 0);
        double[][] w = f64(c.params());
        TopKLossTwin.CoFiring cf = twin.coFiring(twin.codes(twin.pre(w[0], w[1], w[3])));
        double t = twin.threshold;
        for (int i = 0; i < c.m(); i++) {
            for (int j = i + 1; j < c.m(); j++) {
                if (cf.both()[i][j] > 0 && ((double) cf.count()[i] / c.rows() <= t || (double) cf.count()[j] / c.rows() <= t)) return true;
            }
        }
        return false;
    }
}
