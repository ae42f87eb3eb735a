package saelab.train.penalty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import saelab.tensor.Tensor;
import saelab.train.schedule.Schedule;

/**
 * The orthogonal penalty as the trainer records it: γ(p)·Q with Q, for the chunks of (seed, step),
 * equal to a float64 reference written here, and the gradient that reaches W_dec through
 * autograd equal to γ times central finite differences of that reference. The chunks are a
 * permutation that depends on (seed, step) and nothing else.
 *
 * <p>Tolerances as derived in tensor's GroupedMaxCosineProperties: each cosine within
 * δ = (d + 3)·u of exact (u = 2⁻²⁴), Q within δ(2 + δ); the recorded term is γ·Q rounded to float
 * (u relative); a gradient term within 2(δ + 4u)/(K·|C|·‖w_i‖), times γ and rounded once more.
 */
class OrthogonalPenaltyProperties {
    static final double U = 0x1p-24;

    /** Q for the grouping {@code order} (chunk g = order[⌊g·m/K⌋ .. ⌊(g+1)·m/K⌋)), in float64; {@code gap[0]} the smallest top-two |cos| difference. */
    static double reference(double[][] w, int[] order, int chunks, double[] gap) {
        int m = w.length;
        double q = 0, minGap = Double.POSITIVE_INFINITY;
        for (int g = 0; g < chunks; g++) {
            int start = g * m / chunks, end = (g + 1) * m / chunks;
            double sum = 0;
            for (int a = start; a < end; a++) {
                double best = -1, second = -1;
                for (int b = start; b < end; b++) {
                    if (a == b) continue;
                    double[] x = w[order[a]], y = w[order[b]];
                    double dot = 0, nx = 0, ny = 0;
                    for (int e = 0; e < x.length; e++) { dot += x[e] * y[e]; nx += x[e] * x[e]; ny += y[e] * y[e]; }
                    double c = Math.abs(dot / Math.sqrt(nx * ny));
                    if (c > best) { second = best; best = c; } else if (c > second) second = c;
                }
                sum += best * best;
                if (end - start > 2) minGap = Math.min(minGap, best - second);
            }
            q += sum / ((double) chunks * (end - start));
        }
        if (gap != null) gap[0] = minGap;
        return q;
    }

    /** Unit-norm rows (the trainer keeps W_dec so) in random directions. */
    static float[] unitRows(long seed, int m, int d) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = new float[m * d];
        for (int i = 0; i < m; i++) {
            double n = 0;
            double[] g = new double[d];
            for (int e = 0; e < d; e++) { g[e] = r.nextGaussian(); n += g[e] * g[e]; }
            for (int e = 0; e < d; e++) w[i * d + e] = (float) (g[e] / Math.sqrt(n));
        }
        return w;
    }

    @Test
    void theChunksOfAStepAreAPermutationThatDependsOnSeedAndStepOnly() {
        qt().withFixedSeed(3301).withExamples(200)
                .forAll(longs().all(), longs().between(0, 1L << 40), integers().between(8, 600))
                .checkAssert((seed, step, m) -> {
                    int[] order = OrthogonalPenalty.chunkOrder(seed, step, m);
                    int[] sorted = order.clone();
                    Arrays.sort(sorted);
                    for (int i = 0; i < m; i++) assertEquals(i, sorted[i], "a permutation of 0 … m−1");
                    assertArrayEquals(order, OrthogonalPenalty.chunkOrder(seed, step, m), "the same (seed, step), the same chunks");
                    // m ≥ 8: two independent draws agree with probability 1/m! < 3e-5.
                    assertFalse(Arrays.equals(order, OrthogonalPenalty.chunkOrder(seed, step + 1, m)), "re-drawn at the next step");
                    assertFalse(Arrays.equals(order, OrthogonalPenalty.chunkOrder(seed + 1, step, m)), "another run seed, other chunks");
                });
    }

    @Test
    void theRecordedTermAndItsGradientInWDecMatchTheReference() {
        AtomicInteger differentiated = new AtomicInteger(), cases = new AtomicInteger();
        qt().withFixedSeed(3302).withExamples(80)
                .forAll(integers().between(4, 24), integers().between(2, 12), integers().between(1, 12), longs().all())
                .checkAssert((m, d, chunksRaw, seed) -> {
                    cases.incrementAndGet();
                    int chunks = 1 + (chunksRaw - 1) % (m / 2);
                    long step = Math.floorMod(seed, 1000L);
                    double p = (double) step / 1000;
                    // A schedule, so that the weight read at p is part of what is checked.
                    PenaltyConfig cfg = PenaltyConfig.orthogonal(new Schedule.Linear(0.3, 0.1), chunks);
                    double gamma = 0.3 + (0.1 - 0.3) * p;
                    float[] w = unitRows(seed, m, d);
                    double[][] wd = new double[m][d];
                    for (int q = 0; q < m * d; q++) wd[q / d][q % d] = w[q];
                    int[] order = OrthogonalPenalty.chunkOrder(seed, step, m);
                    double[] gap = new double[1];
                    double want = reference(wd, order, chunks, gap);
                    Tensor wDec = Tensor.of(w.clone(), m, d).setRequiresGrad(true);
                    OrthogonalPenalty.Result r = OrthogonalPenalty.apply(cfg, p, seed, step, wDec);
                    double delta = (d + 3) * U;
                    assertTrue(r.maxCosSquared() > 0, "the penalty is not zero");
                    assertEquals(want, r.maxCosSquared(), 2 * delta * (2 + delta), "Q");
                    assertEquals(gamma, r.weight(), 1e-15, "γ(p)");
                    assertEquals(gamma * want, r.term().item(), gamma * 2 * delta * (2 + delta) + 2 * U * gamma * want, "the recorded term γ·Q");
                    if (gap[0] < 1e-3) return; // a nearest chunk-mate could change within the difference step
                    differentiated.incrementAndGet();
                    r.term().backward();
                    float[] grad = wDec.gradData();
                    // Row i is in at most |C| terms (its own, and one per chunk-mate whose nearest it is),
                    // each of weight 1/(K·|C|) and off by at most 2(δ + 4u)·weight on a unit row: 2(δ + 4u)/K in all.
                    double h = 1e-5, termBound = 2 * (delta + 4 * U) / chunks;
                    for (int i = 0; i < m; i++) {
                        for (int e = 0; e < d; e++) {
                            double keep = wd[i][e];
                            wd[i][e] = keep + h;
                            double up = reference(wd, order, chunks, null);
                            wd[i][e] = keep - h;
                            double down = reference(wd, order, chunks, null);
                            wd[i][e] = keep;
                            double fd = gamma * (up - down) / (2 * h);
                            double tol = 2 * gamma * termBound + 3 * U * Math.abs(fd) + 1e-9;
                            assertEquals(fd, grad[i * d + e], tol, "γ·dQ/dW[" + i + "][" + e + "]");
                        }
                    }
                });
        assertTrue(differentiated.get() >= 0.8 * cases.get(), differentiated + " of " + cases + " cases differentiated");
    }

    @Test
    void aZeroWeightRecordsNoGradientButStillMeasuresQ() {
        int m = 16, d = 8;
        Tensor wDec = Tensor.of(unitRows(4, m, d), m, d).setRequiresGrad(true);
        OrthogonalPenalty.Result r = OrthogonalPenalty.apply(PenaltyConfig.orthogonal(new Schedule.Linear(0.2, 0), 2), 1.0, 4, 9, wDec);
        assertEquals(0, r.term().item());
        assertTrue(r.maxCosSquared() > 0, "Q is measured for the statistics");
        assertTrue(r.term().isLeaf() && !r.term().requiresGrad(), "no op recorded when nobody will read the gradient");
    }
}
