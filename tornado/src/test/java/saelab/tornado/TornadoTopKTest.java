package saelab.tornado;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import saelab.tensor.backend.Backends;

/**
 * Device TopK against the CPU kernel, which must agree exactly (selection has no rounding): same
 * indices in the same order, same values, including ties (broken toward the lower column), −∞
 * entries (masked latents), k = 1 and k = cols, and rows read with an offset and a wider stride.
 */
class TornadoTopKTest {
    @Test
    void matchesTheCpuExactlyOnOddShapesTiesAndInfinities() {
        TornadoBackend t = TornadoUnderTest.backend();
        SplittableRandom rnd = new SplittableRandom(21);
        // rows, cols, k, kind: 0 continuous, 1 few distinct values (many ties), 2 some −∞ and +∞
        int[][] cases = {{37, 1000, 13, 0}, {9, 301, 301, 1}, {64, 517, 1, 2}, {5, 4099, 64, 1}, {23, 700, 40, 2}};
        for (int[] c : cases) {
            int rows = c[0], cols = c[1], k = c[2], ld = cols + 5, off = 3;
            float[] x = new float[off + rows * ld];
            for (int i = 0; i < x.length; i++) {
                x[i] = switch (c[3]) {
                    case 0 -> (float) rnd.nextGaussian();
                    case 1 -> rnd.nextInt(7) - 3;
                    default -> rnd.nextInt(10) == 0 ? (rnd.nextBoolean() ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY)
                            : (float) rnd.nextGaussian();
                };
            }
            int[] idx = new int[rows * k], wantIdx = new int[rows * k];
            float[] val = new float[rows * k], wantVal = new float[rows * k];
            t.topKRows(x, off, ld, rows, cols, k, idx, val);
            Backends.cpu().topKRows(x, off, ld, rows, cols, k, wantIdx, wantVal);
            String what = rows + "x" + cols + " k=" + k + " kind " + c[3];
            assertArrayEquals(wantIdx, idx, "indices, " + what);
            assertArrayEquals(wantVal, val, "values, " + what);
        }
    }

    /** A row whose k-th largest is −∞ (fewer finite entries than k): the −∞ ties go to the lowest columns. */
    @Test
    void kthLargestNegativeInfinity() {
        TornadoBackend t = TornadoUnderTest.backend();
        int rows = 3, cols = 50, k = 10;
        float[] x = new float[rows * cols];
        java.util.Arrays.fill(x, Float.NEGATIVE_INFINITY);
        for (int r = 0; r < rows; r++) for (int j = 0; j < 4; j++) x[r * cols + 7 * j + r] = j - r;
        int[] idx = new int[rows * k], wantIdx = new int[rows * k];
        float[] val = new float[rows * k], wantVal = new float[rows * k];
        t.topKRows(x, 0, cols, rows, cols, k, idx, val);
        Backends.cpu().topKRows(x, 0, cols, rows, cols, k, wantIdx, wantVal);
        assertArrayEquals(wantIdx, idx);
        assertArrayEquals(wantVal, val);
    }
}
