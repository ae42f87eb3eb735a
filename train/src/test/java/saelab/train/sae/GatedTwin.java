package saelab.train.sae;

/**
 * An independent float64 Gated SAE and loss, written from the paper's equations (not from
 * {@link GatedSae}): plain loops over w = {W_enc [d·m], b_gate [m], r_mag [m], b_mag [m],
 * W_dec [m·d], b_dec [d]}, with W_mag = W_enc ⊙ exp(r_mag) formed as in the paper (not
 * regrouped). The auxiliary term decodes through {@code frozenWDec} and {@code frozenBDec},
 * copies taken once: perturbing w's W_dec or b_dec never moves them, which is what the
 * stop-gradient means.
 *
 * @param lambda the L1 coefficient already scaled by the warm-up (λ(t))
 */
record GatedTwin(int rows, int d, int m, double[] x, double lambda, double[] frozenWDec, double[] frozenBDec) {

    static final int W_ENC = 0, B_GATE = 1, R_MAG = 2, B_MAG = 3, W_DEC = 4, B_DEC = 5;

    /** π_gate [rows·m]. */
    double[] gatePre(double[][] w) {
        double[] p = new double[rows * m];
        for (int b = 0; b < rows; b++) {
            for (int j = 0; j < m; j++) {
                double s = w[B_GATE][j];
                for (int e = 0; e < d; e++) s += (x[b * d + e] - w[B_DEC][e]) * w[W_ENC][e * m + j];
                p[b * m + j] = s;
            }
        }
        return p;
    }

    /** π_mag = (x − b_dec)·(W_enc ⊙ exp(r_mag)) + b_mag [rows·m]. */
    double[] magnitudePre(double[][] w) {
        double[] p = new double[rows * m];
        for (int b = 0; b < rows; b++) {
            for (int j = 0; j < m; j++) {
                double s = w[B_MAG][j];
                for (int e = 0; e < d; e++) s += (x[b * d + e] - w[B_DEC][e]) * (w[W_ENC][e * m + j] * Math.exp(w[R_MAG][j]));
                p[b * m + j] = s;
            }
        }
        return p;
    }

    double[] latents(double[][] w) {
        double[] g = gatePre(w), mag = magnitudePre(w), f = new double[rows * m];
        for (int i = 0; i < f.length; i++) f[i] = g[i] > 0 ? Math.max(mag[i], 0) : 0;
        return f;
    }

    /** mean over rows of ‖x − (a·W + b)‖². */
    double decodeError(double[] a, double[] wDec, double[] bDec) {
        double s = 0;
        for (int b = 0; b < rows; b++) {
            for (int e = 0; e < d; e++) {
                double v = bDec[e] - x[b * d + e];
                for (int j = 0; j < m; j++) v += a[b * m + j] * wDec[j * d + e];
                s += v * v;
            }
        }
        return s / rows;
    }

    double recon(double[][] w) { return decodeError(latents(w), w[W_DEC], w[B_DEC]); }

    /** mean over rows of Σ_j ReLU(π_gate). */
    double l1(double[][] w) {
        double s = 0;
        for (double v : gatePre(w)) s += Math.max(v, 0);
        return s / rows;
    }

    double l1Term(double[][] w) { return lambda * l1(w); }

    double auxGate(double[][] w) {
        double[] g = gatePre(w);
        for (int i = 0; i < g.length; i++) g[i] = Math.max(g[i], 0);
        return decodeError(g, frozenWDec, frozenBDec);
    }

    double loss(double[][] w) { return recon(w) + l1Term(w) + auxGate(w); }

    // ---------------------------------------------------------------- magnitudes for the value bounds

    /**
     * P_bj = |bias_j| + Σ_e (|x_be| + |b_dec,e|)·|W_enc[e, j]|·c_j, c = exp(r_mag) for the
     * magnitude path and 1 for the gate: the sum of the magnitudes float32 adds up for π [rows·m].
     */
    double[] preScale(double[][] w, boolean magnitude) {
        double[] p = new double[rows * m];
        for (int b = 0; b < rows; b++) {
            for (int j = 0; j < m; j++) {
                double c = magnitude ? Math.exp(w[R_MAG][j]) : 1, s = Math.abs(w[magnitude ? B_MAG : B_GATE][j]);
                for (int e = 0; e < d; e++) s += (Math.abs(x[b * d + e]) + Math.abs(w[B_DEC][e])) * Math.abs(w[W_ENC][e * m + j]) * c;
                p[b * m + j] = s;
            }
        }
        return p;
    }

    /**
     * Σ_b Σ_e A_be²/rows with A_be = |b_e| + |x_be| + Σ_j (|a_bj| + P_bj)·|W[j, e]|: bounds what
     * float32 sums for a decode error whose codes a carry the error of their pre-activations.
     */
    double decodeScale(double[] a, double[] p, double[] wDec, double[] bDec) {
        double s = 0;
        for (int b = 0; b < rows; b++) {
            for (int e = 0; e < d; e++) {
                double v = Math.abs(bDec[e]) + Math.abs(x[b * d + e]);
                for (int j = 0; j < m; j++) v += (Math.abs(a[b * m + j]) + p[b * m + j]) * Math.abs(wDec[j * d + e]);
                s += v * v;
            }
        }
        return s / rows;
    }

    double reconScale(double[][] w) { return decodeScale(latents(w), preScale(w, true), w[W_DEC], w[B_DEC]); }

    double auxScale(double[][] w) {
        double[] g = gatePre(w);
        for (int i = 0; i < g.length; i++) g[i] = Math.max(g[i], 0);
        return decodeScale(g, preScale(w, false), frozenWDec, frozenBDec);
    }

    double l1Scale(double[][] w) {
        double s = 0;
        for (double v : preScale(w, false)) s += v;
        return lambda * s / rows;
    }
}
