package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The bound's pass visits every entry's row segment once per tile, with its value, and is timed. */
class GatherBoundTest {

    @Test
    void aPassAddsEveryEntrysSegmentOncePerTile() {
        int rows = 37, k = 5, m = 300, d = 3 * GatherBound.WIDTH + 1;
        try (GatherBound b = new GatherBound(rows, k, m, d, 7, 0.5f)) {
            assertEquals(4, b.tiles(), "d = 3 widths + 1 takes four tiles");
            assertEquals(rows * k, b.visits());
            double seconds = b.passSeconds();
            assertTrue(seconds > 0, "the pass was timed: " + seconds);
            // Each visit adds value·tile = 0.25 to each of WIDTH lanes, in every tile: exact in float at this size.
            double one = 0.25 * GatherBound.WIDTH * rows * k * b.tiles();
            assertEquals(one, b.checksum(), 0.0);
            b.passSeconds();
            assertEquals(2 * one, b.checksum(), 0.0, "a second pass adds as much again");
        }
    }

    @Test
    void refusesImpossibleShapes() {
        assertThrows(IllegalArgumentException.class, () -> new GatherBound(4, 0, 10, 8, 1, 1f));
        assertThrows(IllegalArgumentException.class, () -> new GatherBound(4, 11, 10, 8, 1, 1f));
        assertThrows(IllegalArgumentException.class, () -> new GatherBound(0, 1, 10, 8, 1, 1f));
    }
}
