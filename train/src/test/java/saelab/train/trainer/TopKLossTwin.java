package saelab.train.trainer;

/**
 * An independent float64 implementation of {@link TopKLoss}, written from the definitions in
 * method.md with dense loops and dense m×m co-firing matrices (no shared code with the sparse
 * kernels), for finite differences. The auxiliary loss's residual e = x − x̂ is a constant of the
 * loss (detached in training), so it is computed once from the unperturbed parameters and
 * passed in; everything else is recomputed from the (perturbed) parameters.
 */
final class TopKLossTwin {
    final int d, m, k, rows;
    final double[] x;
    final double lambda2, threshold, auxkAlpha;
    final boolean decoderTarget, minNorm;
    final boolean[] dead;
    final int kAux;

    TopKLossTwin(int d, int m, int k, int rows, double[] x, double lambda2, double threshold, boolean decoderTarget,
                 boolean minNorm, boolean[] dead, int kAux, double auxkAlpha) {
        this.d = d; this.m = m; this.k = k; this.rows = rows; this.x = x;
        this.lambda2 = lambda2; this.threshold = threshold; this.decoderTarget = decoderTarget; this.minNorm = minNorm;
        this.dead = dead; this.kAux = kAux; this.auxkAlpha = auxkAlpha;
    }

    /** Pre-activations [rows, m]. */
    double[] pre(double[] wEnc, double[] bEnc, double[] bDec) {
        double[] pre = new double[rows * m];
        for (int b = 0; b < rows; b++) {
            for (int j = 0; j < m; j++) {
                double s = bEnc[j];
                for (int e = 0; e < d; e++) s += (x[b * d + e] - bDec[e]) * wEnc[e * m + j];
                pre[b * m + j] = s;
            }
        }
        return pre;
    }

    /** Indices of the kk largest pre among allowed latents, by value descending, ties to the lower index. */
    int[] top(double[] pre, int b, int kk, boolean[] allowed) {
        int[] out = new int[kk];
        boolean[] taken = new boolean[m];
        for (int s = 0; s < kk; s++) {
            int best = -1;
            for (int j = 0; j < m; j++) {
                if (taken[j] || (allowed != null && !allowed[j])) continue;
                if (best < 0 || pre[b * m + j] > pre[b * m + best]) best = j;
            }
            taken[best] = true;
            out[s] = best;
        }
        return out;
    }

    /** Dense codes f [rows, m] of the TopK SAE. */
    double[] codes(double[] pre) {
        double[] f = new double[rows * m];
        for (int b = 0; b < rows; b++) for (int j : top(pre, b, k, null)) f[b * m + j] = Math.max(0, pre[b * m + j]);
        return f;
    }

    double[] reconstruction(double[] f, double[] wDec, double[] bDec) {
        double[] xh = new double[rows * d];
        for (int b = 0; b < rows; b++) {
            for (int e = 0; e < d; e++) {
                double s = bDec[e];
                for (int j = 0; j < m; j++) s += f[b * m + j] * wDec[j * d + e];
                xh[b * d + e] = s;
            }
        }
        return xh;
    }

    /** The residual x − x̂ at these parameters (the auxiliary loss's constant). */
    double[] residual(double[] wEnc, double[] bEnc, double[] wDec, double[] bDec) {
        double[] xh = reconstruction(codes(pre(wEnc, bEnc, bDec)), wDec, bDec);
        double[] r = new double[rows * d];
        for (int i = 0; i < r.length; i++) r[i] = x[i] - xh[i];
        return r;
    }

    double loss(double[] wEnc, double[] bEnc, double[] wDec, double[] bDec, double[] residual) {
        double[] pre = pre(wEnc, bEnc, bDec);
        double[] f = codes(pre);
        double[] xh = reconstruction(f, wDec, bDec);
        double recon = 0;
        for (int i = 0; i < rows * d; i++) recon += (xh[i] - x[i]) * (xh[i] - x[i]);
        double total = recon / rows;
        total += auxkAlpha * auxk(pre, wDec, residual);
        total += lambda2 * penalty(f, wDec);
        return total;
    }

    double auxk(double[] pre, double[] wDec, double[] e) {
        int nDead = 0;
        for (boolean b : dead) if (b) nDead++;
        if (auxkAlpha == 0 || nDead == 0) return 0;
        int kk = Math.min(kAux, nDead);
        double[] mean = new double[d];
        for (int i = 0; i < rows * d; i++) mean[i % d] += e[i] / rows;
        double denom = 0, num = 0;
        for (int i = 0; i < rows * d; i++) denom += (e[i] - mean[i % d]) * (e[i] - mean[i % d]);
        if (!(denom > 0)) return 0;
        for (int b = 0; b < rows; b++) {
            double[] eh = new double[d];
            for (int j : top(pre, b, kk, dead)) {
                double a = Math.max(0, pre[b * m + j]);
                for (int t = 0; t < d; t++) eh[t] += a * wDec[j * d + t];
            }
            for (int t = 0; t < d; t++) num += (eh[t] - e[b * d + t]) * (eh[t] - e[b * d + t]);
        }
        return (num / rows) / (denom / rows);
    }

    /** Σ_{i≠j} c_ij |g_ij| from dense co-firing matrices. */
    double penalty(double[] f, double[] wDec) {
        if (lambda2 == 0) return 0;
        int[] count = new int[m];
        int[][] both = new int[m][m];
        double[][] act = new double[m][m];
        for (int b = 0; b < rows; b++) {
            for (int i = 0; i < m; i++) {
                if (f[b * m + i] > 0) count[i]++;
                for (int j = 0; j < m; j++) {
                    if (f[b * m + i] > 0 && f[b * m + j] > 0) both[i][j]++;
                    act[i][j] += f[b * m + i] * f[b * m + j] / rows;
                }
            }
        }
        double p = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                if (i == j || both[i][j] == 0) continue;
                double n = minNorm ? (double) both[i][j] / Math.min(count[i], count[j]) : (double) both[i][j] / rows;
                double c = threshold == 0 ? 1 : Math.min(1, Math.max(0, (n - threshold) / threshold));
                double g;
                if (decoderTarget) {
                    g = 0;
                    for (int t = 0; t < d; t++) g += wDec[i * d + t] * wDec[j * d + t];
                } else {
                    g = act[i][j];
                }
                p += c * Math.abs(g);
            }
        }
        return p;
    }
}
