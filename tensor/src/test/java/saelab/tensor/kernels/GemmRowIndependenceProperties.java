package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import saelab.tensor.Props;

/**
 * A row of the bf16 GEMM's result is the same bits whatever batch it came in: alone among 5 or
 * among 40, in a full register tile or an edge tile. A model's activations for one sequence
 * must not depend on how a harvest grouped sequences into batches, or a resumed harvest (which
 * groups them from another start) differs from an uninterrupted one.
 *
 * <p>k is above the default kc (768), so the inner dimension is split in two blocks and the second
 * block adds to the first: the case where an edge tile used to sum into zeros and add to C after.
 */
class GemmRowIndependenceProperties {
    @Test
    void everyRowOfASubBatchEqualsTheSameRowOfTheFullBatchBitForBit() {
        Props.qt(20261206L, 25)
                .forAll(Props.ints(6, 40), Props.ints(1, 70), Props.ints(769, 1000), Props.seeds())
                .checkAssert(GemmRowIndependenceProperties::subBatchesAgree);
    }

    private static void subBatchesAgree(int m, int n, int k, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[m * k];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocate(2L * n * k);
            for (long i = 0; i < (long) n * k; i++) b.set(Bf16.LE_SHORT, 2 * i, (short) (Float.floatToRawIntBits((float) r.nextGaussian()) >>> 16));
            float[] full = new float[m * n];
            Bf16Gemm.gemmNTOnCpu(m, n, k, a, 0, k, b, 0, k, full, 0, n, false);
            // Sub-batches of more than Bf16Gemm.GEMV_MAX_ROWS rows (fewer take the dot-product path, another algorithm).
            int rows = 5 + r.nextInt(m - 5 + 1), first = r.nextInt(m - rows + 1);
            float[] part = new float[rows * n];
            Bf16Gemm.gemmNTOnCpu(rows, n, k, a, first * k, k, b, 0, k, part, 0, n, false);
            int compared = 0;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < n; j++, compared++) {
                    assertEquals(Float.floatToRawIntBits(full[(first + i) * n + j]), Float.floatToRawIntBits(part[i * n + j]),
                            "row " + (first + i) + " column " + j + " of " + m + "×" + n + "×" + k + ", sub-batch rows " + first + ".." + (first + rows - 1));
                }
            }
            assertTrue(compared == rows * n && compared > 0);
        }
    }
}
