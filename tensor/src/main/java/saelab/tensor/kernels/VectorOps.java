package saelab.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused elementwise operations and reductions on float arrays, on the Vector API. Each has a
 * plain twin of the same name in {@link ScalarOps} (the test oracle).
 *
 * <p>Precision: the elementwise ops without transcendental functions perform exactly the same
 * float operations as their twins and agree bit for bit. Reductions add in a different order
 * (one partial sum per lane), so they agree within the usual γ_n·Σ|terms| bound. exp and tanh
 * come from {@link FixedMath}, within about 2 ulp of the exact value, so ops built on them agree
 * with the {@link Math} twins within a few ulp.
 *
 * <p>Determinism: every result depends on the inputs only, never on whether the JIT has
 * compiled the code yet. Reductions accumulate per lane and then add the lanes in lane order
 * ({@link #sumLanes}); exp and tanh are {@link FixedMath}'s, whose vector lanes and scalar
 * tails do the same float operations; the Vector API's own reduceLanes and EXP/TANH are not used.
 */
public final class VectorOps {
    private VectorOps() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /**
     * Float lanes of the preferred vectors (16 with AVX-512, 8 with AVX2, 4 with NEON or SSE): the kernels'
     * sums are ordered by lane and by tiles of whole vectors, so results are reproducible bit for bit on
     * machines with the same lane count, and differ in their last bits between lane counts.
     */
    public static int lanes() {
        return L;
    }

    /**
     * Vector registers the JIT allocates: 16 on x86 without AVX-512 (HotSpot's UseAVX below 3: VEX
     * encodings, ymm0-15), 32 with it (EVEX) and on AArch64 (NEON, SVE). Kernels that hold more than
     * 16 vectors in registers take another form where there are 16, since C2 would spill them to the
     * stack. Where the flag cannot be read (not HotSpot), fewer than 16 lanes on x86 is taken to mean AVX2.
     */
    public static int registers() {
        return Registers.COUNT;
    }

    /** Read once, on first use (the management bean costs ~10 ms to start). */
    private static final class Registers {
        static final int COUNT = read();

        private static int read() {
            String arch = System.getProperty("os.arch", "");
            if (!arch.equals("amd64") && !arch.equals("x86_64")) return 32;
            try {
                var vm = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
                return Integer.parseInt(vm.getVMOption("UseAVX").getValue()) >= 3 ? 32 : 16;
            } catch (RuntimeException | LinkageError e) {
                return L >= 16 ? 32 : 16;
            }
        }
    }

    // ---- reductions -------------------------------------------------------------------------

    /**
     * The lanes of v added in lane order. reduceLanes(ADD) leaves the order to the JIT: the
     * interpreter adds lane by lane, C2 in a tree, so the same sum differed in its last bits
     * depending on whether the code had been compiled yet, and two identical training runs in one
     * JVM drifted apart. A fixed order makes every result independent of JIT timing.
     */
    public static float sumLanes(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < L; i++) s += v.lane(i);
        return s;
    }

    public static float sum(float[] x, int off, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) acc = acc.add(FloatVector.fromArray(S, x, off + i));
        float s = sumLanes(acc);
        for (; i < n; i++) s += x[off + i];
        return s;
    }

    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            acc = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc);
        }
        float s = sumLanes(acc);
        for (; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }

    public static float sumSquares(float[] x, int off, int n) {
        return dot(x, off, x, off, n);
    }

    /** Largest element; −∞ for n = 0. */
    public static float max(float[] x, int off, int n) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) acc = acc.max(FloatVector.fromArray(S, x, off + i));
        float m = Float.NEGATIVE_INFINITY;
        for (int l = 0; l < L; l++) m = Math.max(m, acc.lane(l)); // lane order, as sumLanes
        for (; i < n; i++) m = Math.max(m, x[off + i]);
        return m;
    }

    // ---- elementwise ------------------------------------------------------------------------

    /** y += alpha·x. */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, x, xOff + i).mul(va).add(FloatVector.fromArray(S, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    /** x *= alpha, in place. */
    public static void scale(float alpha, float[] x, int off, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, x, off + i).mul(alpha).intoArray(x, off + i);
        }
        for (; i < n; i++) x[off + i] *= alpha;
    }

    /** out = a + b. */
    public static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int oOff, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, a, aOff + i).add(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, oOff + i);
        }
        for (; i < n; i++) out[oOff + i] = a[aOff + i] + b[bOff + i];
    }

    /** x[i] = keep[i] ? x[i] : fill over n entries: a masked fill (kept entries keep their bits), a vector blend instead of a branch per entry. */
    public static void keepOrFill(float[] x, int off, int n, boolean[] keep, int keepOff, float fill) {
        FloatVector f = FloatVector.broadcast(S, fill);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            f.blend(FloatVector.fromArray(S, x, off + i), VectorMask.fromArray(S, keep, keepOff + i)).intoArray(x, off + i);
        }
        for (; i < n; i++) if (!keep[keepOff + i]) x[off + i] = fill;
    }

    /** out = a ⊙ b. */
    public static void mul(float[] a, int aOff, float[] b, int bOff, float[] out, int oOff, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, a, aOff + i).mul(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, oOff + i);
        }
        for (; i < n; i++) out[oOff + i] = a[aOff + i] * b[bOff + i];
    }

    /**
     * x[r, :] = max(0, x[r, :] + bias), in place: the ReLU SAE encoder's epilogue, one pass over
     * the pre-activations instead of two.
     */
    public static void biasRelu(float[] x, int off, int rows, int cols, int ld, float[] bias, int bOff) {
        for (int r = 0; r < rows; r++) {
            int base = off + r * ld, j = 0;
            for (int end = S.loopBound(cols); j < end; j += L) {
                FloatVector.fromArray(S, x, base + j).add(FloatVector.fromArray(S, bias, bOff + j))
                        .max(0f).intoArray(x, base + j);
            }
            for (; j < cols; j++) x[base + j] = Math.max(0f, x[base + j] + bias[bOff + j]);
        }
    }

    /** x[r, :] += bias, in place. */
    public static void addRowBias(float[] x, int off, int rows, int cols, int ld, float[] bias, int bOff) {
        for (int r = 0; r < rows; r++) add(x, off + r * ld, bias, bOff, x, off + r * ld, cols);
    }

    /**
     * Softmax of each row, in place, stable: subtract the row maximum before exp so no term
     * overflows. A row of all −∞ (fully masked) becomes all zeros rather than NaN.
     */
    public static void softmaxRows(float[] x, int off, int rows, int cols, int ld) {
        for (int r = 0; r < rows; r++) {
            int base = off + r * ld;
            float m = max(x, base, cols);
            if (m == Float.NEGATIVE_INFINITY) { java.util.Arrays.fill(x, base, base + cols, 0f); continue; }
            FloatVector acc = FloatVector.zero(S);
            int j = 0;
            for (int end = S.loopBound(cols); j < end; j += L) {
                FloatVector e = FixedMath.exp(FloatVector.fromArray(S, x, base + j).sub(m));
                e.intoArray(x, base + j);
                acc = acc.add(e);
            }
            float s = sumLanes(acc);
            for (; j < cols; j++) { float e = FixedMath.exp(x[base + j] - m); x[base + j] = e; s += e; }
            scale(1f / s, x, base, cols);
        }
    }

    /**
     * out[r, :] = x[r, :] / sqrt(mean(x[r, :]²) + eps) ⊙ weight. Callers whose norm scales by
     * (1 + w), as gemma's does, pass that sum as {@code weight}.
     */
    public static void rmsNormRows(float[] x, int xOff, float[] out, int oOff, int rows, int cols,
                                   float[] weight, int wOff, float eps) {
        for (int r = 0; r < rows; r++) {
            int xb = xOff + r * cols, ob = oOff + r * cols;
            float inv = (float) (1.0 / Math.sqrt(sumSquares(x, xb, cols) / cols + eps));
            int j = 0;
            for (int end = S.loopBound(cols); j < end; j += L) {
                FloatVector.fromArray(S, x, xb + j).mul(inv).mul(FloatVector.fromArray(S, weight, wOff + j))
                        .intoArray(out, ob + j);
            }
            for (; j < cols; j++) out[ob + j] = x[xb + j] * inv * weight[wOff + j];
        }
    }

    /**
     * out = gelu_tanh(gate) ⊙ up, with gelu_tanh(x) = ½x(1 + tanh(√(2/π)(x + 0.044715x³))):
     * a gated MLP's middle step in one pass.
     */
    public static void geluTanhMul(float[] gate, int gOff, float[] up, int uOff, float[] out, int oOff, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector g = FloatVector.fromArray(S, gate, gOff + i);
            FloatVector inner = g.mul(g).mul(g).mul(ScalarOps.GELU_CUBIC).add(g).mul(ScalarOps.SQRT_2_OVER_PI);
            FixedMath.tanh(inner).add(1f).mul(g).mul(0.5f)
                    .mul(FloatVector.fromArray(S, up, uOff + i)).intoArray(out, oOff + i);
        }
        for (; i < n; i++) {
            float g = gate[gOff + i];
            out[oOff + i] = (FixedMath.tanh((g * g * g * ScalarOps.GELU_CUBIC + g) * ScalarOps.SQRT_2_OVER_PI) + 1f) * g * 0.5f * up[uOff + i];
        }
    }

    /** x = cap·tanh(x / cap), in place: gemma's logit soft-capping. */
    public static void softCap(float[] x, int off, int n, float cap) {
        int i = 0;
        float inv = 1f / cap;
        for (int end = S.loopBound(n); i < end; i += L) {
            FixedMath.tanh(FloatVector.fromArray(S, x, off + i).mul(inv)).mul(cap).intoArray(x, off + i);
        }
        for (; i < n; i++) x[off + i] = FixedMath.tanh(x[off + i] * inv) * cap;
    }
}
