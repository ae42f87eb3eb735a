package saelab.train.sae;

import saelab.tensor.kernels.Parallel;
import saelab.tensor.kernels.RowNorms;

/** Row-norm helpers for decoders stored [m, d], one row per latent (rows in parallel: each row's result is the same however they are split). */
public final class DecoderNorms {
    private DecoderNorms() {}

    /** Scales every row to norm {@code target}; an all-zero row is left as it is. */
    public static void normalizeRows(float[] w, int m, int d, float target) {
        int per = RowNorms.rowsPerTask(d);
        Parallel.forRange((m + per - 1) / per, t -> RowNorms.normalize(w, t * per, Math.min(m, (t + 1) * per), d, target));
    }

    /**
     * Removes from each gradient row its component along the (unit) decoder row: with rows held
     * at unit norm, only the tangential part of the gradient can move them usefully.
     */
    public static void removeParallelComponent(float[] w, float[] grad, int m, int d) {
        int per = RowNorms.rowsPerTask(d);
        Parallel.forRange((m + per - 1) / per, t -> RowNorms.removeParallel(w, grad, t * per, Math.min(m, (t + 1) * per), d));
    }

    /** The transpose of a rows×cols row-major matrix. */
    public static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
        return t;
    }
}
