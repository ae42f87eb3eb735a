package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import saelab.tensor.Props;

/**
 * Shared pieces of the GEMM properties: operand filling, the reference magnitude Σ|a||b| and the
 * tolerance comparison.
 *
 * <p>Why the tolerance: each result is a float32 recursive sum of the k products (plus the old C
 * when accumulating), in an order that differs between implementations (the vector kernel sums
 * in KC slices, a scalar loop in one chain). Each such sum is within γ_t·Σ|terms| of the exact
 * value, γ_t = tε/(1 - tε) with t terms and ε = 2^-24 (Higham, Accuracy and Stability, §3.1).
 * Two of them differ by at most 2γ_t·Σ|terms|; with t ≤ k + 1 and tε ≤ 1/1000 in these tests,
 * 2γ_t ≤ 2.01·(k + 1)·ε, so {@link #C} = 2.01 with terms k + 1. A small absolute floor covers
 * results that are exactly representable zeros or subnormal.
 */
final class GemmCheck {
    private GemmCheck() {}

    /** GEMM sizes: mostly small (tails, 0 and 1), some past the tile sizes, a few past the KC/MC blocks. */
    static Gen<Integer> dims() {
        return Generate.frequency(Pair.of(6, Props.ints(0, 20)), Pair.of(3, Props.ints(21, 70)),
                Pair.of(1, Props.ints(71, 300)));
    }

    static final double EPS = Math.ulp(1.0f) / 2; // 2^-24, the unit roundoff of float32
    static final double C = 2.01;

    /** Fills with uniform values in [-1, 1), a few exact zeros and integers to vary magnitudes. */
    static float[] random(Random r, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            int kind = r.nextInt(20);
            x[i] = kind == 0 ? 0f : kind == 1 ? (float) (r.nextInt(9) - 4) : r.nextFloat() * 2 - 1;
        }
        return x;
    }

    /** Σ_p |op(A)_ip||op(B)_pj| (+ |C_ij| when accumulating), in double. */
    static double magnitude(Gemm.Form form, int i, int j, int k, float[] a, int aOff, int lda,
                            float[] b, int bOff, int ldb) {
        double s = 0;
        for (int p = 0; p < k; p++) {
            double av = form == Gemm.Form.TN ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
            double bv = form == Gemm.Form.NT ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
            s += Math.abs(av * bv);
        }
        return s;
    }

    /** Asserts |got - want| ≤ C·terms·ε·magnitude + floor, naming the element on failure. */
    static void assertClose(String what, float got, float want, int terms, double magnitude) {
        assertWithin(what, got, want, C * terms * EPS * magnitude);
    }

    /** Asserts |got - want| ≤ bound + floor; the floor is one smallest normal float. */
    static void assertWithin(String what, float got, float want, double bound) {
        double diff = Math.abs((double) got - want);
        if (!(diff <= bound + Float.MIN_NORMAL)) { // also fails on NaN
            fail(what + ": got " + got + ", want " + want + ", |Δ| = " + diff + " > bound " + bound);
        }
    }

    /** Elements an operand of rows×cols stored with leading dimension ld at offset off needs. */
    static int extent(int off, int rows, int cols, int ld) {
        return rows == 0 || cols == 0 ? off : off + (rows - 1) * ld + cols;
    }
}
