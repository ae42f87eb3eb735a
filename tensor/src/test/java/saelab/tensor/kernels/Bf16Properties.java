package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class Bf16Properties {

    @Property(tries = 200, seed = "20261133")
    void vectorWideningEqualsScalarBitForBit(@ForAll @IntRange(max = 200) int n, @ForAll @IntRange(max = 9) int byteOff,
                                             @ForAll long seed) {
        Random r = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            // Odd byte offsets: weights in a mapped file need not be aligned.
            MemorySegment seg = arena.allocate(2L * n + byteOff);
            for (int i = 0; i < n; i++) {
                seg.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), byteOff + 2L * i, (short) r.nextInt());
            }
            float[] a = new float[n + 1], b = new float[n + 1];
            Bf16.toFloatScalar(seg, byteOff, a, 1, n);
            Bf16.toFloat(seg, byteOff, b, 1, n);
            for (int i = 0; i < n + 1; i++) {
                assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), "element " + i);
            }
        }
    }

    @Property(tries = 2000, seed = "20261134")
    void roundingPicksTheNearestBf16TiesToEven(@ForAll int bits) {
        float f = Float.intBitsToFloat(bits);
        if (Float.isNaN(f)) {
            assertEquals(true, Float.isNaN(Bf16.round(f)), "NaN stays NaN");
            return;
        }
        // Oracle: the two bf16 neighbours of f (truncate, and one step away from zero) compared in double.
        int lo = bits & 0xFFFF0000;
        float down = Float.intBitsToFloat(lo), up = Float.intBitsToFloat(lo + 0x10000);
        double dDown = Math.abs((double) f - down), dUp = Math.abs((double) f - up);
        float expected;
        if ((bits & 0xFFFF) == 0) expected = f;
        else if (dDown < dUp) expected = down;
        else if (dUp < dDown) expected = up;
        else expected = ((lo >>> 16) & 1) == 0 ? down : up;
        if (Float.isInfinite(f)) expected = f;
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(Bf16.round(f)), "rounding " + f);
    }
}
