package saelab.tensor;

/**
 * Primitive layout ops. reshape and rows are VIEWS (same array, no copy): their backward just
 * adds the output gradient into the matching slice of the input's gradient. transpose copies.
 */
final class OpsShape {
    private OpsShape() {}

    static Tensor reshape(Tensor x, int... newShape) {
        int[] shape = inferShape(x, newShape.clone());
        Tensor out = new Tensor(x.data(), x.offset(), shape);
        int n = x.numel();
        // Same elements in the same order: the gradient passes through unchanged.
        return Autograd.record(out, "reshape", gy -> {
            float[] gx = x.gradBuffer();
            for (int i = 0; i < n; i++) gx[i] += gy[i];
        }, x);
    }

    /** Validates the target shape, filling in at most one -1 from the element count. */
    private static int[] inferShape(Tensor x, int[] shape) {
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1 && infer < 0) infer = i;
            else if (shape[i] < 1) throw new IllegalArgumentException("reshape: bad target shape " + Shape.str(shape));
            else known *= shape[i];
        }
        if (infer >= 0) {
            if (x.numel() % known != 0) throw cannotView(x, shape);
            shape[infer] = (int) (x.numel() / known);
        }
        if (Shape.numel(Shape.of(shape)) != x.numel()) throw cannotView(x, shape);
        return shape;
    }

    private static IllegalArgumentException cannotView(Tensor x, int[] shape) {
        return new IllegalArgumentException("reshape: cannot view " + Shape.str(x.shape()) + " ("
                + x.numel() + " elements) as " + Shape.str(shape));
    }

    /** Rows [from, to) of a matrix: contiguous in row-major storage, so a view is just an offset. */
    static Tensor rows(Tensor x, int from, int to) {
        if (x.rank() != 2) throw new IllegalArgumentException("rows: needs a 2-D tensor, got shape " + Shape.str(x.shape()));
        int r = x.rows(), c = x.cols();
        if (from < 0 || to > r || from >= to) {
            throw new IllegalArgumentException("rows: range [" + from + ", " + to + ") is empty or outside "
                    + Shape.str(x.shape()));
        }
        Tensor out = new Tensor(x.data(), x.offset() + from * c, new int[] {to - from, c});
        int base = from * c, n = (to - from) * c;
        return Autograd.record(out, "rows", gy -> {
            float[] gx = x.gradBuffer();
            for (int i = 0; i < n; i++) gx[base + i] += gy[i];
        }, x);
    }

    static Tensor transpose(Tensor x) {
        Shape.requireMatrix("transpose", x.shape());
        int r = x.rows(), c = x.cols();
        float[] xd = x.data();
        int xo = x.offset();
        float[] y = new float[r * c];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) y[j * r + i] = xd[xo + i * c + j];
        }
        Tensor out = new Tensor(y, 0, new int[] {c, r});
        return Autograd.record(out, "transpose", gy -> {
            float[] gx = x.gradBuffer();
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < c; j++) gx[i * c + j] += gy[j * r + i];
            }
        }, x);
    }
}
