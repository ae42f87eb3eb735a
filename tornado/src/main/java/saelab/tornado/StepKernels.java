package saelab.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Device code for the resident TopK training step ({@link ResidentTopKStep}) besides GEMM and
 * TopK: the elementwise, gather and scatter work of the TopK host step (SaeTrainer), each as a kernel
 * over one index space (rows·d, rows·k, m...). Every kernel reads its work-item's global index
 * and bounds-checks it; those of the auxiliary loss also read a gate ({@code gates[AUX_ON]}) and
 * do nothing when the step has no dead latents. Matrices are row-major: x, x̂ and their
 * gradients rows×d, pre-activations and the dense code matrices rows×m, W_enc d×m, W_dec m×d.
 *
 * <p>Written for TornadoVM 5.2's code generator: plain loops and 0/1 arithmetic, no loop in
 * both branches of an if, no short-circuit conditions (see {@link TopKKernel} and
 * {@link GemmKernels#widen} for what goes wrong otherwise).
 */
final class StepKernels {
    private StepKernels() {}

    /** gates[]: the auxiliary loss runs (0/1), and how many of its kept slots count (min(k_aux, dead)). */
    static final int AUX_ON = 0;
    static final int AUX_K = 1;
    /** Always 1: the gate of the GEMM and TopK tasks that every step runs. */
    static final int ALWAYS = 2;
    static final int GATES = 3;

    /** hyper[]: Adam's coefficients for this update, the clip norm, auxk_alpha and the penalty's λ2(p). */
    static final int BETA1 = 0;
    static final int BETA2 = 1;
    static final int STEP_SIZE = 2;
    static final int INV_SQRT_BC2 = 3;
    static final int EPS = 4;
    static final int CLIP = 5;
    static final int AUX_ALPHA = 6;
    static final int LAMBDA2 = 7;
    static final int HYPER = 8;

    /** scal[]: the clip factor applied to every gradient, the norm before it, AuxK's denominator and its gradient factor. */
    static final int CLIP_SCALE = 0;
    static final int GRAD_NORM = 1;
    static final int AUX_DENOM = 2;
    static final int AUX_COEF = 3;
    static final int SCAL = 4;

    /** xc = x − b_dec, rows×d. */
    static void center(KernelContext ctx, FloatArray x, FloatArray bDec, FloatArray xc, int rows, int d) {
        int i = ctx.globalIdx;
        if (i < rows * d) {
            xc.set(i, x.get(i) - bDec.get(i % d));
        }
    }

    /** pre += b_enc on every row. */
    static void addBias(KernelContext ctx, FloatArray pre, FloatArray bEnc, int rows, int m) {
        int i = ctx.globalIdx;
        if (i < rows * m) {
            pre.set(i, pre.get(i) + bEnc.get(i % m));
        }
    }

    /** The TopK of ReLU(pre): values below 0 become 0; kept[b] counts the row's values > 0 (its L0). */
    static void relu(KernelContext ctx, FloatArray val, IntArray kept, int rows, int k) {
        int b = ctx.globalIdx;
        if (b < rows) {
            int n = 0;
            for (int s = 0; s < k; s++) {
                float v = val.get(b * k + s);
                float r = v > 0f ? v : 0f;
                val.set(b * k + s, r);
                n += r > 0f ? 1 : 0;
            }
            kept.set(b, n);
        }
    }

    /**
     * out[b] = bias + Σ_s val[b, s]·W_dec[idx[b, s]], the gather-sum decoder; {@code withBias} 0
     * decodes without b_dec (the auxiliary reconstruction). Zero values add nothing, as on the host.
     */
    static void decode(KernelContext ctx, IntArray gate, int gateAt, FloatArray val, IntArray idx, FloatArray wDec,
                       FloatArray bDec, int withBias, FloatArray out, int rows, int k, int d) {
        int i = ctx.globalIdx;
        if (gate.get(gateAt) == 1) {
            if (i < rows * d) {
                int b = i / d;
                int e = i % d;
                float acc = withBias == 1 ? bDec.get(e) : 0f;
                for (int s = 0; s < k; s++) {
                    float a = val.get(b * k + s);
                    if (a != 0f) {
                        acc += a * wDec.get(idx.get(b * k + s) * d + e);
                    }
                }
                out.set(i, acc);
            }
        }
    }

    /** err = x̂ − x and dx̂ = 2·err/rows: the gradient of mean_b ‖x̂_b − x_b‖². */
    static void residual(KernelContext ctx, FloatArray x, FloatArray xHat, FloatArray err, FloatArray dxHat, int rows, int d) {
        int i = ctx.globalIdx;
        if (i < rows * d) {
            float r = xHat.get(i) - x.get(i);
            err.set(i, r);
            dxHat.set(i, 2f * r * (1f / rows));
        }
    }

    /** out[at + r] = Σ_c a[r, c]²: per-row squared errors, and the partial sums of the gradient norm. */
    static void rowSumSquares(KernelContext ctx, IntArray gate, int gateAt, FloatArray a, FloatArray out, int at, int rows, int cols) {
        int r = ctx.globalIdx;
        if (gate.get(gateAt) == 1) {
            if (r < rows) {
                float s = 0f;
                for (int c = 0; c < cols; c++) {
                    float v = a.get(r * cols + c);
                    s += v * v;
                }
                out.set(at + r, s);
            }
        }
    }

    /** dval[b, s] = val > 0 ? dy_b · W_dec[idx[b, s]] : 0 (ReLU passes gradient only where it is positive). */
    static void valueGrad(KernelContext ctx, IntArray gate, int gateAt, FloatArray dy, FloatArray wDec, IntArray idx,
                          FloatArray val, FloatArray dval, int rows, int k, int d) {
        int i = ctx.globalIdx;
        if (gate.get(gateAt) == 1) {
            if (i < rows * k) {
                int b = i / k;
                int j = idx.get(i);
                float r = 0f;
                if (val.get(i) > 0f) {
                    for (int e = 0; e < d; e++) {
                        r += dy.get(b * d + e) * wDec.get(j * d + e);
                    }
                }
                dval.set(i, r);
            }
        }
    }

    /** out = pre where the latent is dead, −∞ elsewhere: the auxiliary TopK chooses among dead latents only. */
    static void maskDead(KernelContext ctx, IntArray gates, FloatArray pre, IntArray dead, FloatArray out, int rows, int m) {
        int i = ctx.globalIdx;
        if (gates.get(AUX_ON) == 1) {
            if (i < rows * m) {
                out.set(i, dead.get(i % m) == 1 ? pre.get(i) : Float.NEGATIVE_INFINITY);
            }
        }
    }

    /**
     * ReLU of the auxiliary selection, keeping only its first gates[AUX_K] slots: TopK of the
     * first k_eff equals the first k_eff of TopK of kMax (same order), so one compiled selection
     * of kMax serves every count of dead latents; the slots past k_eff (non-dead latents at −∞
     * once dead ones run out) get 0 and so add nothing.
     */
    static void auxRelu(KernelContext ctx, IntArray gates, FloatArray val, int rows, int kMax) {
        int i = ctx.globalIdx;
        if (gates.get(AUX_ON) == 1) {
            if (i < rows * kMax) {
                float v = val.get(i);
                int live = (i % kMax) < gates.get(AUX_K) ? 1 : 0;
                float r = v > 0f ? v : 0f;
                val.set(i, live == 1 ? r : 0f);
            }
        }
    }

    /** mean[e] = Σ_b err[b, e] / rows. */
    static void columnMean(KernelContext ctx, IntArray gates, FloatArray err, FloatArray mean, int rows, int d) {
        int e = ctx.globalIdx;
        if (gates.get(AUX_ON) == 1) {
            if (e < d) {
                float s = 0f;
                for (int b = 0; b < rows; b++) {
                    s += err.get(b * d + e);
                }
                mean.set(e, s / rows);
            }
        }
    }

    /** out[b] = ‖err_b − mean‖²: AuxK's denominator, row by row. */
    static void rowCenteredSumSquares(KernelContext ctx, IntArray gates, FloatArray err, FloatArray mean, FloatArray out,
                                      int rows, int d) {
        int b = ctx.globalIdx;
        if (gates.get(AUX_ON) == 1) {
            if (b < rows) {
                float s = 0f;
                for (int e = 0; e < d; e++) {
                    float v = err.get(b * d + e) - mean.get(e);
                    s += v * v;
                }
                out.set(b, s);
            }
        }
    }

    /**
     * One work-item: AuxK's denominator mean_b ‖e_b − ē‖² and the factor of its gradient,
     * auxk_alpha / (denominator·rows); 0 when the residual has no variance (the host's
     * nan_to_num(0): the term then adds nothing).
     */
    static void auxFactor(KernelContext ctx, IntArray gates, FloatArray rowVar, FloatArray hyper, FloatArray scal, int rows) {
        if (gates.get(AUX_ON) == 1) {
            if (ctx.globalIdx == 0) {
                double s = 0;
                for (int b = 0; b < rows; b++) {
                    s += rowVar.get(b);
                }
                float denom = (float) (s / rows);
                scal.set(AUX_DENOM, denom);
                scal.set(AUX_COEF, denom > 0f ? hyper.get(AUX_ALPHA) * (1f / denom) * (1f / rows) : 0f);
            }
        }
    }

    /**
     * The auxiliary residual, in place: eHat ← ê − e = ê + err (e = x − x̂ = −err), and its
     * gradient d ê = 2·(ê − e)·auxk_alpha / (denominator·rows).
     */
    static void auxResidual(KernelContext ctx, IntArray gates, FloatArray eHat, FloatArray err, FloatArray scal,
                            FloatArray dEHat, int rows, int d) {
        int i = ctx.globalIdx;
        if (gates.get(AUX_ON) == 1) {
            if (i < rows * d) {
                float r = eHat.get(i) + err.get(i);
                eHat.set(i, r);
                dEHat.set(i, 2f * r * scal.get(AUX_COEF));
            }
        }
    }

    /**
     * The activation-overlap penalty's gradient into the code values: dval += λ2·dP/dval on the
     * slots that fired (val > 0) for a candidate latent; the co-firing pass writes no other slot
     * (layouts as in {@link CoFiringKernel}: candidate flags at latent[m + j]).
     */
    static void addPenaltyToValues(KernelContext ctx, FloatArray val, IntArray idx, IntArray latent, FloatArray gradOut,
                                   FloatArray hyper, FloatArray dval, int rows, int k, int m) {
        int i = ctx.globalIdx;
        if (i < rows * k) {
            if (val.get(i) > 0f) {
                if (latent.get(m + idx.get(i)) == 1) {
                    dval.set(i, dval.get(i) + hyper.get(LAMBDA2) * gradOut.get(i));
                }
            }
        }
    }

    /** target += λ2·src: the decoder-overlap penalty's gradient into W_dec's. */
    static void addPenaltyToDecoder(KernelContext ctx, FloatArray target, FloatArray src, FloatArray hyper, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            target.set(i, target.get(i) + hyper.get(LAMBDA2) * src.get(i));
        }
    }

    /** Zeroes n floats (a rows×m code matrix). */
    static void zero(KernelContext ctx, IntArray gate, int gateAt, FloatArray a, int n) {
        int i = ctx.globalIdx;
        if (gate.get(gateAt) == 1) {
            if (i < n) {
                a.set(i, 0f);
            }
        }
    }

    /** fired[j] = 0 for every latent. */
    static void zeroInts(KernelContext ctx, IntArray a, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            a.set(i, 0);
        }
    }

    /**
     * The sparse codes written densely: s[b, idx] = val and dPre[b, idx] = dval, and fired[idx] = 1
     * where val > 0. A row's indices are distinct, so no two work-items write one entry (the
     * firing flags are written 1 by every writer, which any interleaving leaves 1).
     */
    static void scatter(KernelContext ctx, IntArray idx, FloatArray val, FloatArray dval, FloatArray s, FloatArray dPre,
                        IntArray fired, int rows, int k, int m) {
        int i = ctx.globalIdx;
        if (i < rows * k) {
            int b = i / k;
            int j = idx.get(i);
            float v = val.get(i);
            s.set(b * m + j, v);
            dPre.set(b * m + j, dval.get(i));
            if (v > 0f) {
                fired.set(j, 1);
            }
        }
    }

    /** dPre[b, idx] += dvalAux and sAux[b, idx] = valAux (sAux zeroed before): the auxiliary codes. */
    static void scatterAux(KernelContext ctx, IntArray gates, IntArray idx, FloatArray val, FloatArray dval, FloatArray sAux,
                           FloatArray dPre, int rows, int k, int m) {
        int i = ctx.globalIdx;
        if (gates.get(AUX_ON) == 1) {
            if (i < rows * k) {
                int at = (i / k) * m + idx.get(i);
                sAux.set(at, val.get(i));
                dPre.set(at, dPre.get(at) + dval.get(i));
            }
        }
    }

    /** gb_enc[j] = Σ_b dPre[b, j]. */
    static void columnSum(KernelContext ctx, FloatArray dPre, FloatArray gbEnc, int rows, int m) {
        int j = ctx.globalIdx;
        if (j < m) {
            float s = 0f;
            for (int b = 0; b < rows; b++) {
                s += dPre.get(b * m + j);
            }
            gbEnc.set(j, s);
        }
    }

    /** gb_dec[e] = Σ_b dx̂[b, e] − Σ_j W_enc[e, j]·gb_enc[j]: the decoder adds b_dec, the encoder subtracts it. */
    static void bDecGrad(KernelContext ctx, FloatArray dxHat, FloatArray wEnc, FloatArray gbEnc, FloatArray gbDec,
                         int rows, int d, int m) {
        int e = ctx.globalIdx;
        if (e < d) {
            float dec = 0f;
            for (int b = 0; b < rows; b++) {
                dec += dxHat.get(b * d + e);
            }
            float enc = 0f;
            for (int j = 0; j < m; j++) {
                enc += wEnc.get(e * m + j) * gbEnc.get(j);
            }
            gbDec.set(e, dec - enc);
        }
    }

    /** Each decoder row's gradient loses its component along the row (rows are held at unit norm). */
    static void removeParallel(KernelContext ctx, FloatArray w, FloatArray g, int m, int d) {
        int j = ctx.globalIdx;
        if (j < m) {
            float dot = 0f;
            float nn = 0f;
            for (int e = 0; e < d; e++) {
                float we = w.get(j * d + e);
                dot += we * g.get(j * d + e);
                nn += we * we;
            }
            float c = nn > 0f ? dot / nn : 0f;
            for (int e = 0; e < d; e++) {
                g.set(j * d + e, g.get(j * d + e) - c * w.get(j * d + e));
            }
        }
    }

    /**
     * One work-item: the global gradient norm from the per-row partial sums, and the factor
     * torch's clip_grad_norm_ applies, maxNorm / (norm + 1e-6) when the norm exceeds it, else 1.
     */
    static void clipFactor(KernelContext ctx, FloatArray partial, FloatArray hyper, FloatArray scal, int n) {
        if (ctx.globalIdx == 0) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += partial.get(i);
            }
            double norm = TornadoMath.sqrt(s);
            float clip = hyper.get(CLIP);
            float factor = 1f;
            if (clip > 0f) {
                if (norm > clip) {
                    factor = (float) (clip / (norm + 1e-6));
                }
            }
            scal.set(CLIP_SCALE, factor);
            scal.set(GRAD_NORM, (float) norm);
        }
    }

    /** Adam on n entries, with the clipped gradient, as AdamOptimizer.step computes it. */
    static void adam(KernelContext ctx, FloatArray w, FloatArray g, FloatArray mo, FloatArray vo, FloatArray hyper,
                     FloatArray scal, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            float b1 = hyper.get(BETA1);
            float b2 = hyper.get(BETA2);
            float gj = g.get(i) * scal.get(CLIP_SCALE);
            float mi = b1 * mo.get(i) + (1f - b1) * gj;
            float vi = b2 * vo.get(i) + (1f - b2) * gj * gj;
            mo.set(i, mi);
            vo.set(i, vi);
            w.set(i, w.get(i) - hyper.get(STEP_SIZE) * mi / (TornadoMath.sqrt(vi) * hyper.get(INV_SQRT_BC2) + hyper.get(EPS)));
        }
    }

    /** Every decoder row back to unit norm (an all-zero row stays). */
    static void normalizeRows(KernelContext ctx, FloatArray w, int m, int d) {
        int j = ctx.globalIdx;
        if (j < m) {
            float s = 0f;
            for (int e = 0; e < d; e++) {
                float v = w.get(j * d + e);
                s += v * v;
            }
            float c = s > 0f ? 1f / TornadoMath.sqrt(s) : 1f;
            for (int e = 0; e < d; e++) {
                w.set(j * d + e, w.get(j * d + e) * c);
            }
        }
    }

    /** Graph 0's task: it only carries the uploaded state to the device (n is never negative, so nothing is written). */
    static void keep(FloatArray a, FloatArray b, FloatArray c, FloatArray e, FloatArray f, FloatArray g, FloatArray h,
                     FloatArray i, FloatArray j, FloatArray k, FloatArray l, FloatArray o, int n) {
        if (n < 0) {
            a.set(0, b.get(0) + c.get(0) + e.get(0) + f.get(0) + g.get(0) + h.get(0) + i.get(0) + j.get(0) + k.get(0)
                    + l.get(0) + o.get(0));
        }
    }
}
