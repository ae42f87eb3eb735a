package saelab.train.sae;

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

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import saelab.train.sae.BatchTopKCases.Case;

/**
 * The Matryoshka BatchTopK loss against {@link BatchTopKTwin} with random groups and weights: its
 * value, every prefix's named term and its float32 gradient (central differences of the float64
 * twin; the bound is {@link BatchTopKCases}', with G more terms for the prefix sums).
 */
class MatryoshkaBatchTopKSaeProperties {

    /** A case, its groups (sizes summing to m) and weights, auxk_alpha and whether latents are dead. */
    record LossCase(Case c, int[] groups, double[] weights, double auxkAlpha, boolean withDead) {
        int[] widths() {
            int[] w = new int[groups.length];
            for (int i = 0, s = 0; i < w.length; i++) w[i] = s += groups[i];
            return w;
        }

        BatchTopKTwin twin() {
            return new BatchTopKTwin(c.d(), c.m(), c.k(), c.rows(), f64(c.x()), widths(), weights, withDead ? c.dead() : null, c.kAux(), auxkAlpha);
        }

        @Override public String toString() {
            return c + ", groups " + Arrays.toString(groups) + ", weights " + Arrays.toString(weights) + ", auxk_alpha " + auxkAlpha + ", dead " + withDead;
        }
    }

    /** 1 to min(m, 4) groups cut at random points of [1, m); weights 1/G each or uniform in [0, 2]. */
    static LossCase withGroups(Case c, long seed, double auxkAlpha, boolean withDead) {
        SplittableRandom rng = new SplittableRandom(seed);
        int g = 1 + rng.nextInt(Math.min(c.m(), 4));
        int[] cuts = rng.ints(1, c.m()).distinct().limit(g - 1).sorted().toArray();
        int[] sizes = new int[g];
        for (int i = 0, prev = 0; i < g; i++) {
            int end = i < g - 1 ? cuts[i] : c.m();
            sizes[i] = end - prev;
            prev = end;
        }
        double[] weights = rng.nextBoolean() ? MatryoshkaBatchTopKSae.equalWeights(g) : rng.doubles(g, 0, 2).toArray();
        return new LossCase(c, sizes, weights, auxkAlpha, withDead);
    }

    /**
     * d 1 to 16, m 2 to 12, k 1 to min(m, 4), 1 to 7 rows, 1 to 4 groups, with or without dead
     * latents, auxk_alpha 0 to 1. At least 60 cases must have had two or more groups with every
     * prefix term non-zero, and 30 a non-zero auxiliary term.
     */
    @Test
    void theLossItsPrefixTermsAndItsGradientMatchTheFloat64Twin() {
        AtomicInteger nested = new AtomicInteger(), withAux = new AtomicInteger();
        Gen<LossCase> gen = shapes(16, 2, 12, 4, 1, 7).zip(longs().all(), booleans().all(), doubles().between(0, 1),
                        (sh, seed, wd, alpha) -> withGroups(makeCase(seed, sh, wd), seed ^ 0x5eed, alpha, wd))
                .assuming(lc -> awayFromTies(lc.c(), lc.twin()));
        qt(1311, 150).withGenerateAttempts(50).forAll(gen).checkAssert(lc -> {
            Case c = lc.c();
            BatchTopKTwin twin = lc.twin();
            SaeParams ps = c.params().copy();
            var cfg = new MatryoshkaBatchTopKSae.Config(c.d(), c.m(), c.k(), lc.groups(), lc.weights(), 0.999, 1000);
            MatryoshkaBatchTopKSae sae = new MatryoshkaBatchTopKSae(cfg, ps);
            TrainingLoss loss = sae.loss(c.x(), c.rows(), lc.withDead() ? c.dead() : null, lc.auxkAlpha(), c.kAux());
            loss.total().backward();

            double[][] w = f64(ps);
            double[] residual = twin.residual(w[0], w[1], w[2], w[3]);
            double loss64 = twin.loss(w[0], w[1], w[2], w[3], residual);
            double valueTol = (c.rows() * (c.m() + c.d()) + 4 + lc.groups().length) * U * (1 + Math.abs(loss64));
            assertEquals(loss64, loss.total().item(), valueTol, "loss value");
            double[] prefix = twin.prefixLosses(w[0], w[1], w[2], w[3]);
            int[] widths = lc.widths();
            boolean allNonZero = true;
            for (int g = 0; g < widths.length; g++) {
                double got = loss.term(sae.prefixTerm(widths[g]));
                assertEquals(prefix[g], got, valueTol, "prefix " + widths[g]);
                allNonZero &= got > 0;
            }
            if (widths.length >= 2 && allNonZero) nested.incrementAndGet();
            double aux = twin.auxk(w[0], w[1], w[2], w[3], residual);
            boolean auxApplies = lc.auxkAlpha() > 0 && !Double.isNaN(aux);
            assertEquals(auxApplies, loss.terms().containsKey("auxk"), "whether the auxiliary term was computed (twin " + aux + ")");
            if (auxApplies) {
                assertEquals(aux, loss.term("auxk"), valueTol * (1 + aux), "auxk term");
                if (aux > 0) withAux.incrementAndGet();
            }
            double largest = BatchTopKCases.assertGradients(ps, w, v -> twin.loss(v[0], v[1], v[2], v[3], residual),
                    c.rows() + c.d() + c.m() + 4 + widths.length, "Matryoshka");
            assertTrue(largest > 0, "the loss's gradient is zero everywhere");
        });
        assertTrue(nested.get() >= 60, "only " + nested + " cases exercised two or more non-zero prefix terms");
        assertTrue(withAux.get() >= 30, "only " + withAux + " cases exercised the auxiliary loss");
    }
}
