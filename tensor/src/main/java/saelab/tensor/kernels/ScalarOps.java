package saelab.tensor.kernels;

/** Plain loop twins of {@link VectorOps}, same names and signatures: the test oracle. */
public final class ScalarOps {
    private ScalarOps() {}

    static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    static final float GELU_CUBIC = 0.044715f;

    public static float geluTanh(float x) {
        // Same operation order as the vector kernel: ((x·x·x)·c + x)·√(2/π).
        return 0.5f * x * (1f + (float) Math.tanh((x * x * x * GELU_CUBIC + x) * SQRT_2_OVER_PI));
    }

    public static float sum(float[] x, int off, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) s += x[off + i];
        return s;
    }

    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }

    public static float sumSquares(float[] x, int off, int n) {
        return dot(x, off, x, off, n);
    }

    public static float max(float[] x, int off, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) m = Math.max(m, x[off + i]);
        return m;
    }

    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    public static void scale(float alpha, float[] x, int off, int n) {
        for (int i = 0; i < n; i++) x[off + i] *= alpha;
    }

    public static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int oOff, int n) {
        for (int i = 0; i < n; i++) out[oOff + i] = a[aOff + i] + b[bOff + i];
    }

    public static void mul(float[] a, int aOff, float[] b, int bOff, float[] out, int oOff, int n) {
        for (int i = 0; i < n; i++) out[oOff + i] = a[aOff + i] * b[bOff + i];
    }

    public static void biasRelu(float[] x, int off, int rows, int cols, int ld, float[] bias, int bOff) {
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++) x[off + r * ld + j] = Math.max(0f, x[off + r * ld + j] + bias[bOff + j]);
    }

    public static void addRowBias(float[] x, int off, int rows, int cols, int ld, float[] bias, int bOff) {
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++) x[off + r * ld + j] += bias[bOff + j];
    }

    public static void softmaxRows(float[] x, int off, int rows, int cols, int ld) {
        for (int r = 0; r < rows; r++) {
            int base = off + r * ld;
            float m = max(x, base, cols);
            if (m == Float.NEGATIVE_INFINITY) { java.util.Arrays.fill(x, base, base + cols, 0f); continue; }
            float s = 0f;
            for (int j = 0; j < cols; j++) { float e = (float) Math.exp(x[base + j] - m); x[base + j] = e; s += e; }
            float inv = 1f / s;
            for (int j = 0; j < cols; j++) x[base + j] *= inv;
        }
    }

    public static void rmsNormRows(float[] x, int xOff, float[] out, int oOff, int rows, int cols,
                                   float[] weight, int wOff, float eps) {
        for (int r = 0; r < rows; r++) {
            float ss = sumSquares(x, xOff + r * cols, cols);
            float inv = (float) (1.0 / Math.sqrt(ss / cols + eps));
            for (int j = 0; j < cols; j++) out[oOff + r * cols + j] = x[xOff + r * cols + j] * inv * weight[wOff + j];
        }
    }

    public static void geluTanhMul(float[] gate, int gOff, float[] up, int uOff, float[] out, int oOff, int n) {
        for (int i = 0; i < n; i++) out[oOff + i] = geluTanh(gate[gOff + i]) * up[uOff + i];
    }

    public static void softCap(float[] x, int off, int n, float cap) {
        float inv = 1f / cap;
        for (int i = 0; i < n; i++) x[off + i] = cap * (float) Math.tanh(x[off + i] * inv);
    }
}
