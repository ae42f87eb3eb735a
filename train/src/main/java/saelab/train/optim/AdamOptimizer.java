package saelab.train.optim;

import java.util.List;
import saelab.tensor.Tensor;
import saelab.tensor.kernels.Parallel;
import saelab.tensor.kernels.ReusableArrays;
import saelab.tensor.kernels.RowNorms;

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
        clipAndStep(lr, Double.NaN, -1, 0);
    }

    /**
     * The update's memory-bound passes fused: {@link #clipGradNorm} (when maxNorm > 0), {@link #step}
     * and, when {@code unitRowsParam} ≥ 0, {@code DecoderNorms.normalizeRows(w, rows, rowLength, 1)}
     * on that parameter — two passes over the state instead of four, with the same bits as the three
     * calls one after another, except that the gradients are left unscaled (the clipping scale is
     * applied as each element is read). Returns the gradient norm before clipping (NaN without
     * clipping).
     */
    public double clipAndStep(double lr, double maxNorm, int unitRowsParam, int rowLength) {
        return clipAndStep(lr, maxNorm, unitRowsParam, rowLength, false);
    }

    /**
     * {@link #clipAndStep(double, double, int, int)}, and with {@code tangentRows} the unit-norm
     * parameter's gradient taken minus each row's component along its row as it is read, in both
     * passes ({@code DecoderNorms.removeParallelComponent} before the call, with its bits: issue 16
     * asked for the removal in the same passes as the norm and Adam). That gradient array is left as
     * backward wrote it. Saves the removal's own pass (a read of the rows and a read and a write of
     * their gradient, 453 MB at d 2304, m 16384) for a read of the rows in the norm's pass (151 MB).
     */
    public double clipAndStep(double lr, double maxNorm, int unitRowsParam, int rowLength, boolean tangentRows) {
        if (tangentRows && (unitRowsParam < 0 || rowLength < 1)) {
            throw new IllegalArgumentException("tangent rows need the unit-norm parameter and its row length, got " + unitRowsParam + " and " + rowLength);
        }
        int tangent = tangentRows ? unitRowsParam : -1;
        // Each tangent row's coefficient, from the norm's pass when it runs (NaN: a zero row), else from the update's.
        float[] radial = tangent < 0 ? null : POOL.floats(params.get(tangent).numel() / rowLength);
        try {
            return clipAndStep(lr, maxNorm, unitRowsParam, rowLength, tangent, radial);
        } finally {
            if (radial != null) POOL.give(radial);
        }
    }

    private double clipAndStep(double lr, double maxNorm, int unitRowsParam, int rowLength, int tangent, float[] radial) {
        double norm = maxNorm > 0 ? gradNorm(params, tangent, rowLength, radial) : Double.NaN;
        boolean radialKnown = maxNorm > 0;
        // torch's clip_grad_norm_: scale by max / (norm + 1e-6) when the norm exceeds max.
        float scale = norm > maxNorm ? (float) (maxNorm / (norm + 1e-6)) : 1f;
        boolean scaled = norm > maxNorm;
        t++;
        Coefficients c = coefficients(lr, t);
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            float[] g = p.gradData();
            if (g == null) continue;
            float[] w = p.data(), mi = m[i], vi = v[i];
            int rows = i == unitRowsParam ? w.length / rowLength : 0;
            boolean tangentHere = i == tangent;
            // Tasks of whole rows for the unit-norm parameter, so each row is renormalised while in cache.
            int span = rows > 0 ? Math.max(1, CHUNK / rowLength) * rowLength : CHUNK;
            int tasks = (w.length + span - 1) / span;
            Parallel.forRange(tasks, task -> {
                int from = task * span, to = Math.min(w.length, from + span);
                if (tangentHere) {
                    // Row by row, each with its coefficient (computed here only when no norm pass ran).
                    for (int r = from; r < to; r += rowLength) {
                        float a = radialKnown ? radial[r / rowLength] : RowNorms.parallelCoefficient(w, r, g, r, rowLength);
                        AdamKernel.update(w, g, a, mi, vi, r, r + rowLength, scaled, scale, c);
                    }
                } else {
                    AdamKernel.update(w, g, mi, vi, from, to, scaled, scale, c);
                }
                if (rows > 0) RowNorms.normalize(w, from / rowLength, to / rowLength, rowLength, 1f);
            });
        }
        return norm;
    }

    private static final ReusableArrays POOL = ReusableArrays.shared();

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

    /** Elements per task of the elementwise passes, and per partial sum of the norm (fixed: results never depend on threads). */
    static final int CHUNK = 1 << 16;

    /** Scales all gradients so that their global L2 norm is at most maxNorm; returns the norm before. */
    public static double clipGradNorm(List<Tensor> params, double maxNorm) {
        double norm = gradNorm(params);
        if (norm > maxNorm) {
            // torch's clip_grad_norm_: scale by max / (norm + 1e-6).
            float s = (float) (maxNorm / (norm + 1e-6));
            for (Tensor p : params) {
                float[] g = p.gradData();
                if (g == null) continue;
                Parallel.forRange((g.length + CHUNK - 1) / CHUNK, task -> AdamKernel.scale(g, task * CHUNK, Math.min(g.length, (task + 1) * CHUNK), s));
            }
        }
        return norm;
    }

    /**
     * The global L2 norm of the gradients: squares summed in double per chunk of {@link #CHUNK}
     * elements (parameter by parameter), the chunks' sums added in order.
     */
    static double gradNorm(List<Tensor> params) {
        return gradNorm(params, -1, 0, null);
    }

    /**
     * {@link #gradNorm(List)} with parameter {@code tangent}'s gradient (≥ 0; −1: none) taken minus each
     * row's component along its row ({@code RowNorms.removeParallel}, rows of rowLength): the same
     * chunks summed from the same floats, so the bits of removing first and summing after. Each row's
     * coefficient ({@code RowNorms.parallelCoefficient}) goes into radial[row], for the update's pass.
     */
    static double gradNorm(List<Tensor> params, int tangent, int rowLength, float[] radial) {
        double sq = 0;
        for (int i = 0; i < params.size(); i++) {
            float[] g = params.get(i).gradData();
            if (g == null) continue;
            double[] part = new double[(g.length + CHUNK - 1) / CHUNK];
            if (i == tangent) {
                float[] w = params.get(i).data();
                Parallel.forRange(part.length, task -> part[task] = AdamKernel.tangentSumSquares(g, w, radial, rowLength, task * CHUNK, Math.min(g.length, (task + 1) * CHUNK)));
            } else {
                Parallel.forRange(part.length, task -> part[task] = AdamKernel.sumSquares(g, task * CHUNK, Math.min(g.length, (task + 1) * CHUNK)));
            }
            for (double x : part) sq += x;
        }
        return Math.sqrt(sq);
    }
}
