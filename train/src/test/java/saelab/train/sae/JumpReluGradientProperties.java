package saelab.train.sae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static saelab.train.Props.qt;
import static saelab.train.sae.SaeFiniteDifferences.U;
import static saelab.train.sae.SaeFiniteDifferences.assertGradients;
import static saelab.train.sae.SaeFiniteDifferences.f64;
import static saelab.train.sae.SaeFiniteDifferences.gauss;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import saelab.tensor.Tensor;

/**
 * The JumpReLU SAE's training gradient, autograd in float32, against {@link JumpReluTwin}, an
 * independent float64 implementation: W_enc, b_enc, W_dec and b_dec against central differences
 * of the twin's loss (with every pre-activation at least 1e-3 from its threshold, the jump mask
 * is constant over the differences, so the loss is quadratic in each of these and the
 * differences are exact up to rounding; the L0 term is constant there, so its true gradient is
 * 0, as its estimator says); θ against the gradient the straight-through estimators define,
 * computed by hand in the twin (θ's true derivative is 0 or undefined, so finite differences
 * cannot check it). Every pre-activation is also at least 1e-3 from the window's edges θ ± ε/2,
 * so float32 and float64 agree on which entries the rectangle kernel counts.
 *
 * <p>Bounds. For W_enc..b_dec, {@link SaeFiniteDifferences}: terms = rows + d + m + 4 (a weight
 * gradient sums over rows, the decoder's backward over d, the dense decode over m; a few
 * element-wise ops), floor 1 (x ~ N(0, 1), W ~ N(0, 1/d), biases ~ N(0, 0.09)). For θ_j: float32
 * forms ∂recon/∂f_bj from a residual that sums ≤ m + 2 products, a d-term dot, then a sum over
 * rows and one scaling, so its error is at most n·u·S_j with n = m + d + rows + 8 and S_j the sum
 * of the magnitudes of all of those products ({@link JumpReluTwin#thresholdGradientScale});
 * asserted within 4·n·u·S_j. Loss values: the reconstruction within 4·n·u·S
 * ({@link JumpReluTwin#reconScale}), the L0 term (an exact count, then ≤ 4 float ops) within
 * 16·u·λ·(1 + L0/target)² or 16·u·λ·L0. A dropped, doubled or mis-signed estimator moves θ's
 * gradient by ≥ (1/ε)/rows or (θ/ε)·|∂recon/∂f|: far outside.
 */
class JumpReluGradientProperties {

    /** Seeds 1301–1302; failures print the shrunk case and "Seed was N". */
    record Case(int rows, int d, int m, long seed, JumpReluParams params, float[] x, JumpReluSae.Config cfg, JumpReluLoss.Settings settings, long step) {
        /** λ(t) computed here, independently of {@link JumpReluLoss.Settings#coefficientAt}. */
        double lambdaNow() {
            return settings.l0WarmupSteps() == 0 ? settings.l0Coefficient() : settings.l0Coefficient() * Math.min(1.0, (double) step / settings.l0WarmupSteps());
        }

        JumpReluTwin twin() {
            return new JumpReluTwin(rows, d, m, f64(x), cfg.bandwidth(), cfg.applyBDecToInput(), lambdaNow(), settings.targetL0());
        }

        @Override public String toString() {
            return "rows " + rows + ", d " + d + ", m " + m + ", seed " + seed + ", ε " + cfg.bandwidth() + ", b_dec on input " + cfg.applyBDecToInput()
                    + ", λ " + settings.l0Coefficient() + ", warm-up " + settings.l0WarmupSteps() + ", step " + step + ", target " + settings.targetL0();
        }
    }

    /**
     * rows 1–8, d 1–12, m 1–12; from the seed: x ~ N(0, 1), W ~ N(0, 1/d), biases ~ N(0, 0.09),
     * θ ~ U[0.05, 0.8], ε ~ U[0.2, 1] (a float), λ ~ U[0.05, 1], warm-up 0 or 1–50 steps at step
     * 1–100 (so λ(t) &gt; 0); mode bit 0: b_dec subtracted from the input, bit 1: a target L0 ~
     * U[0.5, m + 0.5]. Kept when the margins above hold, some entry fires and some lies in a window.
     */
    static Gen<Case> cases() {
        return integers().between(1, 8).zip(integers().between(1, 12), integers().between(1, 12), longs().all(), integers().between(0, 3),
                JumpReluGradientProperties::makeCase).assuming(JumpReluGradientProperties::usable);
    }

    static Case makeCase(int rows, int d, int m, long seed, int mode) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] wEnc = gauss(rng, d * m, 1 / Math.sqrt(d)), bEnc = gauss(rng, m, 0.3);
        float[] wDec = gauss(rng, m * d, 1 / Math.sqrt(d)), bDec = gauss(rng, d, 0.3);
        float[] theta = new float[m];
        for (int j = 0; j < m; j++) theta[j] = (float) (0.05 + 0.75 * rng.nextDouble());
        float[] x = gauss(rng, rows * d, 1);
        float eps = (float) (0.2 + 0.8 * rng.nextDouble());
        double lambda = 0.05 + 0.95 * rng.nextDouble();
        long warmup = rng.nextInt(3) == 0 ? 0 : 1 + rng.nextInt(50);
        long step = 1 + rng.nextInt(100);
        double target = (mode & 2) != 0 ? 0.5 + m * rng.nextDouble() : 0;
        return new Case(rows, d, m, seed, JumpReluParams.of(d, m, wEnc, bEnc, wDec, bDec, theta), x,
                new JumpReluSae.Config(d, m, eps, 0.001, (mode & 1) != 0), new JumpReluLoss.Settings(lambda, warmup, target), step);
    }

    static boolean usable(Case c) {
        JumpReluTwin twin = c.twin();
        double[][] w = f64(c.params().list());
        double[] pre = twin.pre(w);
        boolean windowed = false, fires = false;
        for (int i = 0; i < pre.length; i++) {
            double gap = pre[i] - w[JumpReluTwin.THETA][i % c.m()];
            if (Math.abs(gap) < 1e-3 || Math.abs(Math.abs(gap) - c.cfg().bandwidth() / 2) < 1e-3) return false;
            windowed |= Math.abs(gap) < c.cfg().bandwidth() / 2;
            fires |= gap > 0;
        }
        double target = c.settings().targetL0();
        return windowed && fires && (target == 0 || Math.abs(twin.l0(w) / target - 1) > 1e-3);
    }

    /** Backward from the chosen terms of one loss evaluation, into a fresh copy of the case's parameters. */
    record Run(JumpReluParams params, JumpReluLoss.Terms terms) {}

    static Run run(Case c, boolean recon, boolean l0) {
        JumpReluParams ps = c.params().copy();
        JumpReluLoss.Terms t = JumpReluLoss.compute(new JumpReluSae(c.cfg(), ps), c.x(), c.rows(), c.step(), c.settings());
        Tensor root = recon && l0 ? t.total() : recon ? t.recon() : t.l0Term();
        root.backward();
        return new Run(ps, t);
    }

    static int terms(Case c) { return c.rows() + c.d() + c.m() + 4; }

    /** θ's autograd gradient against the twin's estimator gradient, within 4·n·u·S_j; returns the largest |expected|. */
    static double assertThresholdGradient(Case c, JumpReluParams ps, double[][] w, boolean recon, boolean l0) {
        JumpReluTwin twin = c.twin();
        double[] want = twin.thresholdGradient(w, recon, l0), scale = twin.thresholdGradientScale(w, recon, l0);
        float[] got = ps.threshold().gradData();
        int n = c.m() + c.d() + c.rows() + 8;
        double largest = 0;
        for (int j = 0; j < c.m(); j++) {
            double g = got == null ? 0 : got[j], tol = 4 * n * U * scale[j] + 1e-12;
            assertTrue(Math.abs(g - want[j]) <= tol, "θ[" + j + "]: autograd " + g + " vs estimator by hand " + want[j] + " (tolerance " + tol + ")");
            largest = Math.max(largest, Math.abs(want[j]));
        }
        return largest;
    }

    @Test
    void wholeLossGradientMatchesTheTwin() {
        qt(1301, 120).withGenerateAttempts(200).forAll(cases()).checkAssert(c -> {
            Run r = run(c, true, true);
            double[][] w = f64(r.params().list());
            JumpReluTwin twin = c.twin();
            double recon64 = twin.recon(w), l064 = twin.l0Term(w);
            int n = c.m() + c.d() + c.rows() + 8;
            assertEquals(recon64, r.terms().recon().item(), 4 * n * U * twin.reconScale(w), "recon value");
            assertEquals(l064, r.terms().l0Term().item(), 16 * U * c.lambdaNow() * (c.settings().targetL0() > 0
                    ? Math.pow(1 + twin.l0(w) / c.settings().targetL0(), 2) : twin.l0(w)), "l0 term value");
            assertEquals(twin.l0(w), r.terms().l0(), 2 * U * twin.l0(w), "plain L0 (an exact count, divided by rows in float32)");
            assertTrue(recon64 > 0 && l064 > 0, "both named terms must be exercised: recon " + recon64 + ", l0 " + l064);

            List<Tensor> four = r.params().list().subList(0, 4);
            double largest = assertGradients(four, JumpReluParams.NAMES.subList(0, 4), w, twin::loss, terms(c), 1,
                    new boolean[] {true, true, true, true}, "total");
            assertTrue(largest > 0, "the finite-difference gradient is zero everywhere");
            assertTrue(assertThresholdGradient(c, r.params(), w, true, true) > 0, "θ's estimator gradient is zero: no entry exercised it");
        });
    }

    /**
     * Each term alone: "recon" reaches all five tensors (θ through the JumpReLU estimator only);
     * "l0" reaches θ only (the Step estimator; W_enc..b_dec must get exactly 0).
     */
    @Test
    void eachTermReachesExactlyItsTensors() {
        qt(1302, 80).withGenerateAttempts(200).forAll(cases()).checkAssert(c -> {
            JumpReluTwin twin = c.twin();
            Run recon = run(c, true, false);
            double[][] w = f64(recon.params().list());
            assertGradients(recon.params().list().subList(0, 4), JumpReluParams.NAMES.subList(0, 4), w, twin::recon, terms(c), 1,
                    new boolean[] {true, true, true, true}, "recon");
            assertThresholdGradient(c, recon.params(), w, true, false);

            Run l0 = run(c, false, true);
            assertGradients(l0.params().list().subList(0, 4), JumpReluParams.NAMES.subList(0, 4), w, twin::l0Term, terms(c), 1,
                    new boolean[] {false, false, false, false}, "l0");
            assertTrue(assertThresholdGradient(c, l0.params(), w, false, true) > 0, "the Step estimator gave θ no gradient");
        });
    }
}
