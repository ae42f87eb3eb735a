package saelab.tensor.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * bfloat16 ⇄ float32. A bf16 is the top 16 bits of a float32, so widening is exact: shift the
 * bits left by 16. Narrowing rounds to nearest, ties to even, as PyTorch does; NaN stays NaN.
 * Storage is little-endian, as in safetensors files.
 */
public final class Bf16 {
    private Bf16() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Half as many bits: the shorts that widen into one preferred int vector; null where no such shape exists (then scalar). */
    private static final VectorSpecies<Short> H = halfSpecies();
    /** A bf16 as stored in safetensors: little-endian, at any byte offset. */
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static VectorSpecies<Short> halfSpecies() {
        try {
            return VectorSpecies.of(short.class, jdk.incubator.vector.VectorShape.forBitSize(F.vectorBitSize() / 2));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public static float toFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40); // keep it a quiet NaN
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7FFF + lsb) >>> 16);
    }

    /** dst[dOff .. dOff+n) = widen(bf16 at seg[byteOff ..)), vectorized. */
    public static void toFloat(MemorySegment seg, long byteOff, float[] dst, int dOff, int n) {
        int i = 0;
        int step = F.length();
        for (int end = H == null ? 0 : n - n % step; i < end; i += step) {
            ShortVector s = ShortVector.fromMemorySegment(H, seg, byteOff + 2L * i, ByteOrder.LITTLE_ENDIAN);
            // Sign extension fills the upper half; the shift pushes it out, leaving the exact bits.
            IntVector w = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
            w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dOff + i);
        }
        for (; i < n; i++) dst[dOff + i] = toFloat(seg.get(LE_SHORT, byteOff + 2L * i));
    }

    /** Plain twin of {@link #toFloat(MemorySegment, long, float[], int, int)}: the test oracle. */
    public static void toFloatScalar(MemorySegment seg, long byteOff, float[] dst, int dOff, int n) {
        for (int i = 0; i < n; i++) dst[dOff + i] = toFloat(seg.get(LE_SHORT, byteOff + 2L * i));
    }

    /** Writes n floats as bf16 (rounded to nearest even) into seg at byteOff. */
    public static void fromFloat(float[] src, int sOff, MemorySegment seg, long byteOff, int n) {
        for (int i = 0; i < n; i++) seg.set(LE_SHORT, byteOff + 2L * i, fromFloat(src[sOff + i]));
    }

    /** The float nearest to f that a bf16 can hold (round to nearest even). */
    public static float round(float f) {
        return toFloat(fromFloat(f));
    }
}
