package saelab.train.sae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.longs;
import static saelab.train.Props.qt;
import static saelab.train.sae.BatchTopKCases.U;
import static saelab.train.sae.BatchTopKCases.awayFromTies;
import static saelab.train.sae.BatchTopKCases.f64;
import static saelab.train.sae.BatchTopKCases.makeCase;
import static saelab.train.sae.BatchTopKCases.shapes;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import saelab.train.sae.BatchTopKCases.Case;

/**
 * The BatchTopK SAE against {@link BatchTopKTwin}: the batch selection keeps exactly the batch's
 * k·B largest ReLU values, inference keeps exactly ReLU(pre) &gt; θ, and the training loss and its
 * float32 gradient match the float64 twin (its value and central differences; the bound is
 * {@link BatchTopKCases}').
 */
class BatchTopKSaeProperties {

    record LossCase(Case c, double auxkAlpha, boolean withDead) {}

    /** Dense [rows, m] view of padded codes. */
    static double[] dense(SparseEncoder.Selection sel, int m) {
        double[] f = new double[sel.rows() * m];
        for (int b = 0; b < sel.rows(); b++) {
            for (int s = 0; s < sel.k(); s++) {
                float v = sel.values()[b * sel.k() + s];
                if (v != 0) {
                    int j = sel.indices()[b * sel.k() + s];
                    assertEquals(0.0, f[b * m + j], "latent " + j + " appears twice in row " + b);
                    f[b * m + j] = v;
                }
            }
        }
        return f;
    }

    static boolean someRowKeepsOtherThanK(double[] f, int rows, int m, int k) {
        for (int b = 0; b < rows; b++) {
            int n = 0;
            for (int j = 0; j < m; j++) if (f[b * m + j] > 0) n++;
            if (n != k) return true;
        }
        return false;
    }

    /**
     * d 1 to 16, m 1 to 40, k 1 to min(m, 6), 1 to 20 rows, from 1 to m candidates per row: the
     * codes equal the twin's on the same float32 pre-activations, bit for bit (ties go to the lower
     * (row, latent) in both), and the default candidates give the same. Pre-activations are
     * rounded to multiples of 1/8 in half the cases, so ties at the cut occur. At least a third of
     * the cases must have a row keeping other than k codes (the batch rule, not TopK's), and at
     * least 100 a row keeping more than its first candidates (the widening path).
     */
    @Test
    void theBatchSelectionKeepsTheBatchsLargestReluValues() {
        AtomicInteger uneven = new AtomicInteger(), widened = new AtomicInteger(), cases = new AtomicInteger();
        qt(1301, 400).forAll(shapes(16, 1, 40, 6, 1, 20), longs().all(), doubles().between(0, 1), booleans().all())
                .checkAssert((sh, seed, cFraction, coarse) -> {
            Case c = makeCase(seed, sh, false);
            SparseEncoder.PreActivations pa = SparseEncoder.preActivations(c.x(), c.rows(), c.params());
            if (coarse) for (int i = 0; i < pa.pre().length; i++) pa.pre()[i] = Math.round(pa.pre()[i] * 8) / 8f;
            int c0 = 1 + (int) (cFraction * (c.m() - 1));
            BatchTopKTwin twin = new BatchTopKTwin(c.d(), c.m(), c.k(), c.rows(), f64(c.x()), new int[] {c.m()}, new double[] {1}, null, 0, 0);
            double[] expected = twin.codes(f64(pa.pre()));
            SparseEncoder.Selection sel = BatchTopK.select(pa, c.k(), c0);
            double[] got = dense(sel, c.m());
            assertArrayEquals(expected, got, 0.0, "batch codes from " + c0 + " candidates per row");
            assertArrayEquals(expected, dense(BatchTopK.select(pa, c.k()), c.m()), 0.0, "batch codes from the default candidates");
            cases.incrementAndGet();
            if (someRowKeepsOtherThanK(got, c.rows(), c.m(), c.k())) uneven.incrementAndGet();
            if (sel.k() > c0) widened.incrementAndGet();
        });
        assertTrue(uneven.get() * 3 >= cases.get(), "only " + uneven + " of " + cases + " cases kept other than k codes in some row");
        assertTrue(widened.get() >= 100, "only " + widened + " cases kept more codes in a row than its first candidates");
    }

    /** Inference: for θ from −1 (no estimate) to 1, the codes are exactly the entries with ReLU(pre) &gt; θ. */
    @Test
    void inferenceKeepsExactlyTheValuesAboveTheThreshold() {
        AtomicInteger cut = new AtomicInteger();
        qt(1302, 200).forAll(shapes(16, 1, 40, 6, 1, 20), longs().all(), doubles().between(-1, 1)).checkAssert((sh, seed, theta) -> {
            Case c = makeCase(seed, sh, false);
            BatchTopKSae sae = new BatchTopKSae(new BatchTopKSae.Config(c.d(), c.m(), c.k()), c.params());
            sae.threshold().restore(theta < 0 ? BatchTopKThreshold.NONE : theta);
            float[] pre = SparseEncoder.preActivations(c.x(), c.rows(), c.params()).pre();
            double[] expected = new double[pre.length];
            boolean dropped = false;
            for (int i = 0; i < pre.length; i++) {
                double relu = Math.max(0, pre[i]);
                if (relu > sae.threshold().value()) expected[i] = relu;
                else if (relu > 0) dropped = true;
            }
            assertArrayEquals(expected, dense(sae.encode(c.x(), c.rows()), c.m()), 0.0, "threshold " + sae.threshold().value());
            if (dropped) cut.incrementAndGet();
        });
        assertTrue(cut.get() >= 50, "only " + cut + " cases had a positive value below the threshold");
    }

    /**
     * d 1 to 16, m 2 to 12, k 1 to min(m, 4), 1 to 7 rows, with or without dead latents, auxk_alpha
     * 0 to 1: the loss's value, its named terms and its gradient match the twin. At least 30 cases
     * must have exercised the auxiliary term (non-zero) and 30 an uneven batch selection.
     */
    @Test
    void theLossAndItsGradientMatchTheFloat64Twin() {
        AtomicInteger withAux = new AtomicInteger(), uneven = new AtomicInteger();
        Gen<LossCase> gen = shapes(16, 2, 12, 4, 1, 7).zip(longs().all(), booleans().all(), doubles().between(0, 1),
                        (sh, seed, wd, alpha) -> new LossCase(makeCase(seed, sh, wd), alpha, wd))
                .assuming(lc -> awayFromTies(lc.c(), twin(lc)));
        qt(1303, 150).withGenerateAttempts(50).forAll(gen).checkAssert(lc -> {
            Case c = lc.c();
            BatchTopKTwin twin = twin(lc);
            SaeParams ps = c.params().copy();
            BatchTopKSae sae = new BatchTopKSae(new BatchTopKSae.Config(c.d(), c.m(), c.k()), ps);
            TrainingLoss loss = sae.loss(c.x(), c.rows(), lc.withDead() ? c.dead() : null, lc.auxkAlpha(), c.kAux());
            loss.total().backward();

            double[][] w = f64(ps);
            double[] residual = twin.residual(w[0], w[1], w[2], w[3]);
            double loss64 = twin.loss(w[0], w[1], w[2], w[3], residual);
            // float32 forward: each term sums ≤ rows·(m + d) products of O(1) values.
            double valueTol = (c.rows() * (c.m() + c.d()) + 4) * U * (1 + Math.abs(loss64));
            assertEquals(loss64, loss.total().item(), valueTol, "loss value");
            assertEquals(twin.prefixLosses(w[0], w[1], w[2], w[3])[0], loss.term("recon"), valueTol, "recon term");
            double aux = twin.auxk(w[0], w[1], w[2], w[3], residual);
            boolean auxApplies = lc.auxkAlpha() > 0 && !Double.isNaN(aux);
            assertEquals(auxApplies, loss.terms().containsKey("auxk"), "whether the auxiliary term was computed (twin " + aux + ")");
            if (auxApplies) {
                assertEquals(aux, loss.term("auxk"), valueTol * (1 + aux), "auxk term");
                if (aux > 0) withAux.incrementAndGet();
            }
            if (someRowKeepsOtherThanK(dense(loss.selection(), c.m()), c.rows(), c.m(), c.k())) uneven.incrementAndGet();
            double largest = BatchTopKCases.assertGradients(ps, w, v -> twin.loss(v[0], v[1], v[2], v[3], residual),
                    c.rows() + c.d() + c.m() + 4, "BatchTopK");
            assertTrue(largest > 0, "the loss's gradient is zero everywhere");
        });
        assertTrue(withAux.get() >= 30, "only " + withAux + " cases exercised the auxiliary loss");
        assertTrue(uneven.get() >= 30, "only " + uneven + " cases kept other than k codes in some row");
    }

    static BatchTopKTwin twin(LossCase lc) {
        Case c = lc.c();
        return new BatchTopKTwin(c.d(), c.m(), c.k(), c.rows(), f64(c.x()), new int[] {c.m()}, new double[] {1},
                lc.withDead() ? c.dead() : null, c.kAux(), lc.auxkAlpha());
    }
}
