package saelab.eval;

import java.util.Random;

/** Seeded Gaussian direction matrices and a float64 cosine, for the ground-truth metric tests. */
final class RandomDirections {
    private RandomDirections() {}

    /** rows × d entries drawn from N(0, 1) with {@code seed}. */
    static float[] of(long seed, int rows, int d) {
        Random r = new Random(seed);
        float[] w = new float[rows * d];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        return w;
    }

    /** cos(a_i, b_j) in float64. */
    static double cosine(float[] a, int i, float[] b, int j, int d) {
        double ab = 0, aa = 0, bb = 0;
        for (int e = 0; e < d; e++) { ab += a[i * d + e] * b[j * d + e]; aa += a[i * d + e] * a[i * d + e]; bb += b[j * d + e] * b[j * d + e]; }
        return ab / Math.sqrt(aa * bb);
    }
}
