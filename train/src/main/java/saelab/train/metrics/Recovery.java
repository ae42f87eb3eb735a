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
        float[] cos = cosineMatrix(truth, n, wDec, m, d);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float best = 0;
            for (int j = 0; j < m; j++) best = Math.max(best, Math.abs(cos[i * m + j]));
            sum += best;
        }
        return sum / n;
    }

    /**
     * cos[i·m + j] = cosine between row i of {@code a} (n × d) and row j of {@code b} (m × d),
     * one NT product of the unit-normalised rows; a zero row has cosine 0 with everything.
     */
    public static float[] cosineMatrix(float[] a, int n, float[] b, int m, int d) {
        float[] cos = new float[n * m];
        Gemm.sgemm(Gemm.Form.NT, n, m, d, unit(a, n, d), unit(b, m, d), cos, false);
        return cos;
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
