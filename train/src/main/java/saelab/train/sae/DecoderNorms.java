package saelab.train.sae;

import saelab.tensor.kernels.VectorOps;

/** Row-norm helpers for decoders stored [m, d], one row per latent. */
public final class DecoderNorms {
    private DecoderNorms() {}

    /** Scales every row to norm {@code target}; an all-zero row is left as it is. */
    public static void normalizeRows(float[] w, int m, int d, float target) {
        for (int j = 0; j < m; j++) {
            double n = Math.sqrt(VectorOps.sumSquares(w, j * d, d));
            if (n > 0) VectorOps.scale((float) (target / n), w, j * d, d);
        }
    }

    /**
     * Removes from each gradient row its component along the (unit) decoder row: with rows held
     * at unit norm, only the tangential part of the gradient can move them usefully.
     */
    public static void removeParallelComponent(float[] w, float[] grad, int m, int d) {
        for (int j = 0; j < m; j++) {
            float dot = VectorOps.dot(w, j * d, grad, j * d, d);
            float nn = VectorOps.sumSquares(w, j * d, d);
            if (nn > 0) VectorOps.axpy(-dot / nn, w, j * d, grad, j * d, d);
        }
    }

    /** The transpose of a rows×cols row-major matrix. */
    public static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
        return t;
    }
}
