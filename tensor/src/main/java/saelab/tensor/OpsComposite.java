package saelab.tensor;

/**
 * Composite ops: built only from primitives, so they need no backward rule of their own, and
 * their gradients are right whenever the primitives' are. If one turns out hot, it can be
 * promoted to a primitive with a fused rule; the gradient tests keep it honest either way.
 */
final class OpsComposite {
    private OpsComposite() {}

    /** x + s, via a broadcast [1] constant. */
    static Tensor addScalar(Tensor x, float s) {
        return x.add(Tensor.scalar(s));
    }

    /** x · s, via a broadcast [1] constant. */
    static Tensor mulScalar(Tensor x, float s) {
        return x.mul(Tensor.scalar(s));
    }

    /** x², as x·x: mul adds both operand gradients into x, giving 2x. */
    static Tensor square(Tensor x) {
        return x.mul(x);
    }

    /** Sum of everything, shape [1]: a flat view, then the sum of its one row. */
    static Tensor sumAll(Tensor x) {
        return x.reshape(x.numel()).sum(0, false);
    }

    static Tensor meanAll(Tensor x) {
        return sumAll(x).mul(1f / x.numel());
    }

    static Tensor mean(Tensor x, int axis, boolean keepdim) {
        Tensor s = x.sum(axis, keepdim);
        // Elements folded into each output: the reduced axis' length.
        int n = x.numel() / s.numel();
        return s.mul(1f / n);
    }

    /** softmax = exp(logSoftmax): inherits logSoftmax's max-subtracted stability. */
    static Tensor softmax(Tensor x) {
        return x.logSoftmax().exp();
    }

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);

    /** GELU, tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    static Tensor gelu(Tensor x) {
        Tensor cube = x.square().mul(x);
        Tensor inner = x.add(cube.mul(0.044715f)).mul(SQRT_2_OVER_PI);
        return x.mul(inner.tanh().add(1f)).mul(0.5f);
    }

    /** x ⊙ mask for a constant mask (dropout, dead-feature masks); broadcasting as in mul. */
    static Tensor maskMul(Tensor x, Tensor mask) {
        if (mask.requiresGrad()) {
            throw new IllegalArgumentException("maskMul: the mask must be a constant (requiresGrad false); "
                    + "use mul() to differentiate through both, or pass mask.detach()");
        }
        return x.mul(mask);
    }

    /**
     * Mean cross-entropy of logits [n, C] against class ids: −mean_i logSoftmax(logits)[i, y_i].
     * The pick is a gather: view the log-probabilities as a table of n·C one-element rows and
     * gather row i·C + y_i.
     */
    static Tensor crossEntropy(Tensor logits, int[] targets) {
        if (logits.rank() != 2 || logits.rows() != targets.length) {
            throw new IllegalArgumentException("crossEntropy: logits " + Shape.str(logits.shape())
                    + " need one row per target, got " + targets.length + " targets");
        }
        int c = logits.cols();
        int[] flat = new int[targets.length];
        for (int i = 0; i < targets.length; i++) {
            if (targets[i] < 0 || targets[i] >= c) {
                throw new IndexOutOfBoundsException("crossEntropy: target[" + i + "] = " + targets[i]
                        + " outside " + c + " classes");
            }
            flat[i] = i * c + targets[i];
        }
        return logits.logSoftmax().reshape(-1, 1).gatherRows(flat).mean().neg();
    }
}
