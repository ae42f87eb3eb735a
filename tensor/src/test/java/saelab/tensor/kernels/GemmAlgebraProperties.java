package saelab.tensor.kernels;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import saelab.tensor.Props;

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
     * m, n in 1..90; k in 0..300 (k = 0: every side must be exactly 0).
     */
    @Test
    void transposeOfProductIsProductOfTransposes() {
        Props.qt(7321, 120).forAll(Props.ints(1, 90), Props.ints(1, 90), Props.ints(0, 300), Props.seeds())
                .checkAssert(GemmAlgebraProperties::transposeLaw);
    }

    private static void transposeLaw(int m, int n, int k, long seed) {
        Random r = new Random(seed);
        float[] a = GemmCheck.random(r, m * k), b = GemmCheck.random(r, k * n);
        float[] at = transpose(a, m, k), bt = transpose(b, k, n);
        float[] ab = nans(m * n), viaTN = nans(n * m), viaNT = nans(n * m);
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
     * Sizes as for the transpose law.
     */
    @Test
    void distributesOverAddition() {
        Gen<Gemm.Form> forms = Props.oneOf(Gemm.Form.class);
        Gen<Integer> rows = Props.ints(1, 90), inner = Props.ints(0, 300);
        Gen<Long> seeds = Props.seeds();
        Gen<Product> products = in -> new Product(forms.generate(in), rows.generate(in), rows.generate(in),
                inner.generate(in), seeds.generate(in));
        Props.qt(7322, 120).forAll(products).checkAssert(p -> distributes(p.form(), p.m(), p.n(), p.k(), p.seed()));
    }

    /** op(A) [m,k] times [k,n] in the given form, and a data seed. */
    record Product(Gemm.Form form, int m, int n, int k, long seed) {}

    private static void distributes(Gemm.Form form, int m, int n, int k, long seed) {
        Random r = new Random(seed);
        int lda = form == Gemm.Form.TN ? m : k, ldb = form == Gemm.Form.NT ? k : n;
        float[] a = GemmCheck.random(r, m * k), b = GemmCheck.random(r, k * n), c = GemmCheck.random(r, k * n);
        float[] sum = new float[k * n];
        for (int x = 0; x < sum.length; x++) sum[x] = b[x] + c[x];
        float[] left = nans(m * n), right = nans(m * n);
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

    /** C before a product that does not accumulate: NaN, so a cell left unwritten (k = 0 included) fails. */
    private static float[] nans(int size) {
        float[] c = new float[size];
        java.util.Arrays.fill(c, Float.NaN);
        return c;
    }

    private static float[] transpose(float[] x, int rows, int cols) {
        float[] t = new float[x.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
        }
        return t;
    }
}
