package saelab.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

/**
 * Device code for the co-firing pass of {@code saelab.train.penalty.kernels.CoFiring}: its O(B·k²) part,
 * from TopK indices, in the CPU kernel's arithmetic (double accumulators, the same order within a
 * latent), so the penalty matches to rounding and the activation gradient bit for bit.
 *
 * <p>The host builds what is linear in B·k (per-latent counts, the candidate flags, the postings:
 * for each latent the slots where it fires, in row order). Work-item g of G then takes latents
 * i = g, g+G, …; for each it runs Gustavson's row-by-row product over i's postings into dense
 * accumulators indexed by the partner j, which are row g of G×m scratch arrays owned by that
 * work-item alone: no atomics, and results do not depend on scheduling. It writes only entries it
 * owns: the gradient of i's slots, row i of the decoder gradient, its own statistics slot.
 * The scratch arrays start zeroed (uploaded once) and every pass restores the zeros it touched.
 *
 * <p>Layouts: {@code latent} = count[m] then candidate[m] (1/0); {@code postings} = start[m+1]
 * then the slot list; {@code dims} = rows, k, m, d, G, bins, minCount (1: MIN_COUNT
 * normalisation), decoder (1: W·W overlap), grad (1: write gradients); {@code params[0]} = the
 * threshold t. Outputs: {@code dstats[2g..]} = penalty, Σc; {@code lstats[2g..]} = co-firing
 * pairs, penalized pairs (unordered, j > i); {@code hist[g·bins..]}; {@code gradOut} = dP/dval
 * for the slots of firing candidates (0 for other firing slots), or dP/dW (all rows) for the
 * decoder overlap. (One output array for both: with two, TornadoVM 5.2 never copied dP/dval back.)
 */
final class CoFiringKernel {
    private CoFiringKernel() {}

    /** The launch grid of {@link #pairs} for G work-items, in groups of 64. */
    static WorkerGrid grid(int workers) {
        WorkerGrid w = new WorkerGrid1D(GemmPlan.roundUp(workers, 64));
        w.setLocalWork(64, 1, 1);
        return w;
    }

    static void pairs(KernelContext ctx, IntArray idx, FloatArray val, IntArray latent, IntArray postings,
                      FloatArray w, DoubleArray params, IntArray dims,
                      IntArray both, DoubleArray acc, IntArray touched,
                      DoubleArray dstats, LongArray lstats, LongArray hist, FloatArray gradOut) {
        int g = ctx.globalIdx;
        int rows = dims.get(0);
        int k = dims.get(1);
        int m = dims.get(2);
        int d = dims.get(3);
        int workers = dims.get(4);
        int bins = dims.get(5);
        int minCount = dims.get(6);
        int decoder = dims.get(7);
        int grad = dims.get(8);
        double t = params.get(0);
        // 1 when dP/dval is wanted (activation overlap with gradient); flags combine arithmetically, see below.
        int valGrad = (1 - decoder) * grad;
        if (g < workers) {
            int sb = g * m;
            double pen = 0;
            double sumC = 0;
            long nPairs = 0;
            long nPenalized = 0;
            for (int b = 0; b < bins; b++) {
                hist.set(g * bins + b, 0L);
            }
            for (int i = g; i < m; i += workers) {
                if (decoder == 1) {
                    if (grad == 1) {
                        for (int e = 0; e < d; e++) {
                            gradOut.set(i * d + e, 0f);
                        }
                    }
                }
                int ci = latent.get(i);
                int q0 = postings.get(i);
                int q1 = postings.get(i + 1);
                int active = 0;
                if (ci > 0) {
                    if (latent.get(m + i) == 1) {
                        active = 1;
                    }
                }
                if (active == 1) {
                    int nTouched = 0;
                    for (int q = q0; q < q1; q++) {
                        int slot = postings.get(m + 1 + q);
                        int rowBase = slot - slot % k;
                        double fi = val.get(slot);
                        for (int s = rowBase; s < rowBase + k; s++) {
                            int j = idx.get(s);
                            float vs = val.get(s);
                            // Nested ifs, not &&: TornadoVM 5.2 miscompiles some compound conditions.
                            if (j != i) {
                                if (vs > 0f) {
                                    if (latent.get(m + j) == 1) {
                                        int seen = both.get(sb + j);
                                        if (seen == 0) {
                                            touched.set(sb + nTouched, j);
                                            nTouched++;
                                        }
                                        both.set(sb + j, seen + 1);
                                        acc.set(sb + j, acc.get(sb + j) + fi * vs);
                                    }
                                }
                            }
                        }
                    }
                    double penI = 0;
                    for (int u = 0; u < nTouched; u++) {
                        int j = touched.get(sb + u);
                        int bij = both.get(sb + j);
                        int cj = latent.get(j);
                        double n;
                        if (minCount == 1) {
                            int lesser = ci < cj ? ci : cj;
                            n = (double) bij / lesser;
                        } else {
                            n = (double) bij / rows;
                        }
                        double c;
                        if (t <= 0) {
                            c = n > 0 ? 1.0 : 0.0;
                        } else {
                            c = (n - t) / t;
                            if (c < 0) c = 0;
                            if (c > 1) c = 1;
                        }
                        if (j > i) {
                            nPairs++;
                            sumC += c;
                            if (c > 0) nPenalized++;
                            if (bins > 0) {
                                int bin = (int) (n * bins);
                                if (bin > bins - 1) bin = bins - 1;
                                hist.set(g * bins + bin, hist.get(g * bins + bin) + 1L);
                            }
                        }
                        if (c != 0) {
                            if (decoder == 1) {
                                double dot = 0;
                                for (int e = 0; e < d; e++) {
                                    dot += w.get(i * d + e) * w.get(j * d + e);
                                }
                                penI += c * (dot < 0 ? -dot : dot);
                                if (grad == 1) {
                                    if (dot != 0) {
                                    float alpha = (float) (dot > 0 ? 2 * c : -2 * c);
                                    for (int e = 0; e < d; e++) {
                                        gradOut.set(i * d + e, gradOut.get(i * d + e) + alpha * w.get(j * d + e));
                                    }
                                    }
                                }
                            } else {
                                penI += c * acc.get(sb + j) / rows;
                            }
                        }
                        // From here on the accumulator of j holds c_ij, for the gradient below.
                        acc.set(sb + j, c);
                    }
                    pen += penI;
                    if (valGrad == 1) {
                        for (int q = q0; q < q1; q++) {
                            int slot = postings.get(m + 1 + q);
                            int rowBase = slot - slot % k;
                            double gs = 0;
                            for (int s = rowBase; s < rowBase + k; s++) {
                                int j = idx.get(s);
                                float vs = val.get(s);
                                if (j != i) {
                                    if (vs > 0f) {
                                        gs += acc.get(sb + j) * vs;
                                    }
                                }
                            }
                            gradOut.set(slot, (float) (2 * gs / rows));
                        }
                    }
                    for (int u = 0; u < nTouched; u++) {
                        int j = touched.get(sb + u);
                        both.set(sb + j, 0);
                        acc.set(sb + j, 0.0);
                    }
                }
            }
            dstats.set(2 * g, pen);
            dstats.set(2 * g + 1, sumC);
            lstats.set(2 * g, nPairs);
            lstats.set(2 * g + 1, nPenalized);
        }
    }
}
