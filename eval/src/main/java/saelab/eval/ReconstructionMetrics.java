package saelab.eval;

/**
 * SAEBench's core reconstruction metrics for activations x and reconstructions x̂ (N × d,
 * row-major), accumulated in double. Rows flagged in {@code skip} (BOS tokens, by SAEBench's
 * convention) are left out.
 *
 * <p>Explained variance has two correct definitions in circulation, both reported:
 * <ul>
 *   <li>{@code explainedVariance}: 1 − Σ_b‖x_b − x̂_b‖² / Σ_b‖x_b − μ‖², variance about the
 *       batch mean μ (the corrected SAELens formula);</li>
 *   <li>{@code explainedVarianceLegacy}: the per-token mean of 1 − ‖x_b − x̂_b‖² / ‖x_b − μ‖²
 *       (the SAEBench paper's).</li>
 * </ul>
 * Variance about zero (one SAEBench release's mistake, which reads far higher) is not reported.
 *
 * @param mse                  mean over tokens and dimensions of (x − x̂)²
 * @param cosineSimilarity     mean over tokens of cos(x_b, x̂_b)
 * @param l2Ratio              mean over tokens of ‖x̂_b‖ / ‖x_b‖
 * @param relativeBias         Σ‖x̂_b‖² / Σ x̂_b·x_b: 1 when unbiased, below 1 when x̂ shrinks
 */
public record ReconstructionMetrics(int tokens, double mse, double explainedVariance, double explainedVarianceLegacy,
                                    double cosineSimilarity, double l2Ratio, double relativeBias) {

    public static ReconstructionMetrics of(float[] x, float[] xHat, int rows, int d, boolean[] skip) {
        if (x.length < (long) rows * d || xHat.length < (long) rows * d) {
            throw new IllegalArgumentException("x and x̂ must hold rows·d = " + (long) rows * d + " values, got " + x.length + " and " + xHat.length);
        }
        double[] mean = new double[d];
        int n = 0;
        for (int b = 0; b < rows; b++) {
            if (skip != null && skip[b]) continue;
            n++;
            for (int e = 0; e < d; e++) mean[e] += x[b * d + e];
        }
        if (n == 0) throw new IllegalArgumentException("no rows left to evaluate (all " + rows + " skipped)");
        for (int e = 0; e < d; e++) mean[e] /= n;
        double sse = 0, sst = 0, legacy = 0, cos = 0, ratio = 0, hatSq = 0, hatDotX = 0;
        for (int b = 0; b < rows; b++) {
            if (skip != null && skip[b]) continue;
            double res = 0, tot = 0, xx = 0, hh = 0, hx = 0;
            for (int e = 0; e < d; e++) {
                double xv = x[b * d + e], hv = xHat[b * d + e];
                res += (xv - hv) * (xv - hv);
                tot += (xv - mean[e]) * (xv - mean[e]);
                xx += xv * xv;
                hh += hv * hv;
                hx += hv * xv;
            }
            sse += res;
            sst += tot;
            legacy += 1 - res / tot;
            cos += xx == 0 || hh == 0 ? 0 : hx / Math.sqrt(xx * hh);
            ratio += xx == 0 ? 0 : Math.sqrt(hh / xx);
            hatSq += hh;
            hatDotX += hx;
        }
        return new ReconstructionMetrics(n, sse / ((double) n * d), 1 - sse / sst, legacy / n, cos / n, ratio / n,
                hatDotX == 0 ? Double.NaN : hatSq / hatDotX);
    }
}
