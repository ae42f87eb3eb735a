package saelab.train.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static saelab.train.Props.qt;
import static saelab.train.trainer.TopKLossCases.makeCase;
import static saelab.train.trainer.TopKLossCases.shapes;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import saelab.train.penalty.kernels.CoFiring;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.sae.SaeParams;
import saelab.train.sae.TopKSae;
import saelab.train.schedule.Schedule;
import saelab.train.trainer.TopKLossCases.Case;

/** What the TopK training loss must not depend on: progress under the static penalty, and the order of the latents. */
class TopKLossInvarianceProperties {

    /**
     * The case with every b_enc raised by 3: pre-activations of std ~1.2 are then positive but for
     * a few per mille, so every row's k selected latents fire, every pair among them co-fires, and
     * with fewer than 20 rows each such pair has n ≥ 1/19 > 0.05, above the thresholds below.
     */
    static Case firing(Case c) {
        float[] bEnc = c.params().bEnc().toArray();
        for (int j = 0; j < bEnc.length; j++) bEnc[j] += 3;
        SaeParams p = c.params();
        return new Case(c.shape(), c.seed(), SaeParams.of(c.d(), c.m(), p.wEnc().toArray(), bEnc, p.wDec().toArray(), p.bDec().toArray()),
                c.x(), c.dead(), c.kAux());
    }

    /**
     * Static penalty (λ2 0.5, threshold 0.05): the whole loss is bitwise the same at any two
     * progress values in [0, 1], on either target; while the adaptive penalty's term does move
     * between p and p ± 0.5, so the law is not vacuous. d 1 to 18, m 2 to 40, k 2 to min(m, 8),
     * 1 to 19 rows.
     */
    @Test
    void theStaticPenaltysLossDoesNotDependOnProgress() {
        Gen<Case> cases = shapes(18, 2, 40, 2, 8, 1, 19).zip(longs().all(), (s, seed) -> firing(makeCase(seed, s, false)));
        qt(4402, 60).forAll(cases, doubles().between(0, 1), doubles().between(0, 1), booleans().all()).checkAssert((c, p1, p2, decoder) -> {
            PenaltyConfig pen = new PenaltyConfig(PenaltyConfig.Kind.STATIC, new Schedule.Constant(0.5), new Schedule.Constant(0.05),
                    decoder ? PenaltyConfig.OverlapTarget.DECODER : PenaltyConfig.OverlapTarget.ACTIVATION, CoFiring.Normalization.BATCH);
            TopKSae sae = new TopKSae(new TopKSae.Config(c.d(), c.m(), c.k()), c.params());
            TopKLoss.Settings s = new TopKLoss.Settings(pen, 0, 1);
            TopKLoss.Terms a = TopKLoss.compute(sae, c.x(), c.rows(), p1, s, null);
            TopKLoss.Terms b = TopKLoss.compute(sae, c.x(), c.rows(), p2, s, null);
            assertTrue(a.penaltyTerm() > 0, "the case must exercise the penalty");
            // Same inputs, same arithmetic: exactly equal, not merely close.
            assertEquals(a.total().item(), b.total().item(), 0.0);
            // ...while the adaptive one does move with p: λ2 = 0.5·(1 − p)² differs at p and p ± 0.5.
            PenaltyConfig adaptive = new PenaltyConfig(PenaltyConfig.Kind.ADAPTIVE, new Schedule.Quadratic(0.5), new Schedule.Constant(0.05),
                    pen.target(), pen.normalization());
            TopKLoss.Settings sa = new TopKLoss.Settings(adaptive, 0, 1);
            double p3 = p1 < 0.5 ? p1 + 0.5 : p1 - 0.5;
            assertNotEquals(TopKLoss.compute(sae, c.x(), c.rows(), p1, sa, null).penaltyTerm(), TopKLoss.compute(sae, c.x(), c.rows(), p3, sa, null).penaltyTerm());
        });
    }

    record Permuted(Case c, int[] perm) {
        @Override public String toString() { return c + ", permutation " + java.util.Arrays.toString(perm); }
    }

    /**
     * Renaming the latents (encoder column, b_enc entry, decoder row and dead flag move together)
     * leaves the loss, the penalty term and AuxK unchanged, with dead latents, on either target and
     * normalisation, at p in [0, 0.9] (λ2 > 0). d 1 to 18, m 2 to 40, k 2 to min(m, 8), 2 to 9
     * rows (so every co-firing pair has n ≥ 1/9 > 0.1 ≥ t(p)); the permutation is generated too.
     *
     * <p>Bound: permuting changes only the order in which float sums over the latents are formed
     * (the decoder's k-sum, the GEMM's column blocks; the penalty and AuxK are accumulated per
     * latent in double, then rounded once). Each term is a float sum of at most rows·(d + k)
     * products, within (d + k + rows + 2)·u of its exact value relative to its magnitude; asserted
     * within 2× of that.
     */
    @Test
    void permutingTheLatentsLeavesTheLossUnchanged() {
        Gen<Case> cases = shapes(18, 2, 40, 2, 8, 2, 9).zip(longs().all(), (s, seed) -> withADeadLatent(firing(makeCase(seed, s, true))));
        Gen<Permuted> permuted = cases.flatMap(c -> integers().between(0, Integer.MAX_VALUE).map(r -> new Permuted(c, shuffle(c.m(), r))));
        qt(4403, 60).forAll(permuted, doubles().between(0, 0.9), booleans().all(), booleans().all()).checkAssert((pc, p, decoder, minNorm) -> {
            Case c = pc.c();
            int[] perm = pc.perm();
            int d = c.d(), m = c.m(), k = c.k(), rows = c.rows();
            SaeParams a = c.params();
            float[] wEnc = a.wEnc().toArray(), bEnc = a.bEnc().toArray(), wDec = a.wDec().toArray();
            float[] pwEnc = new float[wEnc.length], pbEnc = new float[m], pwDec = new float[wDec.length];
            boolean[] pDead = new boolean[m];
            // new latent j is old latent perm[j]
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
            assertTrue(ta.penaltyTerm() > 0 && ta.auxk() > 0, "the case must exercise the penalty and AuxK: " + ta.penaltyTerm() + ", " + ta.auxk());
            double rel = 2 * (d + k + rows + 2) * 0x1p-24;
            assertEquals(ta.total().item(), tb.total().item(), rel * Math.abs(ta.total().item()), "loss");
            assertEquals(ta.penaltyTerm(), tb.penaltyTerm(), rel * ta.penaltyTerm(), "λ2·P");
            assertEquals(ta.auxk(), tb.auxk(), rel * ta.auxk(), "AuxK");
        });
    }

    /** Marks the last latent dead when the draw left none, so AuxK always has one. */
    static Case withADeadLatent(Case c) {
        if (c.deadCount() > 0) return c;
        boolean[] dead = c.dead().clone();
        dead[c.m() - 1] = true;
        return new Case(c.shape(), c.seed(), c.params(), c.x(), dead, 1);
    }

    /** A permutation of 0..m−1 (Fisher–Yates from the generated number). */
    static int[] shuffle(int m, long seed) {
        int[] perm = java.util.stream.IntStream.range(0, m).toArray();
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        for (int i = m - 1; i > 0; i--) { int j = rng.nextInt(i + 1); int t = perm[i]; perm[i] = perm[j]; perm[j] = t; }
        return perm;
    }
}
