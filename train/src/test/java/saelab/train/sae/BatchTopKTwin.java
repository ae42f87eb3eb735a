package saelab.train.sae;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * An independent float64 twin of the BatchTopK and Matryoshka BatchTopK training losses, written
 * from dictionary_learning's definitions with dense loops (no shared code with the sparse
 * kernels): the batch selection sorts all B·m ReLU values, each prefix decodes densely. BatchTopK
 * is the one-group case with weight 1 (the mean over one prefix of 1·l is l). The auxiliary loss's
 * residual is a constant of the loss (detached in training): computed once at the unperturbed
 * parameters and passed in.
 */
final class BatchTopKTwin {
    final int d, m, k, rows;
    final double[] x;
    final int[] widths;
    final double[] weights;
    final boolean[] dead;
    final int kAux;
    final double auxkAlpha;

    BatchTopKTwin(int d, int m, int k, int rows, double[] x, int[] widths, double[] weights, boolean[] dead, int kAux, double auxkAlpha) {
        this.d = d; this.m = m; this.k = k; this.rows = rows; this.x = x;
        this.widths = widths; this.weights = weights; this.dead = dead; this.kAux = kAux; this.auxkAlpha = auxkAlpha;
    }

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

    /** Flat positions (b·m + j) of the batch, by pre descending, ties to the lower position. */
    Integer[] ranked(double[] pre) {
        Integer[] order = IntStream.range(0, pre.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -pre[i]).thenComparingInt(i -> i));
        return order;
    }

    /** Dense codes [rows, m]: the k·rows largest ReLU values of the batch, the rest 0. */
    double[] codes(double[] pre) {
        double[] f = new double[rows * m];
        Integer[] order = ranked(pre);
        for (int q = 0; q < k * rows; q++) f[order[q]] = Math.max(0, pre[order[q]]);
        return f;
    }

    /** b_dec + Σ_{j < width} f_j·W_dec[j]. */
    double[] reconstruction(double[] f, double[] wDec, double[] bDec, int width) {
        double[] xh = new double[rows * d];
        for (int b = 0; b < rows; b++) {
            for (int e = 0; e < d; e++) {
                double s = bDec[e];
                for (int j = 0; j < width; j++) s += f[b * m + j] * wDec[j * d + e];
                xh[b * d + e] = s;
            }
        }
        return xh;
    }

    /** mean_b ‖a_b − c_b‖². */
    double meanSquaredDistance(double[] a, double[] c) {
        double s = 0;
        for (int i = 0; i < rows * d; i++) s += (a[i] - c[i]) * (a[i] - c[i]);
        return s / rows;
    }

    /** Each prefix's l_i, in prefix order. */
    double[] prefixLosses(double[] wEnc, double[] bEnc, double[] wDec, double[] bDec) {
        double[] f = codes(pre(wEnc, bEnc, bDec));
        double[] l = new double[widths.length];
        for (int g = 0; g < widths.length; g++) l[g] = meanSquaredDistance(x, reconstruction(f, wDec, bDec, widths[g]));
        return l;
    }

    /** x − x̂ of the whole dictionary. */
    double[] residual(double[] wEnc, double[] bEnc, double[] wDec, double[] bDec) {
        double[] xh = reconstruction(codes(pre(wEnc, bEnc, bDec)), wDec, bDec, m);
        double[] r = new double[rows * d];
        for (int i = 0; i < r.length; i++) r[i] = x[i] - xh[i];
        return r;
    }

    int deadCount() {
        int n = 0;
        if (dead != null) for (boolean b : dead) if (b) n++;
        return n;
    }

    /** Per row, the min(kAux, dead) dead latents with the largest pre (ties to the lower latent). */
    int[] auxTop(double[] pre, int b) {
        int kk = Math.min(kAux, deadCount());
        return IntStream.range(0, m).filter(j -> dead[j]).boxed()
                .sorted(Comparator.<Integer>comparingDouble(j -> -pre[b * m + j]).thenComparingInt(j -> j))
                .limit(kk).mapToInt(Integer::intValue).toArray();
    }

    /** The normalised auxiliary loss at these parameters for residual e, NaN when it does not apply. */
    double auxk(double[] wEnc, double[] bEnc, double[] wDec, double[] bDec, double[] e) {
        if (deadCount() == 0 || kAux == 0) return Double.NaN;
        double[] mean = new double[d];
        for (int i = 0; i < e.length; i++) mean[i % d] += e[i] / rows;
        double denom = 0;
        for (int i = 0; i < e.length; i++) denom += (e[i] - mean[i % d]) * (e[i] - mean[i % d]);
        denom /= rows;
        if (!(denom > 0)) return Double.NaN;
        double[] pre = pre(wEnc, bEnc, bDec);
        double num = 0;
        for (int b = 0; b < rows; b++) {
            double[] eh = new double[d];
            for (int j : auxTop(pre, b)) {
                double v = Math.max(0, pre[b * m + j]);
                for (int c = 0; c < d; c++) eh[c] += v * wDec[j * d + c];
            }
            for (int c = 0; c < d; c++) num += (e[b * d + c] - eh[c]) * (e[b * d + c] - eh[c]);
        }
        return num / rows / denom;
    }

    /** (1/G)·Σ λ_i·l_i + auxk_alpha·AuxK (the latter when it applies and auxk_alpha > 0). */
    double loss(double[] wEnc, double[] bEnc, double[] wDec, double[] bDec, double[] e) {
        double[] l = prefixLosses(wEnc, bEnc, wDec, bDec);
        double s = 0;
        for (int g = 0; g < l.length; g++) s += weights[g] * l[g];
        s /= l.length;
        if (auxkAlpha > 0) {
            double a = auxk(wEnc, bEnc, wDec, bDec, e);
            if (!Double.isNaN(a)) s += auxkAlpha * a;
        }
        return s;
    }

    /**
     * The smallest distance of a decision of the loss from flipping: every |pre| (the ReLU kinks),
     * the gap between the last kept and first dropped value of the batch selection when the last
     * kept one is positive, and the same per row for the auxiliary selection among dead latents.
     */
    double margin(double[] pre) {
        double mg = Double.POSITIVE_INFINITY;
        for (double p : pre) mg = Math.min(mg, Math.abs(p));
        Integer[] order = ranked(pre);
        int keep = k * rows;
        if (keep < order.length && pre[order[keep - 1]] > 0) mg = Math.min(mg, pre[order[keep - 1]] - pre[order[keep]]);
        if (auxkAlpha > 0 && deadCount() > 0) {
            int kk = Math.min(kAux, deadCount());
            for (int b = 0; b < rows; b++) {
                int bb = b;
                double[] deadPre = IntStream.range(0, m).filter(j -> dead[j]).mapToDouble(j -> pre[bb * m + j])
                        .boxed().sorted(Comparator.reverseOrder()).mapToDouble(Double::doubleValue).toArray();
                if (kk < deadPre.length && deadPre[kk - 1] > 0) mg = Math.min(mg, deadPre[kk - 1] - deadPre[kk]);
            }
        }
        return mg;
    }
}
