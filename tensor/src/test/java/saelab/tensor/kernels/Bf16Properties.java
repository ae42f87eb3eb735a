package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import saelab.tensor.Props;

class Bf16Properties {

    /** n 0..200 values (0, 1, odd, every tail of the vector loop) at byte offsets 0..9. */
    @Test
    void vectorWideningEqualsScalarBitForBit() {
        Props.qt(20261133, 200).forAll(Props.ints(0, 200), Props.ints(0, 9), Props.seeds())
                .checkAssert(Bf16Properties::wideningBitForBit);
    }

    private static void wideningBitForBit(int n, int byteOff, long seed) {
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

    /**
     * Float bit patterns: half of them any int; half an upper half (sign, exponent, 7 mantissa
     * bits; a quarter of those the largest finite or largest subnormal bf16 of either sign, where
     * rounding up overflows to infinity or becomes normal) over a low half on or next to the
     * rounding boundary (0x8000 exactly: a tie; 0x7FFF, 0x8001; 0 and 0xFFFF). A uniform int
     * hits an exact tie once in 65536 draws, so the ties need the second half.
     */
    static Gen<Integer> floatBits() {
        Gen<Integer> upper = Props.ints(0, 0xFFFF).mix(Generate.pick(java.util.List.of(0x7F7F, 0xFF7F, 0x007F, 0x807F)), 25);
        Gen<Integer> lower = Generate.pick(java.util.List.of(0x8000, 0x7FFF, 0x8001, 0x0000, 0xFFFF));
        Gen<Integer> nearBoundary = in -> (upper.generate(in) << 16) | lower.generate(in);
        return Props.ints(Integer.MIN_VALUE, Integer.MAX_VALUE).mix(nearBoundary, 50);
    }

    @Test
    void roundingPicksTheNearestBf16TiesToEven() {
        Props.qt(20261134, 2000).forAll(floatBits()).checkAssert(Bf16Properties::roundsToNearestEven);
    }

    private static void roundsToNearestEven(int bits) {
        float f = Float.intBitsToFloat(bits);
        if (Float.isNaN(f)) {
            assertEquals(true, Float.isNaN(Bf16.round(f)), "NaN stays NaN");
            return;
        }
        // Oracle: the two bf16 neighbours of f (truncate, and one step away from zero) compared in
        // double. Above the largest finite bf16 the step away from zero is infinity, which IEEE
        // rounding reaches as if it were the next power of two, 2^128 (so the largest finite
        // float ties, and rounds to the even side: infinity).
        int lo = bits & 0xFFFF0000;
        float down = Float.intBitsToFloat(lo), up = Float.intBitsToFloat(lo + 0x10000);
        double upAt = Float.isInfinite(up) && !Float.isInfinite(f) ? Math.copySign(0x1p128, f) : up;
        double dDown = Math.abs((double) f - down), dUp = Math.abs((double) f - upAt);
        float expected;
        if ((bits & 0xFFFF) == 0) expected = f;
        else if (dDown < dUp) expected = down;
        else if (dUp < dDown) expected = up;
        else expected = ((lo >>> 16) & 1) == 0 ? down : up;
        if (Float.isInfinite(f)) expected = f;
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(Bf16.round(f)), "rounding " + f);
    }
}
