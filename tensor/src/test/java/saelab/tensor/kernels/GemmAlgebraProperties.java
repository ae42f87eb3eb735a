package saelab.tensor.kernels;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Algebraic laws of the product, checked on {@link Gemm} alone (no oracle): the transpose law
 * through the other forms on the same arrays, and distributivity through accumulation.
 */
class GemmAlgebraProperties {

    /**
     * (AB)ᵀ = BᵀAᵀ. AB is computed with NN; BᵀAᵀ twice: with TN reading B's array as stored
     * (k×n, so the TN operand is Bᵀ) against an explicit Aᵀ, and with NT reading A's array as
     * stored (m×k, so the NT operand's transpose is Aᵀ) against an explicit Bᵀ. Each side sums
     * the same k products in float32 in its own order: the {@link GemmCheck} bound with k terms.
     */
    @Property(tries = 120, seed = "7321")
    void transposeOfProductIsProductOfTransposes(@ForAll @IntRange(min = 1, max = 90) int m,
                                                 @ForAll @IntRange(min = 1, max = 90) int n,
                                                 @ForAll @IntRange(min = 1, max = 300) int k, @ForAll long seed) {
        Random r = new Random(seed);
        float[] a = GemmCheck.random(r, m * k), b = GemmCheck.random(r, k * n);
        float[] at = transpose(a, m, k), bt = transpose(b, k, n);
        float[] ab = new float[m * n], viaTN = new float[n * m], viaNT = new float[n * m];
        Gemm.sgemm(Gemm.Form.NN, m, n, k, a, 0, k, b, 0, n, ab, 0, n, false);
        Gemm.sgemm(Gemm.Form.TN, n, m, k, b, 0, n, at, 0, m, viaTN, 0, m, false);
        Gemm.sgemm(Gemm.Form.NT, n, m, k, bt, 0, k, a, 0, k, viaNT, 0, m, false);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double mag = GemmCheck.magnitude(Gemm.Form.NN, i, j, k, a, 0, k, b, 0, n);
                String at_ = m + "x" + n + "x" + k + " (AB)ᵀ[" + j + "][" + i + "]";
                GemmCheck.assertClose(at_ + " via TN", viaTN[j * m + i], ab[i * n + j], k, mag);
                GemmCheck.assertClose(at_ + " via NT", viaNT[j * m + i], ab[i * n + j], k, mag);
            }
        }
    }

    /**
     * op(A)·(op(B) + op(C)) = op(A)op(B) + op(A)op(C), the right side by accumulating the second
     * product into the first. Bound, with S = Σ_p |a_ip|(|b_pj| + |c_pj|): rounding B + C costs
     * ε·S; the left product γ_k·(1+ε)·S; the right side is one recursive sum of 2k terms, γ_2k·S.
     * In total (3k + 1)·ε·S up to the 1/(1 - tε) factors, taken as 1.01 (tε ≤ 1/1000 here).
     */
    @Property(tries = 120, seed = "7322")
    void distributesOverAddition(@ForAll Gemm.Form form, @ForAll @IntRange(min = 1, max = 90) int m,
                                 @ForAll @IntRange(min = 1, max = 90) int n,
                                 @ForAll @IntRange(min = 1, max = 300) int k, @ForAll long seed) {
        Random r = new Random(seed);
        int lda = form == Gemm.Form.TN ? m : k, ldb = form == Gemm.Form.NT ? k : n;
        float[] a = GemmCheck.random(r, m * k), b = GemmCheck.random(r, k * n), c = GemmCheck.random(r, k * n);
        float[] sum = new float[k * n];
        for (int x = 0; x < sum.length; x++) sum[x] = b[x] + c[x];
        float[] left = new float[m * n], right = new float[m * n];
        Gemm.sgemm(form, m, n, k, a, 0, lda, sum, 0, ldb, left, 0, n, false);
        Gemm.sgemm(form, m, n, k, a, 0, lda, b, 0, ldb, right, 0, n, false);
        Gemm.sgemm(form, m, n, k, a, 0, lda, c, 0, ldb, right, 0, n, true);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = GemmCheck.magnitude(form, i, j, k, a, 0, lda, b, 0, ldb)
                        + GemmCheck.magnitude(form, i, j, k, a, 0, lda, c, 0, ldb);
                GemmCheck.assertWithin(form + " " + m + "x" + n + "x" + k + " C[" + i + "][" + j + "]",
                        left[i * n + j], right[i * n + j], 1.01 * (3.0 * k + 1) * GemmCheck.EPS * s);
            }
        }
    }

    private static float[] transpose(float[] x, int rows, int cols) {
        float[] t = new float[x.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
        }
        return t;
    }
}
