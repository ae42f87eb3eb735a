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

    /** λ2·P alone at these parameters: the co-firing penalty term of {@link #loss}. */
    double penaltyLoss(double[] wEnc, double[] bEnc, double[] wDec, double[] bDec) {
        return lambda2 * penalty(codes(pre(wEnc, bEnc, bDec)), wDec);
    }

    /**
     * A bound on |λ2·P of a float32 pass − λ2·P here| at these parameters, u = 2⁻²⁴: the float
     * codes are pre-activations summed from d + 1 terms (≤ (d + 2)·u of the sum of their
     * magnitudes), decoder overlaps are float dots of d products (≤ d·u of theirs), activation
     * overlaps are summed in double, and the term is rounded to float once (u).
     */
    double penaltyErrorBound(double[] wEnc, double[] bEnc, double[] wDec, double[] bDec) {
        double u = 0x1p-24;
        double[] f = codes(pre(wEnc, bEnc, bDec));
        double[] mag = new double[rows * m]; // Σ of the magnitudes of each pre-activation's terms
        for (int b = 0; b < rows; b++) {
            for (int j = 0; j < m; j++) {
                double s = Math.abs(bEnc[j]);
                for (int e = 0; e < d; e++) s += Math.abs((x[b * d + e] - bDec[e]) * wEnc[e * m + j]);
                mag[b * m + j] = s;
            }
        }
        CoFiring cf = coFiring(f);
        double sum = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                if (i == j || cf.both()[i][j] == 0) continue;
                double c = weight(cf, i, j), s = 0;
                if (c == 0) continue;
                if (decoderTarget) {
                    for (int t = 0; t < d; t++) s += Math.abs(wDec[i * d + t] * wDec[j * d + t]);
                    sum += c * d * u * s;
                } else {
                    for (int b = 0; b < rows; b++) {
                        if (f[b * m + i] > 0 && f[b * m + j] > 0) s += (mag[b * m + i] * f[b * m + j] + f[b * m + i] * mag[b * m + j]) / rows;
                    }
                    sum += c * (d + 2) * u * s;
                }
            }
        }
        return lambda2 * sum + u * lambda2 * penalty(f, wDec);
    }

    /** Dense co-firing statistics of codes f: per-latent firing counts and per-pair co-firing counts. */
    record CoFiring(int[] count, int[][] both) {}

    CoFiring coFiring(double[] f) {
        int[] count = new int[m];
        int[][] both = new int[m][m];
        for (int b = 0; b < rows; b++) {
            for (int i = 0; i < m; i++) {
                if (!(f[b * m + i] > 0)) continue;
                count[i]++;
                for (int j = 0; j < m; j++) if (f[b * m + j] > 0) both[i][j]++;
            }
        }
        return new CoFiring(count, both);
    }

    /** n_ij of a co-firing pair under this normalisation. */
    double n(CoFiring cf, int i, int j) {
        return minNorm ? (double) cf.both()[i][j] / Math.min(cf.count()[i], cf.count()[j]) : (double) cf.both()[i][j] / rows;
    }

    /** The competition weight c_ij of a co-firing pair (c → [n > 0] as the threshold → 0). */
    double weight(CoFiring cf, int i, int j) {
        double n = n(cf, i, j);
        return threshold == 0 ? 1 : Math.min(1, Math.max(0, (n - threshold) / threshold));
    }

    /** Unordered co-firing pairs whose weight is strictly between 0 and 1. */
    int interiorPairs(double[] f) {
        CoFiring cf = coFiring(f);
        int interior = 0;
        for (int i = 0; i < m; i++) {
            for (int j = i + 1; j < m; j++) {
                if (cf.both()[i][j] == 0) continue;
                double c = weight(cf, i, j);
                if (c > 0 && c < 1) interior++;
            }
        }
        return interior;
    }

    /** Σ_{i≠j} c_ij |g_ij| from dense co-firing matrices. */
    double penalty(double[] f, double[] wDec) {
        if (lambda2 == 0) return 0;
        CoFiring cf = coFiring(f);
        double[][] act = new double[m][m];
        if (!decoderTarget) {
            for (int b = 0; b < rows; b++) {
                for (int i = 0; i < m; i++) {
                    if (!(f[b * m + i] > 0)) continue; // a silent latent adds only zeros
                    for (int j = 0; j < m; j++) act[i][j] += f[b * m + i] * f[b * m + j] / rows;
                }
            }
        }
        double p = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                if (i == j || cf.both()[i][j] == 0) continue;
                double c = weight(cf, i, j);
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
