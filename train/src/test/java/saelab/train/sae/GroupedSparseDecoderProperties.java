package saelab.train.sae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static saelab.train.Props.qt;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import saelab.tensor.Tensor;
import saelab.tensor.kernels.Parallel;

/**
 * The grouped sparse decoder against dense float64 sums written here: its output (each group's
 * partial reconstruction) and, the op being linear in each input, its exact gradients for a random
 * upstream gradient: dvalue[b, s] = Σ_e dout[g(j)·B + b, e]·W_dec[j, e] for a non-empty slot (0 for
 * padding), dW_dec[j, e] = Σ_{slots of j} value·dout[g(j)·B + b, e]. Each float32 entry is a sum of
 * at most n = max(d, slots) products, so its error is at most n·u·Σ|terms|; asserted within
 * 2·n·u·Σ|terms| + 1e-30, Σ|terms| computed alongside. Sizes reach several row tasks (16 rows each)
 * and latent tasks (64 latents each), and the results must not depend on the number of threads.
 */
class GroupedSparseDecoderProperties {

    static final double U = 0x1p-24;

    @Test
    void partialsAndGradientsMatchDenseSumsOnAnyNumberOfThreads() {
        int saved = Parallel.parallelism();
        try {
            qt(1321, 40).forAll(integers().between(1, 70), integers().between(1, 150), integers().between(1, 9), longs().all())
                    .checkAssert((rows, m, d, seed) -> {
                        SplittableRandom rng = new SplittableRandom(seed);
                        int k = 1 + rng.nextInt(Math.min(m, 12));
                        int groups = 1 + rng.nextInt(Math.min(m, 5));
                        // Any labelling works for the op (Matryoshka's groups are consecutive ranges).
                        int[] groupOf = rng.ints(m, 0, groups).toArray();
                        int[] idx = new int[rows * k];
                        float[] val = new float[rows * k];
                        for (int b = 0; b < rows; b++) {
                            int[] perm = rng.ints(0, m).distinct().limit(k).toArray();
                            for (int s = 0; s < k; s++) {
                                idx[b * k + s] = perm[s];
                                val[b * k + s] = rng.nextInt(4) == 0 ? 0f : (float) rng.nextDouble(0.1, 2);
                            }
                        }
                        float[] w = BatchTopKCases.gauss(rng, m * d, 1), up = BatchTopKCases.gauss(rng, groups * rows * d, 1);

                        Parallel.setParallelism(1);
                        Run one = run(val, idx, w, up, rows, k, m, d, groupOf, groups);
                        Parallel.setParallelism(Math.max(2, saved));
                        Run many = run(val, idx, w, up, rows, k, m, d, groupOf, groups);
                        assertArrayEquals(one.out, many.out, "output depends on the number of threads");
                        assertArrayEquals(one.gv, many.gv, "value gradient depends on the number of threads");
                        assertArrayEquals(one.gw, many.gw, "W_dec gradient depends on the number of threads");

                        double[] out = new double[groups * rows * d], outAbs = new double[out.length];
                        double[] gw = new double[m * d], gwAbs = new double[m * d];
                        for (int b = 0; b < rows; b++) {
                            for (int s = 0; s < k; s++) {
                                int j = idx[b * k + s], row = groupOf[j] * rows + b;
                                double v = val[b * k + s], gv = 0, gvAbs = 0;
                                for (int e = 0; e < d; e++) {
                                    out[row * d + e] += v * w[j * d + e];
                                    outAbs[row * d + e] += Math.abs(v * w[j * d + e]);
                                    gv += (double) up[row * d + e] * w[j * d + e];
                                    gvAbs += Math.abs((double) up[row * d + e] * w[j * d + e]);
                                    gw[j * d + e] += v * up[row * d + e];
                                    gwAbs[j * d + e] += Math.abs(v * up[row * d + e]);
                                }
                                double expected = v == 0 ? 0 : gv;
                                assertEquals(expected, many.gv[b * k + s], 2 * d * U * gvAbs + 1e-30, "dvalue[" + b + ", " + s + "]");
                            }
                        }
                        int n = Math.max(d, rows * k);
                        for (int i = 0; i < out.length; i++) assertEquals(out[i], many.out[i], 2 * k * U * outAbs[i] + 1e-30, "partial " + i);
                        for (int i = 0; i < gw.length; i++) assertEquals(gw[i], many.gw[i], 2 * n * U * gwAbs[i] + 1e-30, "dW_dec " + i);
                    });
        } finally {
            Parallel.setParallelism(saved);
        }
    }

    record Run(float[] out, float[] gv, float[] gw) {}

    static Run run(float[] val, int[] idx, float[] w, float[] up, int rows, int k, int m, int d, int[] groupOf, int groups) {
        Tensor values = Tensor.of(val.clone(), rows, k).setRequiresGrad(true);
        Tensor wDec = Tensor.of(w.clone(), m, d).setRequiresGrad(true);
        Tensor out = GroupedSparseDecoder.decode(values, idx, wDec, groupOf, groups);
        assertEquals(groups * rows, out.dim(0));
        out.mul(Tensor.of(up.clone(), groups * rows, d)).sum().backward();
        assertTrue(values.gradData() != null && wDec.gradData() != null, "no gradient reached the inputs");
        return new Run(out.toArray(), values.gradData().clone(), wDec.gradData().clone());
    }
}
