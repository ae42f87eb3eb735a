package saelab.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * exp and tanh built from float adds, multiplies, one division and bit operations only, in the
 * same order for a vector's lanes and for a scalar: the same bits however the JIT compiles them.
 *
 * <p>Why not the Vector API's EXP and TANH: before C2 compiles a caller they run the Java
 * fallback ({@code (float) Math.exp(a)} lane by lane), after it a native vector library (SVML);
 * both are within an ulp or so but not equal, so a model's forward pass changed in its last bits
 * a hundred-odd passes into a process (issue 14, item 6). Java forbids the JIT to reassociate or
 * contract float arithmetic, so a fixed sequence of +, −, ×, ÷ is bit-reproducible.
 *
 * <p>The algorithms are Cephes' expf and tanhf (S. L. Moshier): exp reduces x = n·ln2 + r with
 * |r| ≤ ½ln2 (ln2 split in two so n·ln2_hi is exact), a degree-5 polynomial for (eʳ − 1 − r)/r²,
 * then scales by 2ⁿ; tanh uses an odd polynomial below 0.625 and 1 − 2/(e^{2|x|} + 1) above.
 * Both stay within about 2 ulp of the exact value (VectorOpsProperties and FixedMathProperties check it).
 */
public final class FixedMath {
    private FixedMath() {}

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float E0 = 1.9875691500e-4f, E1 = 1.3981999507e-3f, E2 = 8.3334519073e-3f,
            E3 = 4.1665795894e-2f, E4 = 1.6666665459e-1f, E5 = 5.0000001201e-1f;
    /** 1.5·2²³: adding then subtracting it rounds a float of magnitude below 2²² to the nearest integer. */
    private static final float ROUND = 12582912f;
    /** e^−104 underflows to 0 and e^89 overflows to ∞; clamping keeps 2ⁿ's exponent arithmetic in range. */
    private static final float LOWEST = -104f, HIGHEST = 89f;
    private static final float T0 = -5.70498872745e-3f, T1 = 2.06390887954e-2f, T2 = -5.37397155531e-2f,
            T3 = 1.33314422036e-1f, T4 = -3.33332819422e-1f;
    private static final float SMALL_TANH = 0.625f;

    /** eˣ; NaN for NaN, 0 for −∞, ∞ for +∞. */
    public static float exp(float x) {
        float xc = Math.min(Math.max(x, LOWEST), HIGHEST);
        float n = xc * LOG2E + ROUND - ROUND;
        float r = xc - n * LN2_HI - n * LN2_LO;
        float p = ((((E0 * r + E1) * r + E2) * r + E3) * r + E4) * r + E5;
        float e = p * (r * r) + r + 1f;
        // 2ⁿ in two factors: n reaches −150 and 128, beyond a single float exponent.
        int ni = (int) n, half = ni >> 1;
        return e * Float.intBitsToFloat((half + 127) << 23) * Float.intBitsToFloat((ni - half + 127) << 23);
    }

    /** The lanes of {@link #exp(float)}. */
    public static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(LOWEST).min(HIGHEST);
        FloatVector n = xc.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = xc.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
        FloatVector p = r.mul(E0).add(E1).mul(r).add(E2).mul(r).add(E3).mul(r).add(E4).mul(r).add(E5);
        FloatVector e = p.mul(r.mul(r)).add(r).add(1f);
        IntVector ni = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector half = ni.lanewise(VectorOperators.ASHR, 1);
        return e.mul(powerOfTwo(half)).mul(powerOfTwo(ni.sub(half)));
    }

    private static FloatVector powerOfTwo(IntVector n) {
        return n.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    }

    /** tanh(x); NaN for NaN, ±1 for ±∞. */
    public static float tanh(float x) {
        float a = Math.abs(x);
        if (a < SMALL_TANH) {
            float z = x * x;
            return ((((T0 * z + T1) * z + T2) * z + T3) * z + T4) * z * x + x;
        }
        float large = 1f - 2f / (exp(a + a) + 1f);
        return Float.intBitsToFloat(Float.floatToRawIntBits(large) | (Float.floatToRawIntBits(x) & 0x80000000));
    }

    /** The lanes of {@link #tanh(float)}. */
    public static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector z = x.mul(x);
        FloatVector small = z.mul(T0).add(T1).mul(z).add(T2).mul(z).add(T3).mul(z).add(T4).mul(z).mul(x).add(x);
        FloatVector large = FloatVector.broadcast(x.species(), 1f)
                .sub(FloatVector.broadcast(x.species(), 2f).div(exp(a.add(a)).add(1f)));
        FloatVector signed = large.reinterpretAsInts().or(x.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
        return signed.blend(small, a.compare(VectorOperators.LT, SMALL_TANH));
    }
}
