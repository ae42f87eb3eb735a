package saelab.tensor;

/**
 * Primitive reductions: sum along an axis, and log-softmax along the last axis (a row-wise
 * reduction fused with its normalisation, so it can be computed stably).
 */
final class OpsReduce {
    private OpsReduce() {}

    /**
     * Sum over axis 0 (down the columns) or axis 1 (along each row) of the matrix reading.
     * Forward accumulates in double: sums of many float32 terms (losses over a batch) lose
     * digits otherwise, and it costs nothing in a scalar loop. Backward broadcasts the output
     * gradient back over the reduced axis.
     */
    static Tensor sum(Tensor x, int axis, boolean keepdim) {
        Shape.requireMatrix("sum", x.shape());
        int maxAxis = x.rank() - 1;
        if (axis < 0 || axis > maxAxis) {
            throw new IllegalArgumentException("sum: axis " + axis + " out of range for shape " + Shape.str(x.shape()));
        }
        // A vector's only axis is its columns axis in the matrix reading.
        boolean alongRows = x.rank() == 2 && axis == 1 || x.rank() == 1;
        int r = x.rows(), c = x.cols();
        float[] xd = x.data();
        int xo = x.offset();
        float[] y;
        int[] outShape;
        if (alongRows) {
            y = new float[r];
            for (int i = 0; i < r; i++) {
                double s = 0;
                for (int j = 0; j < c; j++) s += xd[xo + i * c + j];
                y[i] = (float) s;
            }
            outShape = x.rank() == 1 ? new int[] {1} : keepdim ? new int[] {r, 1} : new int[] {r};
        } else {
            double[] s = new double[c];
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < c; j++) s[j] += xd[xo + i * c + j];
            }
            y = new float[c];
            for (int j = 0; j < c; j++) y[j] = (float) s[j];
            outShape = keepdim ? new int[] {1, c} : new int[] {c};
        }
        Tensor out = new Tensor(y, 0, outShape);
        return Autograd.record(out, "sum", gy -> {
            float[] gx = x.gradBuffer();
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < c; j++) gx[i * c + j] += gy[alongRows ? i : j];
            }
        }, x);
    }

    /**
     * y = x − max − log Σ exp(x − max) per row: subtracting the row max makes every exponent ≤ 0,
     * so nothing overflows and the largest term is exactly 1 (no underflow of the whole sum).
     * Backward: dx = dy − softmax(x)·Σ dy, with softmax(x) = exp(y).
     */
    static Tensor logSoftmax(Tensor x) {
        Shape.requireMatrix("logSoftmax", x.shape());
        int r = x.rows(), c = x.cols();
        float[] xd = x.data();
        int xo = x.offset();
        float[] y = new float[r * c];
        for (int i = 0; i < r; i++) {
            int base = xo + i * c;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) max = Math.max(max, xd[base + j]);
            double s = 0;
            for (int j = 0; j < c; j++) s += Math.exp(xd[base + j] - max);
            float logSum = (float) Math.log(s);
            for (int j = 0; j < c; j++) y[i * c + j] = xd[base + j] - max - logSum;
        }
        Tensor out = new Tensor(y, 0, x.shape());
        return Autograd.record(out, "logSoftmax", gy -> {
            float[] gx = x.gradBuffer();
            for (int i = 0; i < r; i++) {
                double s = 0;
                for (int j = 0; j < c; j++) s += gy[i * c + j];
                float gsum = (float) s;
                for (int j = 0; j < c; j++) {
                    int o = i * c + j;
                    gx[o] += gy[o] - (float) Math.exp(y[o]) * gsum;
                }
            }
        }, x);
    }
}
