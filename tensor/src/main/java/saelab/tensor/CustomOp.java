package saelab.tensor;

/**
 * The public extension point of autograd: code outside this package (fused SAE kernels, the
 * co-firing penalty) computes an op's value itself and supplies the backward rule, and the op
 * then takes part in {@link Tensor#backward()} like any built-in one.
 *
 * <pre>{@code
 * Tensor y = CustomOp.record("myOp", Tensor.wrap(values, 0, shape), (gradY, grads) -> {
 *     float[] gw = grads.of(w);          // null when w takes no gradient
 *     if (gw != null) ... gw[i] += ...;  // ADD, never assign
 * }, w, b);
 * }</pre>
 *
 * <p>The same contract as the built-in ops: the rule adds into the parents' gradients and must
 * not mutate the inputs; inputs must not be mutated between forward and backward. Outside a
 * recording scope, or when no parent requires grad, the output stays a constant.
 */
public final class CustomOp {
    private CustomOp() {}

    /** A backward rule: {@code gradOut} is dL/d(output), contiguous in the output's shape. */
    @FunctionalInterface
    public interface Rule {
        void backward(float[] gradOut, Grads grads);
    }

    /** Access to the gradient buffers of one op's parents during its backward rule. */
    public static final class Grads {
        private final Tensor[] parents;

        private Grads(Tensor[] parents) { this.parents = parents; }

        /**
         * The gradient buffer (contiguous from 0, the parent's shape) to add into, or null when
         * this parent takes no gradient, so rules can skip work nobody needs.
         */
        public float[] of(Tensor parent) {
            for (Tensor p : parents) {
                if (p == parent) return p.requiresGrad() ? p.gradBuffer() : null;
            }
            throw new IllegalArgumentException("Grads.of: this tensor is not a parent of the op");
        }
    }

    /**
     * Makes {@code out} (a fresh tensor, e.g. from {@link Tensor#wrap}) the output of an op named
     * {@code name} with the given parents and rule; returns {@code out}.
     */
    public static Tensor record(String name, Tensor out, Rule rule, Tensor... parents) {
        if (!out.isLeaf() || out.requiresGrad()) {
            throw new IllegalArgumentException("CustomOp.record: the output must be a fresh constant tensor");
        }
        Tensor[] ps = parents.clone();
        Grads grads = new Grads(ps);
        return Autograd.record(out, name, g -> rule.backward(g, grads), ps);
    }
}
