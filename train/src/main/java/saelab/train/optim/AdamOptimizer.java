package saelab.train.optim;

import java.util.List;
import saelab.tensor.Tensor;

/**
 * Adam (Kingma and Ba) with bias correction, as torch.optim.Adam computes it:
 * m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², θ ← θ − lr·m̂ / (√v̂ + ε) with
 * m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t). The moments and t are the whole state, so saving
 * and restoring them continues a run exactly.
 */
public final class AdamOptimizer {
    private final List<Tensor> params;
    private final double beta1, beta2, eps;
    private final float[][] m, v;
    private long t;

    public AdamOptimizer(List<Tensor> params, double beta1, double beta2, double eps) {
        this.params = List.copyOf(params);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        m = new float[params.size()][];
        v = new float[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            m[i] = new float[params.get(i).numel()];
            v[i] = new float[params.get(i).numel()];
        }
    }

    /** torch's defaults: β = (0.9, 0.999), ε = 1e-8. */
    public AdamOptimizer(List<Tensor> params) { this(params, 0.9, 0.999, 1e-8); }

    /** The scalars of update t at learning rate lr, rounded to float as {@link #step} uses them. */
    public record Coefficients(float beta1, float beta2, float stepSize, float invSqrtBc2, float eps) {}

    /** θ ← θ − stepSize·m / (√v·invSqrtBc2 + ε) with stepSize = lr / (1 − β1^t), invSqrtBc2 = 1 / √(1 − β2^t). */
    public Coefficients coefficients(double lr, long t) {
        double bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
        return new Coefficients((float) beta1, (float) beta2, (float) (lr / bc1), (float) (1 / Math.sqrt(bc2)), (float) eps);
    }

    /** One update with learning rate lr from the parameters' current gradients (absent: zero). */
    public void step(double lr) {
        t++;
        Coefficients c = coefficients(lr, t);
        float b1 = c.beta1(), b2 = c.beta2(), stepSize = c.stepSize(), invSqrtBc2 = c.invSqrtBc2(), e = c.eps();
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            float[] g = p.gradData();
            if (g == null) continue;
            float[] w = p.data(), mi = m[i], vi = v[i];
            for (int j = 0; j < w.length; j++) {
                float gj = g[j];
                mi[j] = b1 * mi[j] + (1 - b1) * gj;
                vi[j] = b2 * vi[j] + (1 - b2) * gj * gj;
                w[j] -= stepSize * mi[j] / ((float) Math.sqrt(vi[j]) * invSqrtBc2 + e);
            }
        }
    }

    /**
     * Counts an update made elsewhere (a device step applying {@link #coefficients} to moments it
     * holds); returns the new t. The host moments are then stale until copied back.
     */
    public long advance() { return ++t; }

    public long steps() { return t; }

    /** The first and second moments of parameter i (live arrays, for checkpoints). */
    public float[] firstMoment(int i) { return m[i]; }
    public float[] secondMoment(int i) { return v[i]; }

    /** Restores a saved state (copies the arrays). */
    public void restore(long steps, float[][] first, float[][] second) {
        if (first.length != m.length || second.length != v.length) throw new IllegalArgumentException("Adam state has " + first.length + " parameters, expected " + m.length);
        for (int i = 0; i < m.length; i++) {
            if (first[i].length != m[i].length || second[i].length != v[i].length) throw new IllegalArgumentException("Adam state for parameter " + i + " has the wrong size");
            System.arraycopy(first[i], 0, m[i], 0, m[i].length);
            System.arraycopy(second[i], 0, v[i], 0, v[i].length);
        }
        t = steps;
    }

    /** Scales all gradients so that their global L2 norm is at most maxNorm; returns the norm before. */
    public static double clipGradNorm(List<Tensor> params, double maxNorm) {
        double sq = 0;
        for (Tensor p : params) {
            float[] g = p.gradData();
            if (g != null) for (float x : g) sq += (double) x * x;
        }
        double norm = Math.sqrt(sq);
        if (norm > maxNorm) {
            // torch's clip_grad_norm_: scale by max / (norm + 1e-6).
            float s = (float) (maxNorm / (norm + 1e-6));
            for (Tensor p : params) {
                float[] g = p.gradData();
                if (g != null) for (int j = 0; j < g.length; j++) g[j] *= s;
            }
        }
        return norm;
    }
}
