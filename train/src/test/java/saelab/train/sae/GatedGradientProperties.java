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

import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import saelab.tensor.Tensor;

/**
 * The Gated SAE's training gradient, autograd in float32, against central differences of
 * {@link GatedTwin}, an independent float64 implementation, for the whole loss and for each named
 * term alone. Every π_gate, and every π_mag behind an open gate, is at least 1e-3 from 0, so the
 * gate and both ReLUs are constant over the differences: the twin is then smooth (quadratic, or
 * exponential in r_mag) and central differences are exact up to rounding plus an O(ε²) = 1e-12
 * truncation in r_mag.
 *
 * <p>Bounds. Gradients as {@link SaeFiniteDifferences}: terms = rows + d + m + 8 (a weight
 * gradient sums over rows, the encoder's backward over m, the decoder's over d, the dense decode
 * over m shares the count; exp, the r_mag product and a few element-wise ops), floor 1 (x ~
 * N(0, 1), W ~ N(0, 1/d), biases and r_mag ~ N(0, 0.09)). Values: each decode error sums squared
 * residuals whose float32 error is at most n·u·A_be ({@link GatedTwin#decodeScale}, which counts
 * the codes' own rounding through their pre-activations), so the value is within 2·n·u·ΣA²/rows;
 * asserted within 4× that. The L1 (a sum of ReLUs of pre-activations) within 4·n·u·λ·ΣP/rows.
 * Tensors a term must not reach (the stop-gradient decoder, the Heaviside gate) must hold
 * exactly 0.
 */
class GatedGradientProperties {

    /** Seeds 1401–1402; failures print the shrunk case and "Seed was N". */
    record Case(int rows, int d, int m, long seed, GatedParams params, float[] x, GatedLoss.Settings settings, long step) {
        double lambdaNow() {
            return settings.l1WarmupSteps() == 0 ? settings.l1Coefficient() : settings.l1Coefficient() * Math.min(1.0, (double) step / settings.l1WarmupSteps());
        }

        GatedTwin twin() {
            return new GatedTwin(rows, d, m, f64(x), lambdaNow(), f64(params.wDec().toArray()), f64(params.bDec().toArray()));
        }

        @Override public String toString() {
            return "rows " + rows + ", d " + d + ", m " + m + ", seed " + seed + ", λ " + settings.l1Coefficient() + ", warm-up " + settings.l1WarmupSteps() + ", step " + step;
        }
    }

    /**
     * rows 1–8, d 1–12, m 1–12; from the seed: x ~ N(0, 1), W ~ N(0, 1/d), b_gate, r_mag, b_mag,
     * b_dec ~ N(0, 0.09), λ ~ U[0.05, 1], warm-up 0 or 1–50 steps at step 1–100 (λ(t) &gt; 0).
     * Kept when the margins hold and some latent fires (an open gate with π_mag &gt; 0).
     */
    static Gen<Case> cases() {
        return integers().between(1, 8).zip(integers().between(1, 12), integers().between(1, 12), longs().all(),
                GatedGradientProperties::makeCase).assuming(GatedGradientProperties::usable);
    }

    static Case makeCase(int rows, int d, int m, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] wEnc = gauss(rng, d * m, 1 / Math.sqrt(d)), bGate = gauss(rng, m, 0.3), rMag = gauss(rng, m, 0.3), bMag = gauss(rng, m, 0.3);
        float[] wDec = gauss(rng, m * d, 1 / Math.sqrt(d)), bDec = gauss(rng, d, 0.3);
        float[] x = gauss(rng, rows * d, 1);
        double lambda = 0.05 + 0.95 * rng.nextDouble();
        long warmup = rng.nextInt(3) == 0 ? 0 : 1 + rng.nextInt(50);
        long step = 1 + rng.nextInt(100);
        return new Case(rows, d, m, seed, GatedParams.of(d, m, wEnc, bGate, rMag, bMag, wDec, bDec), x, new GatedLoss.Settings(lambda, warmup), step);
    }

    static boolean usable(Case c) {
        GatedTwin twin = c.twin();
        double[][] w = f64(c.params().list());
        double[] g = twin.gatePre(w), mag = twin.magnitudePre(w);
        boolean fires = false;
        for (int i = 0; i < g.length; i++) {
            if (Math.abs(g[i]) < 1e-3 || g[i] > 0 && Math.abs(mag[i]) < 1e-3) return false;
            fires |= g[i] > 0 && mag[i] > 0;
        }
        return fires;
    }

    record Run(GatedParams params, GatedLoss.Terms terms) {}

    /** Backward from one named term ("recon", "l1", "aux_gate") or the total (null), into a fresh copy of the parameters. */
    static Run run(Case c, String term) {
        GatedParams ps = c.params().copy();
        GatedLoss.Terms t = GatedLoss.compute(new GatedSae(new GatedSae.Config(c.d(), c.m()), ps), c.x(), c.rows(), c.step(), c.settings());
        Tensor root = term == null ? t.total() : t.named().get(term);
        root.backward();
        return new Run(ps, t);
    }

    static int terms(Case c) { return c.rows() + c.d() + c.m() + 8; }

    @Test
    void wholeLossGradientMatchesTheTwin() {
        qt(1401, 120).withGenerateAttempts(200).forAll(cases()).checkAssert(c -> {
            Run r = run(c, null);
            GatedTwin twin = c.twin();
            double[][] w = f64(r.params().list());
            int n = terms(c);
            double recon = twin.recon(w), l1 = twin.l1Term(w), aux = twin.auxGate(w);
            assertEquals(recon, r.terms().recon().item(), 8 * n * U * twin.reconScale(w), "recon value");
            assertEquals(l1, r.terms().l1Term().item(), 4 * n * U * twin.l1Scale(w), "l1 term value");
            assertEquals(aux, r.terms().auxGate().item(), 8 * n * U * twin.auxScale(w), "aux_gate value");
            assertTrue(recon > 0 && l1 > 0 && aux > 0, "every named term must be exercised: recon " + recon + ", l1 " + l1 + ", aux_gate " + aux);
            double largest = assertGradients(r.params().list(), GatedParams.NAMES, w, twin::loss, n, 1,
                    new boolean[] {true, true, true, true, true, true}, "total");
            assertTrue(largest > 0, "the finite-difference gradient is zero everywhere");
        });
    }

    /**
     * "recon" reaches everything but b_gate (the gate is a Heaviside step); "l1" and "aux_gate"
     * reach W_enc, b_gate and b_dec (through x − b_dec) only: never r_mag or b_mag, and
     * "aux_gate" never the decoder it decodes with (a frozen copy). Each term's gradient must be
     * non-zero on some tensor it reaches.
     */
    @Test
    void eachTermReachesExactlyItsTensors() {
        qt(1402, 80).withGenerateAttempts(200).forAll(cases()).checkAssert(c -> {
            GatedTwin twin = c.twin();
            double[][] w = f64(c.params().list());
            check(c, "recon", twin::recon, w, new boolean[] {true, false, true, true, true, true});
            check(c, "l1", twin::l1Term, w, new boolean[] {true, true, false, false, false, true});
            check(c, "aux_gate", twin::auxGate, w, new boolean[] {true, true, false, false, false, true});
        });
    }

    private static void check(Case c, String term, ToDoubleFunction<double[][]> f, double[][] w, boolean[] reached) {
        Run r = run(c, term);
        double largest = assertGradients(r.params().list(), GatedParams.NAMES, w, f, terms(c), 1, reached, term);
        assertTrue(largest > 0, term + ": its finite-difference gradient is zero everywhere");
    }
}
