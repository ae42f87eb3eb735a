package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The bf16 GEMM against the float32 oracle run on the widened (bf16-valued) operand: both sum the
 * same k products in float32, in different orders, so the bound of {@link GemmCheck} applies
 * unchanged. Covers both paths (m ≤ {@link Bf16Gemm#GEMV_MAX_ROWS} dot products, larger m packed),
 * odd byte offsets (mapped weights need not be aligned), padded rows, heap, confined and shared
 * segments.
 */
class Bf16GemmProperties {

    @Provide
    Arbitrary<Integer> dim() {
        return GemmCheck.dims();
    }

    @Property(tries = 150, seed = "7311")
    void equalsFloatGemmOnWidenedOperand(@ForAll("dim") int m, @ForAll("dim") int n, @ForAll("dim") int k,
                                         @ForAll @IntRange(max = 7) int byteOff, @ForAll @IntRange(max = 5) int pad,
                                         @ForAll Storage storage, @ForAll boolean accumulate, @ForAll long seed) {
        check(m, n, k, byteOff, pad, storage, accumulate, seed);
    }

    /** The few-rows path with enough work to be split over threads. */
    @Property(tries = 30, seed = "7312")
    void gemvEqualsFloatGemm(@ForAll @IntRange(min = 1, max = 4) int m, @ForAll @IntRange(min = 200, max = 700) int n,
                             @ForAll @IntRange(min = 300, max = 700) int k, @ForAll @IntRange(max = 3) int byteOff,
                             @ForAll Storage storage, @ForAll boolean accumulate, @ForAll long seed) {
        check(m, n, k, byteOff, 1, storage, accumulate, seed);
    }

    /** The scalar twin is the float32 scalar loop on widened values, bit for bit (same order). */
    @Property(tries = 60, seed = "7313")
    void scalarTwinEqualsScalarFloatGemmExactly(@ForAll @IntRange(max = 9) int m, @ForAll @IntRange(max = 9) int n,
                                                @ForAll @IntRange(max = 40) int k, @ForAll long seed) {
        Random r = new Random(seed);
        float[] a = GemmCheck.random(r, m * k);
        float[] bf = new float[n * k];
        MemorySegment b = MemorySegment.ofArray(new byte[2 * n * k + 1]);
        fillBf16(r, b, 1, bf, n, k, k);
        float[] want = new float[m * n], got = new float[m * n];
        ScalarGemm.sgemm(Gemm.Form.NT, m, n, k, a, 0, k, bf, 0, k, want, 0, n, false);
        ScalarBf16Gemm.gemmNT(m, n, k, a, 0, k, b, 1, k, got, 0, n, false);
        for (int x = 0; x < got.length; x++) {
            assertEquals(Float.floatToRawIntBits(want[x]), Float.floatToRawIntBits(got[x]), "C index " + x);
        }
    }

    /** Where B lives: a confined arena's segment must be read on the calling thread only. */
    enum Storage { HEAP, CONFINED, SHARED }

    private static void check(int m, int n, int k, int byteOff, int pad, Storage storage, boolean accumulate, long seed) {
        Random r = new Random(seed);
        int lda = k + pad % 3, ldb = k + pad, ldc = n + (pad + 1) % 4;
        int aOff = pad, cOff = (pad + 3) % 5;
        float[] a = GemmCheck.random(r, GemmCheck.extent(aOff, m, k, lda));
        int bElems = GemmCheck.extent(0, n, k, ldb);
        float[] bf = new float[bElems];
        try (Arena arena = storage == Storage.SHARED ? Arena.ofShared() : Arena.ofConfined()) {
            long bytes = byteOff + 2L * bElems;
            MemorySegment b = storage == Storage.HEAP ? MemorySegment.ofArray(new byte[(int) bytes])
                    : arena.allocate(Math.max(1, bytes));
            fillBf16(r, b, byteOff, bf, n, k, ldb);
            float[] c0 = GemmCheck.random(r, GemmCheck.extent(cOff, m, n, ldc) + 2);
            float[] got = c0.clone(), want = c0.clone();
            Bf16Gemm.gemmNT(m, n, k, a, aOff, lda, b, byteOff, ldb, got, cOff, ldc, accumulate);
            ScalarGemm.sgemm(Gemm.Form.NT, m, n, k, a, aOff, lda, bf, 0, ldb, want, cOff, ldc, accumulate);
            boolean[] inside = new boolean[c0.length];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int ci = cOff + i * ldc + j;
                    inside[ci] = true;
                    double mag = GemmCheck.magnitude(Gemm.Form.NT, i, j, k, a, aOff, lda, bf, 0, ldb)
                            + (accumulate ? Math.abs(c0[ci]) : 0);
                    GemmCheck.assertClose("bf16 " + m + "x" + n + "x" + k + " C[" + i + "][" + j + "]",
                            got[ci], want[ci], k + 1, mag);
                }
            }
            for (int x = 0; x < c0.length; x++) {
                if (!inside[x]) assertEquals(c0[x], got[x], "wrote outside C at array index " + x);
            }
        }
    }

    /** Random finite bf16s (floats in [-1, 1) and a few integers, truncated) into seg and, widened, into bf. */
    private static void fillBf16(Random r, MemorySegment seg, long byteOff, float[] bf, int n, int k, int ldb) {
        float[] src = GemmCheck.random(r, bf.length);
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < k; p++) {
                int e = j * ldb + p;
                short bits = (short) (Float.floatToRawIntBits(src[e]) >>> 16);
                seg.set(Bf16.LE_SHORT, byteOff + 2L * e, bits);
                bf[e] = Float.intBitsToFloat(bits << 16);
            }
        }
    }
}
