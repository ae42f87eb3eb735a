package saelab.tensor.kernels;

import java.lang.foreign.MemorySegment;

/** Plain triple-loop twin of {@link Bf16Gemm#gemmNT}: the test oracle. */
public final class ScalarBf16Gemm {
    private ScalarBf16Gemm() {}

    public static void gemmNT(int m, int n, int k, float[] a, int aOff, int lda,
                              MemorySegment b, long bByteOff, long ldb,
                              float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    short bits = b.get(Bf16.LE_SHORT, bByteOff + 2 * (j * ldb + p));
                    s += a[aOff + i * lda + p] * Float.intBitsToFloat(bits << 16);
                }
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + s : s;
            }
        }
    }
}
