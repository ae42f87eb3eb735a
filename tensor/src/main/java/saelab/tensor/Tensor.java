package saelab.tensor;

import java.util.SplittableRandom;
import saelab.tensor.kernels.ReusableArrays;

/**
 * A float32 tensor: row-major, contiguous storage {@code data[offset .. offset+numel)} and a
 * shape of rank ≥ 1. Row-range views ({@link #rows}) and {@link #reshape} share the array.
 *
 * <p>Autograd: a tensor either is a LEAF (created here; it requires grad only if marked with
 * {@link #setRequiresGrad}) or the output of an op, which remembers its parents and a local
 * backward rule when some parent requires grad (see {@link Autograd}). Op methods on this class
 * are thin delegates; primitives live in the {@code Ops*} classes, compositions in
 * {@link OpsComposite}.
 *
 * <p>Ops never write into their inputs, and backward rules read the inputs' storage when they
 * run, so a tensor must not be mutated between the forward pass that used it and backward.
 * Code that updates parameters in place (optimizers) writes {@link #data()} after backward.
 */
public final class Tensor {
    private final float[] data;
    private final int offset;
    private final int[] shape;
    private final int numel;

    private boolean requiresGrad;
    /** Gradient of the loss w.r.t. this tensor, contiguous from index 0; null until needed. */
    private float[] grad;

    // Graph node, set by Autograd.record; null for leaves.
    private String op;
    private Autograd.Backward backward;
    private Tensor[] parents = NO_PARENTS;
    private static final Tensor[] NO_PARENTS = new Tensor[0];

    Tensor(float[] data, int offset, int[] shape) {
        this.shape = Shape.of(shape);
        this.numel = Shape.numel(this.shape);
        if (offset < 0 || offset + (long) numel > data.length) {
            throw new IllegalArgumentException("storage of length " + data.length + " cannot hold shape "
                    + Shape.str(shape) + " at offset " + offset);
        }
        this.data = data;
        this.offset = offset;
    }

    // ---------------------------------------------------------------- creation

    /** A copy of {@code values} with the given shape. */
    public static Tensor of(float[] values, int... shape) {
        int n = Shape.numel(Shape.of(shape));
        if (values.length != n) {
            throw new IllegalArgumentException("of: " + values.length + " values do not fill shape " + Shape.str(shape));
        }
        return new Tensor(values.clone(), 0, shape);
    }

    /** Shares {@code storage} (no copy): elements {@code storage[offset ..]} in row-major order. */
    public static Tensor wrap(float[] storage, int offset, int... shape) {
        return new Tensor(storage, offset, shape);
    }

    public static Tensor scalar(float value) {
        return new Tensor(new float[] {value}, 0, new int[] {1});
    }

    public static Tensor zeros(int... shape) {
        return new Tensor(new float[Shape.numel(Shape.of(shape))], 0, shape);
    }

    public static Tensor full(float value, int... shape) {
        float[] d = new float[Shape.numel(Shape.of(shape))];
        java.util.Arrays.fill(d, value);
        return new Tensor(d, 0, shape);
    }

    public static Tensor ones(int... shape) {
        return full(1f, shape);
    }

    /** Standard normal entries from a seeded generator: the same seed gives the same tensor. */
    public static Tensor randn(long seed, int... shape) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = new float[Shape.numel(Shape.of(shape))];
        for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextGaussian();
        return new Tensor(d, 0, shape);
    }

    /** Uniform entries in [0, 1) from a seeded generator. */
    public static Tensor rand(long seed, int... shape) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = new float[Shape.numel(Shape.of(shape))];
        for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextDouble();
        return new Tensor(d, 0, shape);
    }

    // ---------------------------------------------------------------- storage and access

    public int[] shape() { return shape.clone(); }
    public int rank() { return shape.length; }
    public int dim(int i) { return shape[i]; }
    public int numel() { return numel; }
    /** Rows of the matrix reading (1 for a vector). */
    public int rows() { return Shape.rows(shape); }
    /** Columns of the matrix reading (the last dimension). */
    public int cols() { return Shape.cols(shape); }

    /** The backing array, shared with views; this tensor is {@code data()[offset() .. offset()+numel())}. */
    public float[] data() { return data; }
    public int offset() { return offset; }

    public float item() {
        if (numel != 1) throw new IllegalStateException("item() needs exactly 1 element, got shape " + Shape.str(shape));
        return data[offset];
    }

    /** Element i of a vector, or flat element i of any tensor. */
    public float get(int i) {
        if (i < 0 || i >= numel) throw new IndexOutOfBoundsException("index " + i + " out of " + Shape.str(shape));
        return data[offset + i];
    }

    public float get(int i, int j) {
        if (shape.length != 2) throw new IllegalStateException("get(i, j) needs a 2-D tensor, got shape " + Shape.str(shape));
        if (i < 0 || i >= shape[0] || j < 0 || j >= shape[1]) {
            throw new IndexOutOfBoundsException("index (" + i + ", " + j + ") out of " + Shape.str(shape));
        }
        return data[offset + i * shape[1] + j];
    }

    /** A fresh copy of the elements in row-major order. */
    public float[] toArray() {
        float[] out = new float[numel];
        System.arraycopy(data, offset, out, 0, numel);
        return out;
    }

    // ---------------------------------------------------------------- autograd state

    public boolean requiresGrad() { return requiresGrad; }

    /** Marks a leaf (a parameter) as needing a gradient. Op outputs decide this themselves. */
    public Tensor setRequiresGrad(boolean requires) {
        if (!isLeaf()) {
            throw new IllegalStateException("setRequiresGrad: only leaves can be marked; this is the output of "
                    + op + " (use detach() for a leaf copy of its value)");
        }
        this.requiresGrad = requires;
        return this;
    }

    public boolean isLeaf() { return backward == null; }

    /** The op that produced this tensor, or null for a leaf. */
    public String op() { return op; }

    /**
     * The accumulated gradient as a new tensor of this shape, or null if none has arrived.
     * Only leaves keep one after backward; op outputs' gradients are dropped when it ends.
     */
    public Tensor grad() {
        fillPendingZeros();
        return grad == null ? null : new Tensor(grad.clone(), 0, shape);
    }

    /** The live gradient buffer (contiguous, from index 0), or null: for optimizers. */
    public float[] gradData() {
        gradZeroed = false; // the caller may write into it
        fillPendingZeros();
        return grad;
    }

    /**
     * Sets the accumulated gradient to zero. The next backward then sums straight into this
     * buffer instead of into a fresh one added back at the end (at 37M-float weights that fresh
     * buffer and the add-back pass cost about as much as the sparse backward products). The zeros
     * are written when first needed: a backward rule that writes every element never needs them.
     */
    public void zeroGrad() {
        if (grad == null) return;
        gradPendingZeros = true;
        gradZeroed = true;
    }

    /**
     * True while grad is all zeros in meaning but not yet in memory ({@link #zeroGrad}): whoever
     * reads or adds into it first fills it ({@link #fillPendingZeros}), or a backward rule takes it to
     * overwrite whole ({@link #takeGradToOverwrite}), zeroing each piece just before it adds into
     * it, in cache. At gemma-2-2b's SAE shape the two weight gradients are 302 MB, and the separate
     * fill was a pass over them from memory: 5-9 ms of a 530 ms step.
     */
    private boolean gradPendingZeros;

    private void fillPendingZeros() {
        if (!gradPendingZeros) return;
        gradPendingZeros = false;
        float[] g = grad;
        saelab.tensor.kernels.Parallel.forChunks(g.length, ZERO_CHUNK, (from, to) -> java.util.Arrays.fill(g, from, to, 0f));
    }

    /**
     * The gradient buffer when it holds nothing yet (zeroed lazily, so its contents are undefined),
     * for a rule that writes every element; null otherwise. The caller must then give each element
     * the value a zeroed buffer would hold after its adds (for instance by zeroing each piece just
     * before adding into it).
     */
    float[] takeGradToOverwrite() {
        if (!gradPendingZeros) return null;
        gradPendingZeros = false;
        return grad;
    }

    /** Floats zeroed per task by {@link #fillPendingZeros}. */
    private static final int ZERO_CHUNK = 1 << 20;

    /** True while grad holds (or is pending) the zeros of {@link #zeroGrad} and nobody has been handed the array since. */
    private boolean gradZeroed;

    /** Whether grad is still all zeros from {@link #zeroGrad}; clears the mark (backward is about to fill it). */
    boolean takeZeroedGrad() {
        boolean z = gradZeroed && grad != null;
        gradZeroed = false;
        return z;
    }

    /** Backpropagates from this scalar; leaf gradients accumulate (see {@link Autograd}). */
    public void backward() {
        Autograd.backward(this);
    }

    /** A leaf sharing this tensor's storage, cut off from the graph. */
    public Tensor detach() {
        return new Tensor(data, offset, shape);
    }

    float[] gradBuffer() {
        if (grad == null) grad = new float[numel];
        fillPendingZeros();
        return grad;
    }

    /**
     * A zeroed gradient buffer for this backward pass. An op output's comes from the shared
     * {@link ReusableArrays} and goes back in {@link #releaseGrad} when the pass ends (no backward
     * rule keeps its gradOut array); a leaf's is its own, kept after the pass.
     */
    void resetGrad() {
        grad = isLeaf() ? new float[numel] : ReusableArrays.shared().floatsZeroed(numel);
        gradZeroed = false;
        gradPendingZeros = false;
    }

    void setGrad(float[] g) { grad = g; gradZeroed = false; gradPendingZeros = false; }

    /** Drops an op output's gradient at the end of a backward pass, giving its buffer back for the next pass. */
    void releaseGrad() {
        float[] g = grad;
        grad = null;
        gradZeroed = false;
        gradPendingZeros = false;
        ReusableArrays.shared().give(g);
    }
    Tensor[] parents() { return parents; }
    Autograd.Backward backwardRule() { return backward; }

    void attach(String op, Autograd.Backward rule, Tensor[] parents) {
        this.op = op;
        this.backward = rule;
        this.parents = parents;
        this.requiresGrad = true;
    }

    // ---------------------------------------------------------------- primitive ops (see Ops*)

    public Tensor add(Tensor b) { return OpsBinary.apply(OpsBinary.Op.ADD, this, b); }
    public Tensor sub(Tensor b) { return OpsBinary.apply(OpsBinary.Op.SUB, this, b); }
    public Tensor mul(Tensor b) { return OpsBinary.apply(OpsBinary.Op.MUL, this, b); }
    public Tensor div(Tensor b) { return OpsBinary.apply(OpsBinary.Op.DIV, this, b); }

    public Tensor relu() { return OpsUnary.apply(OpsUnary.Op.RELU, this); }
    public Tensor abs() { return OpsUnary.apply(OpsUnary.Op.ABS, this); }
    public Tensor sqrt() { return OpsUnary.apply(OpsUnary.Op.SQRT, this); }
    public Tensor exp() { return OpsUnary.apply(OpsUnary.Op.EXP, this); }
    public Tensor log() { return OpsUnary.apply(OpsUnary.Op.LOG, this); }
    public Tensor tanh() { return OpsUnary.apply(OpsUnary.Op.TANH, this); }
    /** Elementwise clamp to [lo, hi]; gradient passes only strictly inside (lo, hi). */
    public Tensor clamp(float lo, float hi) { return OpsUnary.clamp(this, lo, hi); }

    /** this·b, this a [m,k] and b a [k,n] matrix. */
    public Tensor matmul(Tensor b) { return OpsMatmul.matmul(this, b, false, false); }
    /** op(this)·op(b) where op transposes when the flag is set; no transpose is materialized except for both. */
    public Tensor matmul(Tensor b, boolean transA, boolean transB) { return OpsMatmul.matmul(this, b, transA, transB); }

    /**
     * Sum over one axis of a matrix (a vector has only axis 0). With keepdim the reduced axis
     * stays as size 1 ([r,c] → [1,c] or [r,1]); without, it is dropped ([c] or [r]; a vector
     * sums to [1], since rank is at least 1).
     */
    public Tensor sum(int axis, boolean keepdim) { return OpsReduce.sum(this, axis, keepdim); }
    /** log(softmax(x)) along the last axis, computed stably (max subtracted). */
    public Tensor logSoftmax() { return OpsReduce.logSoftmax(this); }

    /** Same elements, new shape (one dimension may be -1); shares storage. */
    public Tensor reshape(int... newShape) { return OpsShape.reshape(this, newShape); }
    /** Rows [from, to) of a matrix as a view sharing storage. */
    public Tensor rows(int from, int to) { return OpsShape.rows(this, from, to); }
    /** Matrix transpose (a copy); a vector [n] becomes the column [n,1]. */
    public Tensor transpose() { return OpsShape.transpose(this); }

    /** Per row, keeps the k largest entries and zeroes the rest (ties → lower index). */
    public Tensor topk(int k) { return OpsSelect.topk(this, k).dense(); }
    /** Like {@link #topk} but also exposes the kept indices and values. */
    public TopKSelection topkSelect(int k) { return OpsSelect.topk(this, k); }
    /** Embedding lookup: row ids[i] of this table becomes row i of the output. */
    public Tensor gatherRows(int... ids) { return OpsSelect.gatherRows(this, ids); }

    // ---------------------------------------------------------------- composite ops (see OpsComposite)

    public Tensor add(float s) { return OpsComposite.addScalar(this, s); }
    public Tensor sub(float s) { return OpsComposite.addScalar(this, -s); }
    public Tensor mul(float s) { return OpsComposite.mulScalar(this, s); }
    public Tensor div(float s) { return OpsComposite.mulScalar(this, 1f / s); }
    public Tensor neg() { return OpsComposite.mulScalar(this, -1f); }
    public Tensor square() { return OpsComposite.square(this); }
    public Tensor gelu() { return OpsComposite.gelu(this); }
    public Tensor softmax() { return OpsComposite.softmax(this); }
    /** Sum of all elements, shape [1]. */
    public Tensor sum() { return OpsComposite.sumAll(this); }
    public Tensor mean() { return OpsComposite.meanAll(this); }
    /**
     * Mean over rows of the squared distance to {@code target} (a constant of this shape): the
     * value and gradient of {@code sub(target).square().sum(1, false).mean()} bit for bit, fused.
     */
    public Tensor squaredErrorRowMean(Tensor target) { return OpsFused.squaredErrorRowMean(this, target); }
    /** Mean over one axis; keepdim as in {@link #sum(int, boolean)}. */
    public Tensor mean(int axis, boolean keepdim) { return OpsComposite.mean(this, axis, keepdim); }
    /** Elementwise product with a constant mask (which must not require grad). */
    public Tensor maskMul(Tensor mask) { return OpsComposite.maskMul(this, mask); }
    /** Mean cross-entropy of these logits [n, C] against n class ids. */
    public Tensor crossEntropy(int... targets) { return OpsComposite.crossEntropy(this, targets); }

    // ---------------------------------------------------------------- printing

    private static final int SHOW = 6;

    /** Shape, op/grad flags and up to 6×6 leading values, e.g. {@code Tensor[2, 3] grad(add) [[1, 2, 3], [4, 5, 6]]}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(Shape.str(shape));
        if (requiresGrad) sb.append(isLeaf() ? " requiresGrad" : " grad(" + op + ")");
        sb.append(' ');
        if (shape.length > 2) return sb.append("(").append(numel).append(" values)").toString();
        int r = rows(), c = cols();
        if (shape.length == 2) sb.append('[');
        for (int i = 0; i < Math.min(r, SHOW); i++) {
            if (i > 0) sb.append(", ");
            sb.append('[');
            for (int j = 0; j < Math.min(c, SHOW); j++) {
                if (j > 0) sb.append(", ");
                sb.append(fmt(data[offset + i * c + j]));
            }
            if (c > SHOW) sb.append(", ...");
            sb.append(']');
        }
        if (r > SHOW) sb.append(", ...");
        if (shape.length == 2) sb.append(']');
        return sb.toString();
    }

    private static String fmt(float v) {
        if (v == (int) v && Math.abs(v) < 1e7) return Integer.toString((int) v);
        String s = String.format(java.util.Locale.ROOT, "%.4g", v);
        // 4 significant digits without padding zeros: 2.500 → 2.5 (exponent forms left alone).
        return s.contains("e") || !s.contains(".") ? s : s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
}
