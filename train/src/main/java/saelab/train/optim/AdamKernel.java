package saelab.train.optim;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import saelab.tensor.kernels.RowNorms;

/**
 * Adam's elementwise update and the clipping pass on the Vector API, over a range of elements.
 * The update performs exactly the float operations of the scalar rule, in the same order
 * (multiplies and adds, never fused; lane-wise sqrt and division are correctly rounded as
 * {@code (float) Math.sqrt} and {@code /} are), so it agrees with it bit for bit.
 */
final class AdamKernel {
    private AdamKernel() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> SD = DoubleVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /**
     * For j in [from, to): g = grad[j]·scale (when scaled), m ← β1·m + (1 − β1)·g,
     * v ← β2·v + (1 − β2)·g·g, w ← w − stepSize·m / (√v·invSqrtBc2 + ε).
     */
    static void update(float[] w, float[] grad, float[] m, float[] v, int from, int to, boolean scaled, float scale, AdamOptimizer.Coefficients c) {
        update(w, grad, Float.NaN, m, v, from, to, scaled, scale, c);
    }

    /**
     * {@link #update(float[], float[], float[], float[], int, int, boolean, float, AdamOptimizer.Coefficients)} from
     * grad[j] + radial·w[j] in place of grad[j] (radial NaN: grad itself), w read before it is updated: for one row
     * of unit-norm weights, the gradient with its component along the row removed as RowNorms.removeParallel
     * removes it (w·α, then + grad), with its bits.
     */
    static void update(float[] w, float[] grad, float radial, float[] m, float[] v, int from, int to, boolean scaled, float scale, AdamOptimizer.Coefficients c) {
        float b1 = c.beta1(), b2 = c.beta2(), one1 = 1 - b1, one2 = 1 - b2, step = c.stepSize(), inv = c.invSqrtBc2(), e = c.eps();
        boolean tangent = !Float.isNaN(radial);
        int j = from;
        for (int end = from + S.loopBound(to - from); j < end; j += L) {
            FloatVector wj = FloatVector.fromArray(S, w, j);
            FloatVector g = FloatVector.fromArray(S, grad, j);
            if (tangent) g = wj.mul(radial).add(g);
            if (scaled) g = g.mul(scale);
            FloatVector mj = FloatVector.fromArray(S, m, j).mul(b1).add(g.mul(one1));
            FloatVector vj = FloatVector.fromArray(S, v, j).mul(b2).add(g.mul(one2).mul(g));
            mj.intoArray(m, j);
            vj.intoArray(v, j);
            FloatVector den = vj.lanewise(VectorOperators.SQRT).mul(inv).add(e);
            wj.sub(mj.mul(step).div(den)).intoArray(w, j);
        }
        for (; j < to; j++) {
            float gj = tangent ? grad[j] + radial * w[j] : grad[j];
            if (scaled) gj = gj * scale;
            m[j] = b1 * m[j] + one1 * gj;
            v[j] = b2 * v[j] + one2 * gj * gj;
            w[j] -= step * m[j] / ((float) Math.sqrt(v[j]) * inv + e);
        }
    }

    /** g[j] *= s for j in [from, to). */
    static void scale(float[] g, int from, int to, float s) {
        int j = from;
        for (int end = from + S.loopBound(to - from); j < end; j += L) FloatVector.fromArray(S, g, j).mul(s).intoArray(g, j);
        for (; j < to; j++) g[j] *= s;
    }

    /**
     * Σ g[j]² over [from, to) in double: each float widened (exactly: its square is exact in
     * double too), squares added into one double partial per lane, the lanes then added in lane
     * order (a fixed order, compiled or not).
     */
    static double sumSquares(float[] g, int from, int to) {
        return sumSquares(g, null, null, 1, from, to);
    }

    /**
     * {@link #sumSquares(float[], int, int)} of g[j] + radial[row]·w[j] (w·α, then + g: the float operations of
     * RowNorms.removeParallel's VectorOps.axpy, so each element has the bits that removing first would leave) for the rows of
     * rowLength elements that j falls in; radial null, or NaN for a row: g[j] itself. The same
     * partials in the same order, so the same bits as summing the removed gradient.
     */
    static double sumSquares(float[] g, float[] w, float[] radial, int rowLength, int from, int to) {
        int parts = L / SD.length();
        DoubleVector acc0 = DoubleVector.zero(SD), acc1 = DoubleVector.zero(SD);
        float[] straddling = null;
        int j = from;
        for (int end = from + S.loopBound(to - from); j < end; j += L) {
            FloatVector x;
            if (radial == null) {
                x = FloatVector.fromArray(S, g, j);
            } else if (j / rowLength == (j + L - 1) / rowLength) {
                float a = radial[j / rowLength];
                x = FloatVector.fromArray(S, g, j);
                if (!Float.isNaN(a)) x = FloatVector.fromArray(S, w, j).mul(a).add(x);
            } else {
                // A vector across a row boundary (d not a multiple of the lanes): its lanes one by one.
                if (straddling == null) straddling = new float[L];
                for (int l = 0; l < L; l++) straddling[l] = along(g, w, radial, rowLength, j + l);
                x = FloatVector.fromArray(S, straddling, 0);
            }
            DoubleVector lo = (DoubleVector) x.convertShape(VectorOperators.F2D, SD, 0);
            acc0 = lo.fma(lo, acc0);
            if (parts > 1) {
                DoubleVector hi = (DoubleVector) x.convertShape(VectorOperators.F2D, SD, 1);
                acc1 = hi.fma(hi, acc1);
            }
        }
        DoubleVector acc = acc0.add(acc1);
        double s = 0;
        for (int l = 0; l < SD.length(); l++) s += acc.lane(l);
        for (; j < to; j++) {
            float x = radial == null ? g[j] : along(g, w, radial, rowLength, j);
            s += (double) x * x;
        }
        return s;
    }

    /**
     * The norm pass over [from, to) of a unit-norm parameter's gradient: each row's coefficient
     * ({@code RowNorms.parallelCoefficient}) into radial[row] for every row the range touches, and
     * {@link #sumSquares(float[], float[], float[], int, int, int)} of g + radial·w. Row by row where
     * the rows lie on the vector grid (rowLength and from multiples of the lanes, no tail), so a row is
     * summed while its coefficient's loop has left it in L1: the same partials in the same order,
     * the same bits. Two loops over the range read it from memory twice (two threads, d 2304,
     * m 16384: 10.1-11.2 ms, 6.3-7.7 row by row). Off the grid: the two loops.
     */
    static double tangentSumSquares(float[] g, float[] w, float[] radial, int rowLength, int from, int to) {
        if (rowLength % L != 0 || from % L != 0 || (to - from) % L != 0) {
            for (int r = from / rowLength * rowLength; r < to; r += rowLength) {
                radial[r / rowLength] = RowNorms.parallelCoefficient(w, r, g, r, rowLength);
            }
            return sumSquares(g, w, radial, rowLength, from, to);
        }
        int parts = L / SD.length();
        DoubleVector acc0 = DoubleVector.zero(SD), acc1 = DoubleVector.zero(SD);
        for (int r = from / rowLength; (long) r * rowLength < to; r++) {
            int rowStart = r * rowLength;
            float a = RowNorms.parallelCoefficient(w, rowStart, g, rowStart, rowLength);
            radial[r] = a;
            boolean along = !Float.isNaN(a);
            // sumSquares' vector steps, written out: a vector handed to a helper is boxed by C2 (MicroKernel's doc).
            for (int j = Math.max(from, rowStart), end = Math.min(to, rowStart + rowLength); j < end; j += L) {
                FloatVector x = FloatVector.fromArray(S, g, j);
                if (along) x = FloatVector.fromArray(S, w, j).mul(a).add(x);
                DoubleVector lo = (DoubleVector) x.convertShape(VectorOperators.F2D, SD, 0);
                acc0 = lo.fma(lo, acc0);
                if (parts > 1) {
                    DoubleVector hi = (DoubleVector) x.convertShape(VectorOperators.F2D, SD, 1);
                    acc1 = hi.fma(hi, acc1);
                }
            }
        }
        DoubleVector acc = acc0.add(acc1);
        double s = 0;
        for (int l = 0; l < SD.length(); l++) s += acc.lane(l);
        return s;
    }

    /** g[j] + radial[row]·w[j] for element j (g[j] where the row's coefficient is NaN). */
    private static float along(float[] g, float[] w, float[] radial, int rowLength, int j) {
        float a = radial[j / rowLength];
        return Float.isNaN(a) ? g[j] : g[j] + a * w[j];
    }
}
