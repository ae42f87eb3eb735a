package saelab.train.metrics;

import saelab.tensor.kernels.Gemm;
import saelab.tensor.kernels.VectorOps;

/**
 * How well learned decoder directions recover known true feature directions: for each true
 * feature, the largest |cosine| with any decoder row, averaged over features ("mean max cosine
 * similarity"). 1 means every true direction has a latent pointing exactly along it.
 */
public final class Recovery {
    private Recovery() {}

    /** @param truth n × d true directions; @param wDec m × d decoder rows (any norms) */
    public static double meanMaxCosine(float[] truth, int n, float[] wDec, int m, int d) {
        float[] a = unit(truth, n, d), b = unit(wDec, m, d);
        float[] cos = new float[n * m];
        Gemm.sgemm(Gemm.Form.NT, n, m, d, a, b, cos, false);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float best = 0;
            for (int j = 0; j < m; j++) best = Math.max(best, Math.abs(cos[i * m + j]));
            sum += best;
        }
        return sum / n;
    }

    private static float[] unit(float[] w, int rows, int d) {
        float[] u = w.clone();
        for (int r = 0; r < rows; r++) {
            double nn = Math.sqrt(VectorOps.sumSquares(u, r * d, d));
            if (nn > 0) VectorOps.scale((float) (1 / nn), u, r * d, d);
        }
        return u;
    }
}
