package saelab.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Copies between saelab's heap arrays (offset + row stride) and TornadoVM's off-heap arrays
 * (contiguous rows), and the exact comparisons that decide whether a resident operand must be
 * uploaded again.
 */
final class Staging {
    private Staging() {}

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    /** bf16 as stored in safetensors: little-endian shorts at any byte offset. */
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** dst (rows×cols, contiguous) = src rows starting at off, ld apart. */
    static void pack(float[] src, int off, int ld, int rows, int cols, MemorySegment dst) {
        if (ld == cols) {
            MemorySegment.copy(src, off, dst, F, 0, rows * cols);
            return;
        }
        for (int r = 0; r < rows; r++) MemorySegment.copy(src, off + r * ld, dst, F, 4L * r * cols, cols);
    }

    /** The inverse of {@link #pack}. */
    static void unpack(MemorySegment src, int rows, int cols, float[] dst, int off, int ld) {
        if (ld == cols) {
            MemorySegment.copy(src, F, 0, dst, off, rows * cols);
            return;
        }
        for (int r = 0; r < rows; r++) MemorySegment.copy(src, F, 4L * r * cols, dst, off + r * ld, cols);
    }

    static void pack(int[] src, int count, MemorySegment dst) {
        MemorySegment.copy(src, 0, dst, I, 0, count);
    }

    static void pack(float[] src, int count, MemorySegment dst) {
        MemorySegment.copy(src, 0, dst, F, 0, count);
    }

    /** Whether the staged copy equals src's rows×cols block, bit for bit (so −0 ≠ 0 and NaNs compare by bits). */
    static boolean sameFloats(float[] src, int off, int ld, int rows, int cols, MemorySegment staged) {
        MemorySegment heap = MemorySegment.ofArray(src);
        for (int r = 0; r < rows; r++) {
            long from = 4L * (off + (long) r * ld), at = 4L * r * cols, len = 4L * cols;
            if (MemorySegment.mismatch(heap, from, from + len, staged, at, at + len) != -1) return false;
        }
        return true;
    }

    /** bf16 rows of a segment (row stride ld elements) into contiguous native-order shorts. */
    static void packShorts(MemorySegment src, long byteOff, long ld, int rows, int cols, MemorySegment dst) {
        boolean nativeLittle = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        for (int r = 0; r < rows; r++) {
            long from = byteOff + 2L * r * ld, at = 2L * r * cols;
            if (nativeLittle) {
                MemorySegment.copy(src, from, dst, at, 2L * cols);
            } else {
                for (int e = 0; e < cols; e++) dst.set(ValueLayout.JAVA_SHORT, at + 2L * e, src.get(LE_SHORT, from + 2L * e));
            }
        }
    }

    /** Whether the staged shorts equal the segment's bf16 rows (compared as packShorts would write them). */
    static boolean sameShorts(MemorySegment src, long byteOff, long ld, int rows, int cols, MemorySegment staged) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) return false;
        for (int r = 0; r < rows; r++) {
            long from = byteOff + 2L * r * ld, at = 2L * r * cols, len = 2L * cols;
            if (MemorySegment.mismatch(src, from, from + len, staged, at, at + len) != -1) return false;
        }
        return true;
    }
}
