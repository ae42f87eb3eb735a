package saelab.train.optim;

/**
 * The geometric median of n points in d dimensions (the point minimising the sum of Euclidean
 * distances) by Weiszfeld's iteration, as dictionary_learning initialises a TopK SAE's b_dec:
 * start at the mean, re-weight points by 1/distance, stop after maxIter or when the estimate
 * moves less than tol. In float64; a point that coincides with the estimate gets a distance
 * floor so its weight stays finite.
 */
public final class GeometricMedian {
    private GeometricMedian() {}

    public static float[] of(float[] points, int n, int d, int maxIter, double tol) {
        double[] guess = new double[d];
        for (int i = 0; i < n; i++) for (int e = 0; e < d; e++) guess[e] += points[i * d + e];
        for (int e = 0; e < d; e++) guess[e] /= n;
        double[] next = new double[d];
        for (int it = 0; it < maxIter; it++) {
            java.util.Arrays.fill(next, 0);
            double wsum = 0;
            for (int i = 0; i < n; i++) {
                double sq = 0;
                for (int e = 0; e < d; e++) { double t = points[i * d + e] - guess[e]; sq += t * t; }
                double w = 1 / Math.max(Math.sqrt(sq), 1e-12);
                wsum += w;
                for (int e = 0; e < d; e++) next[e] += w * points[i * d + e];
            }
            double move = 0;
            for (int e = 0; e < d; e++) { next[e] /= wsum; double t = next[e] - guess[e]; move += t * t; }
            System.arraycopy(next, 0, guess, 0, d);
            if (Math.sqrt(move) < tol) break;
        }
        float[] out = new float[d];
        for (int e = 0; e < d; e++) out[e] = (float) guess[e];
        return out;
    }
}
