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
 * not mutate the inputs; inputs must not be mutated between forward and backward. The one
 * exception is {@link Grads#fresh}: a rule that writes every element of a gradient may take a
 * buffer nothing has been added into yet and fill it as adding into zeros would, sparing a pass that
 * writes the zeros first. Outside a
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

        /**
         * The parent's gradient buffer when nothing has been added into it yet in this pass (a leaf
         * whose gradient was just {@link Tensor#zeroGrad zeroed}, its zeros not yet written), for a rule
         * that writes every element instead of adding: each element must end as it would after adding
         * into zeros (zero a piece, in cache, just before adding into it; or write {@code 0f + sum}: +0
         * for a zero sum, never −0).
         * Null when the rule must add into {@link #of} instead, or the parent takes no gradient. A rule
         * that gets a buffer here must not also call {@link #of} for that parent.
         */
        public float[] fresh(Tensor parent) {
            for (Tensor p : parents) {
                if (p == parent) return p.requiresGrad() ? p.takeGradToOverwrite() : null;
            }
            throw new IllegalArgumentException("Grads.fresh: this tensor is not a parent of the op");
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
