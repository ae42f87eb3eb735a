package saelab.tensor.kernels;

/** Plain triple-loop twin of {@link Gemm}: the oracle the vector kernels are tested against. */
public final class ScalarGemm {
    private ScalarGemm() {}

    public static void sgemm(Gemm.Form form, int m, int n, int k,
                             float[] a, int aOff, int lda,
                             float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc,
                             boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    float av = form == Gemm.Form.TN ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = form == Gemm.Form.NT ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + s : s;
            }
        }
    }
}
