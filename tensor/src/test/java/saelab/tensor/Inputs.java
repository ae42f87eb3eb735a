package saelab.tensor;

import java.util.SplittableRandom;

/** Seeded test inputs, shaped to stay where finite differences are valid. */
final class Inputs {
    private Inputs() {}

    /**
     * Distance kept from kinks (0 for relu/abs, lo/hi for clamp, ties for topk). It must dwarf
     * the finite-difference step GradCheck.H = 1e-4 so x ± h never crosses a kink; 0.05 is 500 h.
     */
    static final float MARGIN = 0.05f;

    static Tensor normal(long seed, int... shape) {
        return Tensor.randn(seed, shape);
    }

    /** Uniform in [lo, hi): positive-bounded inputs for log, sqrt and divisors. */
    static Tensor uniform(long seed, float lo, float hi, int... shape) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = new float[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return Tensor.of(d, shape);
    }

    /** Standard normal, each element resampled until it is at least MARGIN from every kink. */
    static Tensor normalAwayFrom(long seed, float[] kinks, int... shape) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = new float[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) {
            float v;
            do v = (float) rng.nextGaussian(); while (near(v, kinks));
            d[i] = v;
        }
        return Tensor.of(d, shape);
    }

    private static boolean near(float v, float[] kinks) {
        for (float k : kinks) if (Math.abs(v - k) < MARGIN) return true;
        return false;
    }

    /**
     * Rows whose values are distinct and at least MARGIN apart (so TopK's choice cannot flip under
     * a perturbation of h), none of them 0, in random column order.
     */
    static Tensor distinctRows(long seed, int rows, int cols) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            // An increasing ladder with random steps in [2·MARGIN, 4·MARGIN), centred near 0,
            // shuffled into the row.
            // At most one rung can fall within MARGIN of 0 (rungs are 2·MARGIN apart); lifting it
            // and all rungs above by 2·MARGIN keeps the gaps and clears 0.
            float[] ladder = new float[cols];
            float v = -cols * 3 * MARGIN / 2, lift = 0;
            for (int j = 0; j < cols; j++) {
                v += (float) (MARGIN * (2 + 2 * rng.nextDouble()));
                if (Math.abs(v + lift) < MARGIN) lift = 2 * MARGIN;
                ladder[j] = v + lift;
            }
            int[] perm = permutation(rng, cols);
            for (int j = 0; j < cols; j++) d[i * cols + perm[j]] = ladder[j];
        }
        return Tensor.of(d, rows, cols);
    }

    static int[] permutation(SplittableRandom rng, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i]; p[i] = p[j]; p[j] = t;
        }
        return p;
    }
}
