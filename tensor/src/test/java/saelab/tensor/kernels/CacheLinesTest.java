package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CacheLinesTest {

    /** The start is the first index whose element is on a 64-byte line; unknown or odd addresses give 0. */
    @Test
    void theStartIsTheFirstElementOnALine() {
        assertEquals(0, CacheLines.startFor(0x7f00_0000_0040L));
        assertEquals(12, CacheLines.startFor(0x7f00_0000_0010L)); // 16 bytes past a line: 48 bytes, 12 floats, to the next
        assertEquals(2, CacheLines.startFor(0x7f00_0000_0038L));
        assertEquals(15, CacheLines.startFor(0x7f00_0000_0004L));
        assertEquals(0, CacheLines.startFor(-1));
        assertEquals(0, CacheLines.startFor(0x7f00_0000_0003L), "an address off the floats' 4-byte grid");
    }

    /**
     * The tests run with native access (as the launcher does), so the address is learnt here: each array's
     * start puts its element on a line, within the slack, for arrays the collector placed anywhere.
     */
    @Test
    void heapArraysGetAStartOnALine() {
        int[] offLine = new int[1];
        for (int i = 0; i < 40; i++) {
            float[] a = new float[1000 + 37 * i];
            long address = CacheLines.address(a);
            assertTrue(address > 0, "the address of a heap array was not learnt");
            int start = CacheLines.alignedStart(a);
            assertTrue(start >= 0 && start <= CacheLines.SLACK, "start " + start);
            assertEquals(0, (address + (long) Float.BYTES * start) % CacheLines.LINE, "array " + i + " at " + Long.toHexString(address) + ", start " + start);
            if (address % CacheLines.LINE != 0) offLine[0]++;
        }
        // Arrays start on 8-byte boundaries, 16 bytes past their header: most of them off a line.
        assertTrue(offLine[0] > 0, "every array began on a line: nothing was moved");
    }
}
