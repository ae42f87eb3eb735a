package saelab.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;
import saelab.tensor.Tensor;
import saelab.tensor.kernels.Parallel;
import saelab.train.Props;
import saelab.train.sae.DecoderNorms;

/**
 * The vectorised, parallel Adam pass is torch's rule written out in scalar float (the same bits),
 * the clipping norm is the float64 norm within its bound, and the fused clip + Adam + unit rows
 * pass gives the bits of the three separate calls, on any number of threads.
 */
class AdamOptimizerProperties {

    /**
     * Four parameters like an SAE's (a [rows × d] matrix whose rows are kept at unit norm among
     * them), sizes straddling {@link AdamOptimizer#CHUNK} when {@code big}; gradients scaled by
     * 10^scaleExp so some steps clip and some do not; a few prior steps so the moments are not zero.
     */
    record Case(int rows, int d, boolean big, int scaleExp, int priorSteps, long seed) {}

    private static Gen<Case> cases() {
        Gen<Integer> rows = ints(1, 40), widths = ints(1, 70), exps = ints(-3, 2), priors = ints(0, 3);
        Gen<Boolean> bigs = SourceDSL.booleans().all();
        Gen<Long> seeds = SourceDSL.longs().all();
        return in -> new Case(rows.generate(in), widths.generate(in), bigs.generate(in), exps.generate(in), priors.generate(in), seeds.generate(in));
    }

    private static Gen<Integer> ints(int lo, int hi) {
        return SourceDSL.integers().between(lo, hi);
    }

    private static List<Tensor> params(Case c, SplittableRandom r) {
        int extra = c.big() ? AdamOptimizer.CHUNK + 17 : 5;
        Tensor a = Tensor.of(gauss(r, c.rows() * c.d(), 1), c.rows(), c.d());
        Tensor b = Tensor.of(gauss(r, extra, 1), extra);
        Tensor w = Tensor.of(gauss(r, c.rows() * c.d(), 1), c.rows(), c.d());
        DecoderNorms.normalizeRows(w.data(), c.rows(), c.d(), 1f);
        Tensor bias = Tensor.of(gauss(r, c.d(), 1), c.d());
        List<Tensor> ps = List.of(a, b, w, bias);
        for (Tensor p : ps) p.setRequiresGrad(true);
        return ps;
    }

    private static void setGradients(List<Tensor> ps, SplittableRandom r, double scale) {
        // The gradient of Σ p·c with respect to p is c, exactly.
        for (Tensor p : ps) {
            p.zeroGrad();
            p.mul(Tensor.of(gauss(r, p.numel(), scale), p.shape())).sum().backward();
        }
    }

    private static float[] gauss(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * scale);
        return a;
    }

    @Test
    void stepIsTheScalarRuleBitForBit() {
        Props.qt(20261208, 80).forAll(cases()).checkAssert(c -> {
            SplittableRandom r = new SplittableRandom(c.seed());
            List<Tensor> ps = params(c, r);
            AdamOptimizer adam = new AdamOptimizer(ps);
            float[][] w = new float[4][], m = new float[4][], v = new float[4][];
            for (int i = 0; i < 4; i++) { w[i] = ps.get(i).toArray(); m[i] = new float[w[i].length]; v[i] = new float[w[i].length]; }
            double lr = 1e-3;
            for (int step = 1; step <= c.priorSteps() + 1; step++) {
                setGradients(ps, r, Math.pow(10, c.scaleExp()));
                AdamOptimizer.Coefficients k = adam.coefficients(lr, step);
                for (int i = 0; i < 4; i++) scalarAdam(w[i], ps.get(i).gradData(), m[i], v[i], k);
                adam.step(lr);
                for (int i = 0; i < 4; i++) {
                    assertArrayEquals(bits(w[i]), bits(ps.get(i).data()), "parameter " + i + " after step " + step);
                    assertArrayEquals(bits(m[i]), bits(adam.firstMoment(i)), "first moment " + i);
                    assertArrayEquals(bits(v[i]), bits(adam.secondMoment(i)), "second moment " + i);
                }
            }
            assertEquals(c.priorSteps() + 1, adam.steps());
        });
    }

    /** torch.optim.Adam's update in float, element by element (the rule the class documents). */
    private static void scalarAdam(float[] w, float[] g, float[] m, float[] v, AdamOptimizer.Coefficients k) {
        float b1 = k.beta1(), b2 = k.beta2();
        for (int j = 0; j < w.length; j++) {
            m[j] = b1 * m[j] + (1 - b1) * g[j];
            v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
            w[j] -= k.stepSize() * m[j] / ((float) Math.sqrt(v[j]) * k.invSqrtBc2() + k.eps());
        }
    }

    @Test
    void clipNormIsTheFloat64NormAndScalesToTheMaximum() {
        Props.qt(20261209, 80).forAll(cases()).checkAssert(c -> {
            SplittableRandom r = new SplittableRandom(c.seed());
            List<Tensor> ps = params(c, r);
            setGradients(ps, r, Math.pow(10, c.scaleExp()));
            double sq = 0;
            long n = 0;
            for (Tensor p : ps) for (float g : p.gradData()) { sq += (double) g * g; n++; }
            double exact = Math.sqrt(sq), max = 1.0;
            double norm = AdamOptimizer.clipGradNorm(ps, max);
            // Squares of floats are exact in double; n double additions: relative error of the sum ≤ γ_n
            // (double u = 2^-53), halved by the square root.
            double bound = n * 0x1p-53 * exact;
            assertEquals(exact, norm, 2 * bound, "norm");
            double after = 0;
            for (Tensor p : ps) for (float g : p.gradData()) after += (double) g * g;
            after = Math.sqrt(after);
            if (exact > max) {
                // Each gradient scaled by the float of max/(norm + 1e-6): within a few float roundings of max.
                assertEquals(max * exact / (exact + 1e-6), after, 4 * 0x1p-24 * max, "norm after clipping");
            } else {
                assertEquals(exact, after, 2 * bound, "an unclipped gradient is left as it was");
            }
        });
    }

    @Test
    void fusedPassGivesTheBitsOfTheSeparateCallsOnAnyThreadCount() {
        Props.qt(20261210, 60).forAll(cases(), ints(1, 3)).checkAssert((c, threads) -> {
            SplittableRandom r1 = new SplittableRandom(c.seed()), r2 = new SplittableRandom(c.seed());
            List<Tensor> sep = params(c, r1), fused = params(c, r2);
            AdamOptimizer a1 = new AdamOptimizer(sep), a2 = new AdamOptimizer(fused);
            double lr = 1e-3, max = 1.0;
            boolean clipped = false;
            for (int step = 1; step <= c.priorSteps() + 1; step++) {
                setGradients(sep, r1, Math.pow(10, c.scaleExp()));
                setGradients(fused, r2, Math.pow(10, c.scaleExp()));
                double n1 = AdamOptimizer.clipGradNorm(sep, max);
                a1.step(lr);
                DecoderNorms.normalizeRows(sep.get(2).data(), c.rows(), c.d(), 1f);
                int saved = Parallel.parallelism();
                Parallel.setParallelism(threads);
                double n2;
                try {
                    n2 = a2.clipAndStep(lr, max, 2, c.d());
                } finally {
                    Parallel.setParallelism(saved);
                }
                clipped |= n1 > max;
                assertEquals(Double.doubleToLongBits(n1), Double.doubleToLongBits(n2), "gradient norm at step " + step);
                for (int i = 0; i < 4; i++) {
                    assertArrayEquals(bits(sep.get(i).data()), bits(fused.get(i).data()), "parameter " + i + " after step " + step + " on " + threads + " threads");
                    assertArrayEquals(bits(a1.firstMoment(i)), bits(a2.firstMoment(i)), "first moment " + i);
                    assertArrayEquals(bits(a1.secondMoment(i)), bits(a2.secondMoment(i)), "second moment " + i);
                }
            }
            float[] w = fused.get(2).data();
            for (int j = 0; j < c.rows(); j++) {
                double nn = 0;
                for (int e = 0; e < c.d(); e++) nn += (double) w[j * c.d() + e] * w[j * c.d() + e];
                // d float products summed, then the scale's rounding: a unit row is within (d + 2)·u of 1 in norm².
                assertEquals(1.0, nn, 2 * (c.d() + 2) * 0x1p-24 * 2, "row " + j + " is unit after the fused pass");
            }
            if (c.scaleExp() >= 1) assertTrue(clipped, "gradients at 10^" + c.scaleExp() + " were never clipped");
        });
    }

    /**
     * {@link #params} with a decoder (parameter 2) of more than {@link AdamOptimizer#CHUNK} floats when
     * {@code big}, so the norm's chunks start and end inside its rows (unless d divides the chunk), and
     * with row 0 zero in a third of the cases (a row with no direction keeps its gradient).
     */
    private static List<Tensor> tangentParams(Case c, SplittableRandom r) {
        int rows = c.rows() + (c.big() ? AdamOptimizer.CHUNK / c.d() + 2 : 0);
        Tensor a = Tensor.of(gauss(r, c.rows() * c.d(), 1), c.rows(), c.d());
        Tensor b = Tensor.of(gauss(r, 5, 1), 5);
        Tensor w = Tensor.of(gauss(r, rows * c.d(), 1), rows, c.d());
        if (Math.floorMod(c.seed(), 3) == 0) java.util.Arrays.fill(w.data(), 0, c.d(), 0f);
        DecoderNorms.normalizeRows(w.data(), rows, c.d(), 1f);
        Tensor bias = Tensor.of(gauss(r, c.d(), 1), c.d());
        List<Tensor> ps = List.of(a, b, w, bias);
        for (Tensor p : ps) p.setRequiresGrad(true);
        return ps;
    }

    @Test
    void fusedPassWithTangentRowsGivesTheBitsOfRemovalThenTheSeparateCalls() {
        java.util.concurrent.atomic.AtomicInteger straddled = new java.util.concurrent.atomic.AtomicInteger(),
                clipping = new java.util.concurrent.atomic.AtomicInteger(), notClipping = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger onGrid = new java.util.concurrent.atomic.AtomicInteger(), offGrid = new java.util.concurrent.atomic.AtomicInteger();
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        // Half the cases with rows on the vector grid (d a multiple of the lanes): the norm pass then sums each row as it takes its coefficient.
        Gen<Case> cases = cases().zip(SourceDSL.booleans().all(), (c, grid) -> grid
                ? new Case(c.rows(), lanes * (1 + c.d() % 5), c.big(), c.scaleExp(), c.priorSteps(), c.seed()) : c);
        Props.qt(20261211, 40).forAll(cases, ints(1, 3)).checkAssert((c, threads) -> {
            if (c.d() % lanes == 0) onGrid.incrementAndGet(); else offGrid.incrementAndGet();
            SplittableRandom r1 = new SplittableRandom(c.seed()), r2 = new SplittableRandom(c.seed());
            List<Tensor> sep = tangentParams(c, r1), fused = tangentParams(c, r2);
            int rows = sep.get(2).dim(0);
            if (rows * c.d() > AdamOptimizer.CHUNK && AdamOptimizer.CHUNK % c.d() != 0) straddled.incrementAndGet();
            AdamOptimizer a1 = new AdamOptimizer(sep), a2 = new AdamOptimizer(fused);
            // Half the cases without clipping: the update's pass then computes the rows' coefficients itself.
            double lr = 1e-3, max = Math.floorMod(c.seed() >> 1, 2) == 0 ? 1.0 : Double.NaN;
            if (max > 0) clipping.incrementAndGet(); else notClipping.incrementAndGet();
            for (int step = 1; step <= c.priorSteps() + 1; step++) {
                setGradients(sep, r1, Math.pow(10, c.scaleExp()));
                setGradients(fused, r2, Math.pow(10, c.scaleExp()));
                int[] backwardBits = bits(fused.get(2).gradData());
                DecoderNorms.removeParallelComponent(sep.get(2).data(), sep.get(2).gradData(), rows, c.d());
                // The removal did something to remove (else matching it would prove nothing), unless the only row is the zero one.
                boolean someRow = rows > 1 || Math.floorMod(c.seed(), 3) != 0;
                if (someRow) assertTrue(!java.util.Arrays.equals(backwardBits, bits(sep.get(2).gradData())), "the removal changed no gradient at step " + step);
                double n1 = max > 0 ? AdamOptimizer.clipGradNorm(sep, max) : Double.NaN;
                a1.step(lr);
                DecoderNorms.normalizeRows(sep.get(2).data(), rows, c.d(), 1f);
                int saved = Parallel.parallelism();
                Parallel.setParallelism(threads);
                double n2;
                try {
                    n2 = a2.clipAndStep(lr, max, 2, c.d(), true);
                } finally {
                    Parallel.setParallelism(saved);
                }
                assertEquals(Double.doubleToLongBits(n1), Double.doubleToLongBits(n2), "gradient norm at step " + step);
                for (int i = 0; i < 4; i++) {
                    assertArrayEquals(bits(sep.get(i).data()), bits(fused.get(i).data()), "parameter " + i + " after step " + step + " on " + threads + " threads");
                    assertArrayEquals(bits(a1.firstMoment(i)), bits(a2.firstMoment(i)), "first moment " + i);
                    assertArrayEquals(bits(a1.secondMoment(i)), bits(a2.secondMoment(i)), "second moment " + i);
                }
                assertArrayEquals(backwardBits, bits(fused.get(2).gradData()), "the fused pass leaves the decoder gradient as backward wrote it");
            }
        });
        assertTrue(straddled.get() > 0, "no case had the norm's chunks start inside a decoder row");
        assertTrue(onGrid.get() > 0 && offGrid.get() > 0, "cases with rows on and off the vector grid: " + onGrid + " and " + offGrid);
        assertTrue(clipping.get() > 0 && notClipping.get() > 0, "cases with and without clipping: " + clipping + " and " + notClipping);
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) b[i] = Float.floatToRawIntBits(a[i]);
        return b;
    }
}
