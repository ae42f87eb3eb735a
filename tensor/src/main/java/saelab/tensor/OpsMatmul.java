package saelab.tensor;

import saelab.tensor.kernels.Gemm;
import saelab.tensor.kernels.Gemm.Form;

/**
 * Primitive matrix product C = op(A)·op(B), where op transposes when its flag is set; forward and
 * both backward products go through {@link Gemm#sgemm}, picking the form (NN, NT, TN) that reads
 * the stored operands in place, so no transpose is ever materialized for the three
 * single-transpose cases. Backward accumulates straight into the parents' gradient buffers.
 *
 * <p>With G = dL/dC, the rules are dA = G·op(B)ᵀ and dB = op(A)ᵀ·G, rewritten per case in terms of
 * the STORED A and B:
 * <pre>
 *   C = A·B    (NN):  dA = G·Bᵀ  (NT)   dB = Aᵀ·G  (TN)
 *   C = A·Bᵀ   (NT):  dA = G·B   (NN)   dB = Gᵀ·A  (TN)
 *   C = Aᵀ·B   (TN):  dA = B·Gᵀ  (NT)   dB = A·G   (NN)
 *   C = Aᵀ·Bᵀ       : composite, transpose(A) then the NT case (Gemm has no TT form)
 * </pre>
 * A vector operand is read as a row [1, n].
 */
final class OpsMatmul {
    private OpsMatmul() {}

    static Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        Shape.requireMatrix("matmul", a.shape());
        Shape.requireMatrix("matmul", b.shape());
        if (transA && transB) return matmul(a.transpose(), b, false, true);

        // Stored shapes; lda/ldb are the stored column counts (tensors are contiguous).
        int ar = a.rows(), ac = a.cols(), br = b.rows(), bc = b.cols();
        int m = transA ? ac : ar, k = transA ? ar : ac;
        int kb = transB ? bc : br, n = transB ? br : bc;
        if (k != kb) {
            throw new IllegalArgumentException("matmul: inner dimensions differ for " + Shape.str(a.shape())
                    + (transA ? "ᵀ" : "") + " · " + Shape.str(b.shape()) + (transB ? "ᵀ" : "")
                    + ": " + k + " vs " + kb);
        }
        Form form = transA ? Form.TN : transB ? Form.NT : Form.NN;
        float[] ad = a.data(), bd = b.data();
        int ao = a.offset(), bo = b.offset();
        float[] c = new float[m * n];
        Gemm.sgemm(form, m, n, k, ad, ao, ac, bd, bo, bc, c, 0, n, false);
        Tensor out = new Tensor(c, 0, new int[] {m, n});

        return Autograd.record(out, "matmul", g -> {
            if (a.requiresGrad()) {
                float[] ga = a.gradBuffer();
                switch (form) {
                    case NN -> Gemm.sgemm(Form.NT, m, k, n, g, 0, n, bd, bo, bc, ga, 0, ac, true);
                    case NT -> Gemm.sgemm(Form.NN, m, k, n, g, 0, n, bd, bo, bc, ga, 0, ac, true);
                    case TN -> Gemm.sgemm(Form.NT, k, m, n, bd, bo, bc, g, 0, n, ga, 0, ac, true);
                }
            }
            if (b.requiresGrad()) {
                float[] gb = b.gradBuffer();
                switch (form) {
                    case NN -> Gemm.sgemm(Form.TN, k, n, m, ad, ao, ac, g, 0, n, gb, 0, bc, true);
                    case NT -> Gemm.sgemm(Form.TN, n, k, m, g, 0, n, ad, ao, ac, gb, 0, bc, true);
                    case TN -> Gemm.sgemm(Form.NN, k, n, m, ad, ao, ac, g, 0, n, gb, 0, bc, true);
                }
            }
        }, a, b);
    }
}
