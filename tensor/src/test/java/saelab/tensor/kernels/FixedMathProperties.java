package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;
import saelab.tensor.Props;

/**
 * FixedMath's exp and tanh: accurate (against float64 Math, within a stated number of float
 * ulps), and the vector lanes give exactly the scalar's bits, so a value does not depend on
 * whether it fell in a vector body or a scalar tail, nor on the JIT.
 */
class FixedMathProperties {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** Inputs spread over the whole useful range: exponents of x from 2^-30 to 2^7, both signs. */
    static float[] inputs(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[S.length() * 64];
        for (int i = 0; i < x.length; i++) {
            float v = (float) (Math.pow(2, -30 + 37 * r.nextDouble()) * (r.nextBoolean() ? 1 : -1));
            x[i] = r.nextInt(8) == 0 ? (float) (r.nextDouble() * 200 - 100) : v;
        }
        return x;
    }

    @Test
    void expIsWithinTwoUlpAndTheLanesEqualTheScalarBitForBit() {
        Props.qt(20261204L, 200).forAll(Props.seeds()).checkAssert(seed -> {
            float[] x = inputs(seed);
            float[] lanes = new float[x.length];
            for (int i = 0; i < x.length; i += S.length()) FixedMath.exp(FloatVector.fromArray(S, x, i)).intoArray(lanes, i);
            for (int i = 0; i < x.length; i++) {
                float got = FixedMath.exp(x[i]);
                assertEquals(Float.floatToRawIntBits(got), Float.floatToRawIntBits(lanes[i]), "lane vs scalar at x = " + x[i]);
                double exact = Math.exp((double) x[i]);
                if (exact < Float.MIN_NORMAL) {
                    // Subnormal results: the 2ⁿ scaling rounds once more, an absolute error below the smallest normal.
                    assertTrue(Math.abs(got - exact) <= Float.MIN_NORMAL, "exp(" + x[i] + ") = " + got + ", exact " + exact);
                } else if (exact > Float.MAX_VALUE) {
                    assertEquals(Float.POSITIVE_INFINITY, got, "exp(" + x[i] + ") overflows");
                } else {
                    // Cephes' bound is about 1 ulp from the polynomial plus half from the final rounding; 2 ulp is generous.
                    assertTrue(Math.abs(got - exact) <= 2 * Math.ulp((float) exact), "exp(" + x[i] + ") = " + got + ", exact " + exact);
                }
            }
        });
    }

    @Test
    void tanhIsWithinTwoUlpOrTwoEpsilonAndTheLanesEqualTheScalarBitForBit() {
        Props.qt(20261205L, 200).forAll(Props.seeds()).checkAssert(seed -> {
            float[] x = inputs(seed);
            float[] lanes = new float[x.length];
            for (int i = 0; i < x.length; i += S.length()) FixedMath.tanh(FloatVector.fromArray(S, x, i)).intoArray(lanes, i);
            for (int i = 0; i < x.length; i++) {
                float got = FixedMath.tanh(x[i]);
                assertEquals(Float.floatToRawIntBits(got), Float.floatToRawIntBits(lanes[i]), "lane vs scalar at x = " + x[i]);
                double exact = Math.tanh((double) x[i]);
                // Below 0.625 an odd polynomial: ~1 ulp relative. Above, 1 − 2/(e+1) loses relative accuracy
                // near 0.6 only mildly (2/(e+1) ≤ 0.45): the absolute error is e's few ulp times 0.45 plus
                // two roundings, under 2·2⁻²⁴ as |tanh| < 1. So: 2 ulp relative or 2ε absolute, whichever is larger.
                double tol = Math.max(2 * Math.ulp((float) exact), 2 * 0x1p-24);
                assertTrue(Math.abs(got - exact) <= tol, "tanh(" + x[i] + ") = " + got + ", exact " + exact);
            }
        });
    }

    @Test
    void specialValues() {
        assertEquals(0f, FixedMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, FixedMath.exp(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(FixedMath.exp(Float.NaN)));
        assertEquals(1f, FixedMath.exp(0f));
        assertEquals(1f, FixedMath.tanh(Float.POSITIVE_INFINITY));
        assertEquals(-1f, FixedMath.tanh(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(FixedMath.tanh(Float.NaN)));
        assertEquals(0f, FixedMath.tanh(0f));
        float[] special = new float[S.length()];
        special[0] = Float.NEGATIVE_INFINITY;
        if (special.length > 1) special[1] = Float.POSITIVE_INFINITY;
        float[] e = new float[special.length];
        FixedMath.exp(FloatVector.fromArray(S, special, 0)).intoArray(e, 0);
        assertEquals(0f, e[0], "a masked score (−∞) gets weight 0 in the vector body too");
        if (special.length > 1) assertEquals(Float.POSITIVE_INFINITY, e[1]);
    }
}
