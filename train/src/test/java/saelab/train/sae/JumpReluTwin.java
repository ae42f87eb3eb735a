package saelab.train.sae;

/**
 * An independent float64 JumpReLU SAE and loss, written from the paper's equations (not from
 * {@link JumpReluSae}): plain loops over w = {W_enc [d·m], b_enc [m], W_dec [m·d], b_dec [d],
 * θ [m]}. {@link #loss} and its terms are exact functions of w; {@link #thresholdGradient} is the
 * gradient the straight-through estimators define for θ, computed by hand.
 *
 * @param lambda the L0 coefficient already scaled by the warm-up (λ(t))
 * @param target the target L0 (0: the plain λ·L0 form)
 */
record JumpReluTwin(int rows, int d, int m, double[] x, double eps, boolean applyBDec, double lambda, double target) {

    static final int W_ENC = 0, B_ENC = 1, W_DEC = 2, B_DEC = 3, THETA = 4;

    double[] pre(double[][] w) {
        double[] pre = new double[rows * m];
        for (int b = 0; b < rows; b++) {
            for (int j = 0; j < m; j++) {
                double s = w[B_ENC][j];
                for (int e = 0; e < d; e++) s += (x[b * d + e] - (applyBDec ? w[B_DEC][e] : 0)) * w[W_ENC][e * m + j];
                pre[b * m + j] = s;
            }
        }
        return pre;
    }

    double[] latents(double[][] w, double[] pre) {
        double[] f = new double[rows * m];
        for (int i = 0; i < f.length; i++) f[i] = pre[i] > w[THETA][i % m] ? pre[i] : 0;
        return f;
    }

    /** x̂ − x, [rows·d]. */
    double[] residual(double[][] w, double[] f) {
        double[] r = new double[rows * d];
        for (int b = 0; b < rows; b++) {
            for (int e = 0; e < d; e++) {
                double s = w[B_DEC][e] - x[b * d + e];
                for (int j = 0; j < m; j++) s += f[b * m + j] * w[W_DEC][j * d + e];
                r[b * d + e] = s;
            }
        }
        return r;
    }

    double recon(double[][] w) {
        double[] r = residual(w, latents(w, pre(w)));
        double s = 0;
        for (double v : r) s += v * v;
        return s / rows;
    }

    /** Mean over rows of the number of latents with pre &gt; θ. */
    double l0(double[][] w) {
        double[] pre = pre(w);
        int n = 0;
        for (int i = 0; i < pre.length; i++) if (pre[i] > w[THETA][i % m]) n++;
        return (double) n / rows;
    }

    double l0Term(double[][] w) {
        double l0 = l0(w);
        return target > 0 ? lambda * (l0 / target - 1) * (l0 / target - 1) : lambda * l0;
    }

    double loss(double[][] w) { return recon(w) + l0Term(w); }

    /** Whether z − θ lies strictly inside the rectangle kernel's window (−ε/2, ε/2). */
    boolean inWindow(double z, double theta) {
        double u = (z - theta) / eps;
        return u > -0.5 && u < 0.5;
    }

    /**
     * dL/dθ_j by the estimators: Σ_b K_bj·[−(θ_j/ε)·∂recon/∂f_bj − (1/ε)·∂(l0 term)/∂L0 / rows],
     * where ∂recon/∂f_bj = (2/rows)·Σ_e (x̂ − x)_be·W_dec[j, e]. {@code recon} and {@code l0Part}
     * pick one term's part.
     */
    double[] thresholdGradient(double[][] w, boolean recon, boolean l0Part) {
        double[] pre = pre(w), r = residual(w, latents(w, pre)), g = new double[m];
        double dPen = dPenalty(w);
        for (int b = 0; b < rows; b++) {
            for (int j = 0; j < m; j++) {
                if (!inWindow(pre[b * m + j], w[THETA][j])) continue;
                double df = 0;
                for (int e = 0; e < d; e++) df += 2 * r[b * d + e] * w[W_DEC][j * d + e] / rows;
                if (recon) g[j] += -(w[THETA][j] / eps) * df;
                if (l0Part) g[j] += -(1 / eps) * dPen / rows;
            }
        }
        return g;
    }

    /**
     * Per latent, the sum of the magnitudes of everything float32 adds up for θ_j's gradient
     * (the S of the bound in {@link JumpReluGradientProperties}): Σ_b K_bj·[(θ_j/ε)·(2/rows)·
     * Σ_e (Σ_i |f_bi·W_dec[i, e]| + |b_dec,e| + |x_be| + |r_be|)·|W_dec[j, e]| + |∂(l0 term)/∂L0|/(ε·rows)].
     */
    double[] thresholdGradientScale(double[][] w, boolean recon, boolean l0Part) {
        double[] pre = pre(w), f = latents(w, pre), r = residual(w, f), s = new double[m];
        double dPen = Math.abs(dPenalty(w));
        for (int b = 0; b < rows; b++) {
            for (int j = 0; j < m; j++) {
                if (!inWindow(pre[b * m + j], w[THETA][j])) continue;
                double df = 0;
                for (int e = 0; e < d; e++) {
                    double a = Math.abs(w[B_DEC][e]) + Math.abs(x[b * d + e]) + Math.abs(r[b * d + e]);
                    for (int i = 0; i < m; i++) a += Math.abs(f[b * m + i] * w[W_DEC][i * d + e]);
                    df += 2 * a * Math.abs(w[W_DEC][j * d + e]) / rows;
                }
                if (recon) s[j] += (Math.abs(w[THETA][j]) / eps) * df;
                if (l0Part) s[j] += dPen / (eps * rows);
            }
        }
        return s;
    }

    /** ∂(l0 term)/∂L0. */
    double dPenalty(double[][] w) {
        return target > 0 ? 2 * lambda * (l0(w) / target - 1) / target : lambda;
    }

    /** Σ_b Σ_e (Σ_i |f_bi·W_dec[i, e]| + |b_dec,e| + |x_be| + |r_be|)²/rows: bounds what float32 sums for the reconstruction. */
    double reconScale(double[][] w) {
        double[] f = latents(w, pre(w)), r = residual(w, f);
        double s = 0;
        for (int b = 0; b < rows; b++) {
            for (int e = 0; e < d; e++) {
                double a = Math.abs(w[B_DEC][e]) + Math.abs(x[b * d + e]) + Math.abs(r[b * d + e]);
                for (int i = 0; i < m; i++) a += Math.abs(f[b * m + i] * w[W_DEC][i * d + e]);
                s += a * a;
            }
        }
        return s / rows;
    }
}
