package saelab.train.sae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DenseCodesTest {

    /**
     * Rows fire 2, 0 and 3 of 4 latents: k = 3; each row lists its firing latents in order, then
     * zero-valued slots naming latents it did not fire (distinct within the row).
     */
    @Test
    void rowsArePaddedWithDistinctSilentLatents() {
        float[] f = {0, 1.5f, 0, -2, 0, 0, 0, 0, 3, 0, 4, 5};
        SparseEncoder.Selection s = DenseCodes.of(f, 3, 4);
        assertEquals(3, s.k());
        assertArrayEquals(new int[] {1, 3, 0, 0, 1, 2, 0, 2, 3}, s.indices());
        assertArrayEquals(new float[] {1.5f, -2, 0, 0, 0, 0, 3, 4, 5}, s.values());
    }

    /** Nothing fires anywhere: one padding slot per row, so the layout never has k = 0. */
    @Test
    void silentBatchKeepsOneSlot() {
        SparseEncoder.Selection s = DenseCodes.of(new float[6], 2, 3);
        assertEquals(1, s.k());
        assertArrayEquals(new float[2], s.values());
    }
}
