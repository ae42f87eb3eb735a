package saelab.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import saelab.tensor.backend.Backends;
import saelab.tensor.kernels.Bf16;
import saelab.tensor.kernels.Gemm;

/**
 * The device GEMMs against a float64 reference and the CPU backend, on odd shapes (tile tails in
 * every dimension), with offsets and row strides wider than the rows, accumulating or not.
 *
 * <p>Tolerance: a float32 dot product of length k summed in any order has error at most
 * γ_k·Σ|a_p·b_p| with γ_k ≈ k·u, u = 2⁻²⁴; adding it to C costs one more rounding of |C|. So each
 * entry must lie within (k + 2)·u·(Σ|a_p b_p| + |C₀|) of the exact value, for the device and the
 * CPU alike (the CPU is checked against the same bound, so the two agree within twice it).
 */
class TornadoGemmTest {
    private static final double U = Math.ulp(1.0f) / 2;
    /** m, n, k, accumulate: tails in every dimension of the 32×32 tiles; each shape JIT-compiles a plan (seconds on PoCL). */
    private static final int[][] SHAPES = {{33, 17, 65, 0}, {70, 45, 31, 1}, {5, 129, 40, 1}};

    @Test
    void everyFormMatchesFloat64AndTheCpuOnOddShapes() {
        TornadoBackend t = TornadoUnderTest.backend();
        SplittableRandom rnd = new SplittableRandom(11);
        for (Gemm.Form form : Gemm.Form.values()) {
            for (int[] s : SHAPES) check(t, form, s[0], s[1], s[2], s[3] == 1, rnd);
        }
    }

    private static void check(TornadoBackend t, Gemm.Form form, int m, int n, int k, boolean acc, SplittableRandom rnd) {
        int aRows = form == Gemm.Form.TN ? k : m, aCols = form == Gemm.Form.TN ? m : k;
        int bRows = form == Gemm.Form.NT ? n : k, bCols = form == Gemm.Form.NT ? k : n;
        int lda = aCols + 3, ldb = bCols + 1, ldc = n + 2, aOff = 5, bOff = 2, cOff = 7;
        float[] a = random(aOff + aRows * lda, rnd), b = random(bOff + bRows * ldb, rnd), c0 = random(cOff + m * ldc, rnd);
        float[] dev = c0.clone(), cpu = c0.clone();
        t.sgemm(form, m, n, k, a, aOff, lda, b, bOff, ldb, dev, cOff, ldc, acc);
        Backends.cpu().sgemm(form, m, n, k, a, aOff, lda, b, bOff, ldb, cpu, cOff, ldc, acc);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double exact = acc ? c0[cOff + i * ldc + j] : 0, mag = acc ? Math.abs(exact) : 0;
                for (int p = 0; p < k; p++) {
                    double av = form == Gemm.Form.TN ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double bv = form == Gemm.Form.NT ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    exact += av * bv;
                    mag += Math.abs(av * bv);
                }
                double tol = (k + 2) * U * mag;
                String where = form + " " + m + "x" + n + "x" + k + (acc ? " accumulate" : "") + " at (" + i + ", " + j + ")";
                assertEquals(exact, dev[cOff + i * ldc + j], tol, "device " + where);
                assertEquals(exact, cpu[cOff + i * ldc + j], tol, "cpu " + where);
            }
        }
        // Outside C's block (offset, stride padding) nothing may change.
        for (int p = 0; p < dev.length; p++) {
            int q = p - cOff;
            if (q >= 0 && q / ldc < m && q % ldc < n) continue;
            assertEquals(c0[p], dev[p], "device wrote outside C at " + p);
        }
    }

    @Test
    void bf16ProductMatchesTheWidenedFloat64Product() {
        TornadoBackend t = TornadoUnderTest.backend();
        SplittableRandom rnd = new SplittableRandom(12);
        int[][] shapes = {{7, 33, 65}, {40, 17, 96}};
        try (Arena arena = Arena.ofConfined()) {
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2], ldb = k + 4, lda = k + 1;
                long byteOff = 6;
                MemorySegment b = arena.allocate(byteOff + 2L * n * ldb);
                float[] bw = random(n * ldb, rnd);
                Bf16.fromFloat(bw, 0, b, byteOff, n * ldb);
                float[] a = random(m * lda, rnd);
                for (boolean acc : new boolean[] {false, true}) {
                    float[] c0 = random(m * n, rnd), dev = c0.clone(), cpu = c0.clone();
                    t.bf16GemmNT(m, n, k, a, 0, lda, b, byteOff, ldb, dev, 0, n, acc);
                    Backends.cpu().bf16GemmNT(m, n, k, a, 0, lda, b, byteOff, ldb, cpu, 0, n, acc);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double exact = acc ? c0[i * n + j] : 0, mag = Math.abs(exact);
                            for (int p = 0; p < k; p++) {
                                double bv = Bf16.round(bw[j * ldb + p]);
                                exact += a[i * lda + p] * bv;
                                mag += Math.abs(a[i * lda + p] * bv);
                            }
                            double tol = (k + 2) * U * mag;
                            assertEquals(exact, dev[i * n + j], tol, "device bf16 " + m + "x" + n + "x" + k + " (" + i + ", " + j + ")");
                            assertEquals(exact, cpu[i * n + j], tol, "cpu bf16 " + m + "x" + n + "x" + k + " (" + i + ", " + j + ")");
                        }
                    }
                }
            }
        }
    }

    /** Widening on the device is exact: with A = I, C = Bᵀ must equal the widened bits exactly, specials included. */
    @Test
    void bf16WideningIsExact() {
        TornadoBackend t = TornadoUnderTest.backend();
        int k = 48, n = 40;
        float[] special = {0f, -0f, 1f, -1f, 0.5f, 3.3895314e38f, -3.3895314e38f, 1.1754944e-38f, 1e-30f, 65504f, -2.5e-3f, 7f};
        SplittableRandom rnd = new SplittableRandom(13);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocate(2L * n * k);
            float[] bw = new float[n * k];
            for (int p = 0; p < bw.length; p++) bw[p] = p < special.length ? special[p] : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-20, 20)));
            Bf16.fromFloat(bw, 0, b, 0, n * k);
            float[] eye = new float[k * k];
            for (int i = 0; i < k; i++) eye[i * k + i] = 1f;
            float[] c = new float[k * n];
            t.bf16GemmNT(k, n, k, eye, 0, k, b, 0, k, c, 0, n, false);
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < n; j++) {
                    float want = Bf16.round(bw[j * k + i]);
                    assertEquals(want == 0f ? 0f : want, c[i * n + j] == 0f ? 0f : c[i * n + j], 0f, "C[" + i + "][" + j + "] = widen(B[" + j + "][" + i + "])");
                }
            }
        }
    }

    /**
     * B stays resident while it is unchanged: a second call with the same B does not upload it, and
     * changing one element of B (in place, same array) is detected and gives the new product.
     */
    @Test
    void unchangedWeightsStayResidentAndChangedOnesAreReuploaded() {
        TornadoBackend t = TornadoUnderTest.backend();
        SplittableRandom rnd = new SplittableRandom(14);
        int m = 21, n = 37, k = 19;
        float[] a = random(m * k, rnd), b = random(k * n, rnd);
        float[] c1 = new float[m * n], c2 = new float[m * n], want = new float[m * n];
        t.sgemm(Gemm.Form.NN, m, n, k, a, 0, k, b, 0, n, c1, 0, n, false);
        long after1 = t.gemmBUploads();
        float[] a2 = random(m * k, rnd);
        t.sgemm(Gemm.Form.NN, m, n, k, a2, 0, k, b, 0, n, c2, 0, n, false);
        assertEquals(after1, t.gemmBUploads(), "same B: no upload");
        Backends.cpu().sgemm(Gemm.Form.NN, m, n, k, a2, 0, k, b, 0, n, want, 0, n, false);
        assertClose(want, c2, k);
        b[b.length - 1] += 1f;
        t.sgemm(Gemm.Form.NN, m, n, k, a2, 0, k, b, 0, n, c2, 0, n, false);
        assertEquals(after1 + 1, t.gemmBUploads(), "changed B: one upload");
        Backends.cpu().sgemm(Gemm.Form.NN, m, n, k, a2, 0, k, b, 0, n, want, 0, n, false);
        assertClose(want, c2, k);
    }

    private static void assertClose(float[] want, float[] got, int k) {
        for (int p = 0; p < want.length; p++) {
            // Entries of two random products of length k: |C| ≲ k, errors ≤ 2(k+2)·u·k.
            assertTrue(Math.abs(want[p] - got[p]) <= 2 * (k + 2) * U * k, "entry " + p + ": " + want[p] + " vs " + got[p]);
        }
    }

    static float[] random(int n, SplittableRandom rnd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }
}
