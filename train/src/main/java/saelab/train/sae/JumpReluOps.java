package saelab.train.sae;

import saelab.tensor.CustomOp;
import saelab.tensor.Tensor;

/**
 * The two discontinuous functions of a JumpReLU SAE as autograd ops, with the straight-through
 * estimators of Rajamanoharan et al. 2024 ("Jumping ahead", eqs. 11–12), in the form SAELens's
 * {@code JumpReLU} and {@code Step} autograd functions (sae_lens/saes/jumprelu_sae.py) give them:
 * <pre>
 *   jumpRelu(z, θ) = z·H(z − θ)   ∂/∂z = H(z − θ)         ∂/∂θ = −(θ/ε)·K((z − θ)/ε)
 *   step(z, θ)     = H(z − θ)     ∂/∂z = 0 (no estimator)  ∂/∂θ = −(1/ε)·K((z − θ)/ε)
 * </pre>
 * with H(u) = 1 for u &gt; 0 (0 at the jump, as torch's {@code x > threshold}) and the rectangle
 * kernel K(u) = 1 for −½ &lt; u &lt; ½ (open at both ends, as the references). The pre-activation
 * z is [rows, m] and θ is [m], one threshold per latent; θ's estimator is summed over rows.
 * θ's true derivative is zero almost everywhere: the estimator is what lets the threshold learn.
 */
public final class JumpReluOps {
    private JumpReluOps() {}

    /** z·H(z − θ), with the pass-through gradient to z and the rectangle-kernel estimator to θ. */
    public static Tensor jumpRelu(Tensor pre, Tensor threshold, float bandwidth) {
        return apply("jumpRelu", pre, threshold, bandwidth, true);
    }

    /** H(z − θ) (what the L0 counts): no gradient to z, the rectangle-kernel estimator to θ. */
    public static Tensor step(Tensor pre, Tensor threshold, float bandwidth) {
        return apply("step", pre, threshold, bandwidth, false);
    }

    private static Tensor apply(String name, Tensor pre, Tensor threshold, float bandwidth, boolean passValue) {
        int rows = pre.rows(), m = pre.cols();
        if (pre.rank() != 2 || threshold.rank() != 1 || threshold.dim(0) != m) {
            throw new IllegalArgumentException(name + ": pre-activations must be [rows, m] and the threshold [m], got "
                    + java.util.Arrays.toString(pre.shape()) + " and " + java.util.Arrays.toString(threshold.shape()));
        }
        if (!(bandwidth > 0) || !Float.isFinite(bandwidth)) {
            throw new IllegalArgumentException(name + ": bandwidth ε must be a positive number, got " + bandwidth);
        }
        float[] z = pre.data(), th = threshold.data();
        int zo = pre.offset(), to = threshold.offset();
        float[] y = new float[rows * m];
        for (int b = 0; b < rows; b++) {
            for (int j = 0; j < m; j++) {
                float v = z[zo + b * m + j];
                if (v > th[to + j]) y[b * m + j] = passValue ? v : 1f;
            }
        }
        return CustomOp.record(name, Tensor.wrap(y, 0, rows, m), (g, grads) -> {
            float[] gz = grads.of(pre);
            if (gz != null && passValue) {
                for (int i = 0; i < rows * m; i++) if (z[zo + i] > th[to + i % m]) gz[i] += g[i];
            }
            float[] gt = grads.of(threshold);
            if (gt == null) return;
            // Per latent, the rows whose z lies within ε/2 of θ: Σ g there, times −θ/ε or −1/ε.
            double[] window = new double[m];
            for (int b = 0; b < rows; b++) {
                for (int j = 0; j < m; j++) {
                    float u = (z[zo + b * m + j] - th[to + j]) / bandwidth;
                    if (u > -0.5f && u < 0.5f) window[j] += g[b * m + j];
                }
            }
            for (int j = 0; j < m; j++) {
                double scale = passValue ? th[to + j] / bandwidth : 1.0 / bandwidth;
                gt[j] += (float) (-scale * window[j]);
            }
        }, pre, threshold);
    }
}
