package saelab.tensor;

import saelab.tensor.kernels.VectorOps;

/**
 * Primitive binary ops with row/column broadcasting: add, sub, mul, div.
 *
 * <p>Broadcasting (matrix reading, see {@link Shape}): operands [ra,ca] and [rb,cb] are
 * compatible when, per axis, the sizes are equal or one of them is 1; the output is
 * [max(ra,rb), max(ca,cb)]. So [r,c] meets [1,c] (a row), [r,1] (a column) or [1,1] (a scalar)
 * on either side. The output has the larger rank of the two (two vectors give a vector).
 * Equal shapes of any rank work elementwise.
 *
 * <p>Backward: each output element's gradient is added to the input element it read, so an
 * input that was broadcast along an axis automatically gets its gradient SUMMED over that axis.
 */
final class OpsBinary {
    private OpsBinary() {}

    /** Each op: its value and its two local partial derivatives, given inputs a, b and output y. */
    enum Op {
        ADD("add") {
            float f(float a, float b) { return a + b; }
            float dA(float a, float b, float y) { return 1f; }
            float dB(float a, float b, float y) { return 1f; }
        },
        SUB("sub") {
            float f(float a, float b) { return a - b; }
            float dA(float a, float b, float y) { return 1f; }
            float dB(float a, float b, float y) { return -1f; }
        },
        MUL("mul") {
            float f(float a, float b) { return a * b; }
            float dA(float a, float b, float y) { return b; }
            float dB(float a, float b, float y) { return a; }
        },
        DIV("div") {
            float f(float a, float b) { return a / b; }
            float dA(float a, float b, float y) { return 1f / b; }
            // d(a/b)/db = -a/b² = -y/b, reusing the forward value.
            float dB(float a, float b, float y) { return -y / b; }
        };

        final String name;
        Op(String name) { this.name = name; }
        abstract float f(float a, float b);
        abstract float dA(float a, float b, float y);
        abstract float dB(float a, float b, float y);
    }

    static Tensor apply(Op op, Tensor a, Tensor b) {
        Broadcast bc = Broadcast.of(op.name, a.shape(), b.shape());
        float[] ad = a.data(), bd = b.data();
        int ao = a.offset(), bo = b.offset();
        int n = bc.rows * bc.cols;
        float[] y = new float[n];
        // Equal shapes take the vector kernels, which do the same float operation per element
        // as the loop below (bit-identical results); broadcasting and div take the loop.
        boolean flat = bc.isFlat();
        if (flat && op == Op.ADD) VectorOps.add(ad, ao, bd, bo, y, 0, n);
        else if (flat && op == Op.MUL) VectorOps.mul(ad, ao, bd, bo, y, 0, n);
        else {
            for (int i = 0, o = 0; i < bc.rows; i++) {
                for (int j = 0; j < bc.cols; j++, o++) {
                    y[o] = op.f(ad[ao + bc.aIndex(i, j)], bd[bo + bc.bIndex(i, j)]);
                }
            }
        }
        Tensor out = new Tensor(y, 0, bc.outShape);
        return Autograd.record(out, op.name, gy -> {
            float[] ga = a.requiresGrad() ? a.gradBuffer() : null;
            float[] gb = b.requiresGrad() ? b.gradBuffer() : null;
            if (flat && (op == Op.ADD || op == Op.SUB)) {
                // d/da = 1 and d/db = ±1: the gradient passes through as one vector add.
                if (ga != null) VectorOps.add(ga, 0, gy, 0, ga, 0, n);
                if (gb != null) VectorOps.axpy(op == Op.ADD ? 1f : -1f, gy, 0, gb, 0, n);
                return;
            }
            for (int i = 0, o = 0; i < bc.rows; i++) {
                for (int j = 0; j < bc.cols; j++, o++) {
                    int ai = bc.aIndex(i, j), bi = bc.bIndex(i, j);
                    float av = ad[ao + ai], bv = bd[bo + bi];
                    if (ga != null) ga[ai] += gy[o] * op.dA(av, bv, y[o]);
                    if (gb != null) gb[bi] += gy[o] * op.dB(av, bv, y[o]);
                }
            }
        }, a, b);
    }

    /**
     * Index arithmetic for one broadcast pair: an operand's stride along an axis is 0 when it is
     * broadcast along that axis, so one loop serves every combination.
     */
    record Broadcast(int rows, int cols, int[] outShape,
                     int aRowStride, int aColStride, int bRowStride, int bColStride) {
        int aIndex(int i, int j) { return i * aRowStride + j * aColStride; }
        /** Equal shapes: both operands read element o at offset o. */
        boolean isFlat() { return rows == 1 && aColStride == 1 && bColStride == 1 && aRowStride == 0 && bRowStride == 0; }
        int bIndex(int i, int j) { return i * bRowStride + j * bColStride; }

        static Broadcast of(String op, int[] a, int[] b) {
            if (Shape.same(a, b)) {
                // Any rank: flatten to one row.
                int n = Shape.numel(a);
                return new Broadcast(1, n, a, 0, 1, 0, 1);
            }
            if (a.length > 2 || b.length > 2) {
                throw new IllegalArgumentException(op + ": shapes " + Shape.str(a) + " and " + Shape.str(b)
                        + " differ and broadcasting is only defined for rank <= 2");
            }
            int ra = Shape.rows(a), ca = Shape.cols(a), rb = Shape.rows(b), cb = Shape.cols(b);
            if ((ra != rb && ra != 1 && rb != 1) || (ca != cb && ca != 1 && cb != 1)) {
                throw new IllegalArgumentException(op + ": shapes " + Shape.str(a) + " and " + Shape.str(b)
                        + " do not broadcast (each axis must match or be 1)");
            }
            int r = Math.max(ra, rb), c = Math.max(ca, cb);
            int[] out = Math.max(a.length, b.length) == 1 ? new int[] {c} : new int[] {r, c};
            return new Broadcast(r, c, out,
                    ra == 1 ? 0 : ca, ca == 1 ? 0 : 1,
                    rb == 1 ? 0 : cb, cb == 1 ? 0 : 1);
        }
    }
}
