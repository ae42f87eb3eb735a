package saelab.tensor.kernels;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Where a heap float array's elements fall on 64-byte cache lines, so that the sparse products can
 * start the rows of their packed tiles on a line. A heap array's elements start 16 bytes past its
 * header, wherever the collector put it, so a tile row of 256 bytes usually spans five lines and
 * every 64-byte vector load of it straddles two. With the rows on lines, the gathers of the
 * transposed product (batch 2048, d 2304, m 16384, k 320, two threads on a Zen 5) took 21 ms a pass
 * against 31-35 at the other offsets, the backward's value gradient and ∂W_dec 39 against 48-52.
 *
 * <p>Java does not say where an array lies; the address comes from a native call that returns its
 * argument ({@code memset(a, 0, 0)}, writing nothing) with the array passed in place
 * ({@link Linker.Option#critical}). The collector may move an array afterwards: a tile then runs at
 * the unaligned speed, never with other values, since an offset only moves where the same rows
 * are written and read. Where the call is not available (no native access, no C library found),
 * every start is 0, as before.
 */
public final class CacheLines {
    private CacheLines() {}

    /** Bytes of a cache line. */
    static final int LINE = 64;
    /** Floats an array needs beyond its rows so that they can start anywhere on a line. */
    public static final int SLACK = LINE / Float.BYTES - 1;

    private static final MethodHandle ADDRESS_OF = addressOf();

    /** Tests set a start in [0, SLACK] here to run the products at every offset (−1: the aligned one). */
    static int forcedStart = -1;

    private static MethodHandle addressOf() {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("memset")
                    .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_LONG), Linker.Option.critical(true)))
                    .orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null; // no native access or no C library: rows start at 0
        }
    }

    /** The address of a[0] as the native call saw it, or −1 when it cannot be learnt. */
    static long address(float[] a) {
        if (ADDRESS_OF == null || a.length == 0) return -1;
        try {
            return ((MemorySegment) ADDRESS_OF.invokeExact(MemorySegment.ofArray(a), 0, 0L)).address();
        } catch (Throwable t) {
            return -1;
        }
    }

    /**
     * The first index in [0, {@link #SLACK}] whose element starts a cache line (the collector keeps
     * arrays on 8-byte boundaries, so one does), or 0 when the address cannot be learnt.
     */
    public static int alignedStart(float[] a) {
        if (forcedStart >= 0) return forcedStart;
        return startFor(address(a));
    }

    /** The index whose element starts a line, for an array whose element 0 is at {@code address} (−1: unknown, 0). */
    static int startFor(long address) {
        if (address < 0 || address % Float.BYTES != 0) return 0;
        int past = (int) (address & (LINE - 1));
        return past == 0 ? 0 : (LINE - past) / Float.BYTES;
    }
}
