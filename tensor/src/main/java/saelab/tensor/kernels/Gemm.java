package saelab.tensor.kernels;

/**
 * Single-precision matrix product on row-major arrays: C = op(A)·op(B) (+ C when accumulating).
 *
 * <p>The three forms autograd needs: NN (A·B), NT (A·Bᵀ) and TN (Aᵀ·B). Shapes are those of the
 * product: C is m×n, the inner dimension is k. A is m×k in NN/NT and k×m in TN; B is k×n in
 * NN/TN and n×k in NT. Each operand has an offset into its array and a leading dimension (the
 * distance between consecutive rows as stored).
 *
 * <p>This facade is what the rest of saelab calls; {@link ScalarGemm} is the plain twin used as
 * the test oracle.
 */
public final class Gemm {
    private Gemm() {}

    public enum Form { NN, NT, TN }

    public static void sgemm(Form form, int m, int n, int k,
                             float[] a, int aOff, int lda,
                             float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc,
                             boolean accumulate) {
        ScalarGemm.sgemm(form, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /** Dense contiguous convenience: leading dimensions implied by the form. */
    public static void sgemm(Form form, int m, int n, int k, float[] a, float[] b, float[] c, boolean accumulate) {
        int lda = form == Form.TN ? m : k;
        int ldb = form == Form.NT ? k : n;
        sgemm(form, m, n, k, a, 0, lda, b, 0, ldb, c, 0, n, accumulate);
    }
}
