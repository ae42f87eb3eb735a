package saelab.tensor;

import saelab.tensor.kernels.Parallel;
import saelab.tensor.kernels.ReusableArrays;

/**
 * Composites promoted to primitives with a fused rule because they are hot (see
 * {@link OpsComposite}): each gives the bits of the composite it replaces, value and gradient,
 * with one pass forward and one backward instead of a pass and a fresh array per step.
 */
final class OpsFused {
    private OpsFused() {}

    /** Rows per parallel task: rows are independent, so any split gives the same bits. */
    private static final int ROWS_PER_TASK = 64;

    /**
     * mean over rows of Σ_j (x − target)², with the bits of
     * {@code x.sub(target).square().sum(1, false).mean()}: each row's squares summed in double in
     * column order, the rows' float sums summed in double in row order, times 1f/rows. Backward
     * into x as that chain's rules compute it: with g = 0 + ḡ·(1/rows), each element receives
     * (0 + g·d) + g·d for d = x − target. The target must be a constant (every use here
     * reconstructs a fixed input).
     */
    static Tensor squaredErrorRowMean(Tensor x, Tensor target) {
        Shape.requireMatrix("squaredErrorRowMean", x.shape());
        if (!Shape.same(x.shape(), target.shape())) {
            throw new IllegalArgumentException("squaredErrorRowMean: shapes " + Shape.str(x.shape()) + " and " + Shape.str(target.shape()) + " differ");
        }
        if (target.requiresGrad()) throw new IllegalArgumentException("squaredErrorRowMean: the target must not require grad");
        int r = x.rows(), c = x.cols();
        float[] xd = x.data(), td = target.data();
        int xo = x.offset(), to = target.offset();
        // Scoped: read again by backward, so they live as long as the caller's scope (a training step), if one is open.
        float[] diff = ReusableArrays.scopedFloats(r * c), rowSum = ReusableArrays.scopedFloats(r);
        Parallel.forChunks(r, ROWS_PER_TASK, (r0, r1) -> {
            for (int i = r0; i < r1; i++) {
                double s = 0;
                for (int j = 0, o = i * c; j < c; j++, o++) {
                    float dd = xd[xo + o] - td[to + o];
                    diff[o] = dd;
                    s += dd * dd;
                }
                rowSum[i] = (float) s;
            }
        });
        double total = 0;
        for (int i = 0; i < r; i++) total += rowSum[i];
        float perRow = 1f / r;
        Tensor out = new Tensor(new float[] {(float) total * perRow}, 0, new int[] {1});
        return Autograd.record(out, "squaredErrorRowMean", gy -> {
            float g = 0f + gy[0] * perRow;
            float[] gx = x.gradBuffer();
            Parallel.forChunks(r, ROWS_PER_TASK, (r0, r1) -> {
                for (int o = r0 * c, end = r1 * c; o < end; o++) {
                    float t = g * diff[o];
                    gx[o] += (0f + t) + t;
                }
            });
        }, x, target);
    }
}
