package saelab.tensor;

/**
 * Primitive elementwise ops of one input: relu, abs, sqrt, exp, log, tanh, and clamp(lo, hi).
 * Any rank; the output has the input's shape.
 *
 * <p>Subgradient conventions at kinks (asserted exactly by tests): relu'(0) = 0, abs'(0) = 0,
 * and clamp passes the gradient only strictly inside (lo, hi): at x = lo or x = hi it is 0,
 * as it is outside. Zero at the kink is the choice that keeps a dead unit dead and never
 * invents gradient where the function is flat on one side.
 */
final class OpsUnary {
    private OpsUnary() {}

    /** Each op: its value, and dy/dx given both x and y = f(x) (whichever is cheaper). */
    enum Op {
        RELU("relu") {
            float f(float x) { return x > 0f ? x : 0f; }
            float d(float x, float y) { return x > 0f ? 1f : 0f; }
        },
        ABS("abs") {
            float f(float x) { return Math.abs(x); }
            float d(float x, float y) { return x > 0f ? 1f : x < 0f ? -1f : 0f; }
        },
        SQRT("sqrt") {
            float f(float x) { return (float) Math.sqrt(x); }
            float d(float x, float y) { return 0.5f / y; }
        },
        EXP("exp") {
            float f(float x) { return (float) Math.exp(x); }
            float d(float x, float y) { return y; }
        },
        LOG("log") {
            float f(float x) { return (float) Math.log(x); }
            float d(float x, float y) { return 1f / x; }
        },
        TANH("tanh") {
            float f(float x) { return (float) Math.tanh(x); }
            float d(float x, float y) { return 1f - y * y; }
        };

        final String name;
        Op(String name) { this.name = name; }
        abstract float f(float x);
        abstract float d(float x, float y);
    }

    static Tensor apply(Op op, Tensor x) {
        float[] xd = x.data();
        int xo = x.offset(), n = x.numel();
        float[] y = new float[n];
        // Plain loop for now; an elementwise vector kernel slots in here.
        for (int i = 0; i < n; i++) y[i] = op.f(xd[xo + i]);
        Tensor out = new Tensor(y, 0, x.shape());
        return Autograd.record(out, op.name, gy -> {
            float[] gx = x.gradBuffer();
            for (int i = 0; i < n; i++) gx[i] += gy[i] * op.d(xd[xo + i], y[i]);
        }, x);
    }

    static Tensor clamp(Tensor x, float lo, float hi) {
        if (!(lo <= hi)) throw new IllegalArgumentException("clamp: lo=" + lo + " must be <= hi=" + hi);
        float[] xd = x.data();
        int xo = x.offset(), n = x.numel();
        float[] y = new float[n];
        for (int i = 0; i < n; i++) y[i] = Math.min(Math.max(xd[xo + i], lo), hi);
        Tensor out = new Tensor(y, 0, x.shape());
        return Autograd.record(out, "clamp", gy -> {
            float[] gx = x.gradBuffer();
            for (int i = 0; i < n; i++) {
                float v = xd[xo + i];
                if (v > lo && v < hi) gx[i] += gy[i];
            }
        }, x);
    }
}
