package saelab.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TrueCoFiringTest {
    static final long ORACLE_SEED = 8821;

    // Five features; 1 and 2 are children of 0, 4 a child of 3. Rows: {0,1,3}, {1,0}, {0,2,3,4}, {3,4}.
    static final int[] PARENT = {-1, 0, 0, -1, 3};
    static final int[] ROW_START = {0, 3, 5, 9, 11};
    static final int[] FEATURE = {0, 1, 3, 1, 0, 0, 2, 3, 4, 3, 4};

    @Test
    void pairCountsOnAHandBatch() {
        // Counts: (0,1) 2, (0,3) 2, (3,4) 2; (1,3) (0,2) (0,4) (2,3) (2,4) once each: 8 pairs.
        var c = TrueCoFiring.of(4, ROW_START, FEATURE, PARENT);
        assertEquals(8, c.coFiringPairs());
        assertEquals(3, c.hierarchyPairs());
        assertEquals(3, c.parentChildCoFiring(), "(0,1), (0,2) and (3,4) each fired together");
        assertEquals(8, c.pairsAbove(0), "t = 0: every co-firing pair");
        assertEquals(3, c.pairsAbove(0.25), "n_ij = 2/4 = 0.5 > 0.25: (0,1), (0,3), (3,4)");
        assertEquals(2, c.parentChildAbove(0.25), "(0,1) and (3,4)");
        assertEquals(0, c.pairsAbove(0.5), "n_ij > t is strict, as the penalty's c_ij");
        // log10 n_ij: 0.25 → −0.60, 0.5 → −0.30; four bins over [−1, 0] put them in bins 1 and 2.
        assertArrayEquals(new long[] {0, 5, 3, 0}, c.log10Histogram(4, -1, false));
        assertArrayEquals(new long[] {0, 1, 2, 0}, c.log10Histogram(4, -1, true));
    }

    /** Every unordered pair's count, by a map: the oracle. */
    static Map<Long, Integer> oracle(int rows, int[] rowStart, int[] feature, int n) {
        Map<Long, Integer> m = new HashMap<>();
        for (int r = 0; r < rows; r++) {
            for (int a = rowStart[r]; a < rowStart[r + 1]; a++) {
                for (int b = rowStart[r]; b < rowStart[r + 1]; b++) {
                    int i = feature[a], j = feature[b];
                    if (i < j) m.merge((long) i * n + j, 1, Integer::sum);
                }
            }
        }
        return m;
    }

    @Test
    void theTableAndTheSortedKeysBothCountEveryPair() {
        // n on both sides of TABLE_LIMIT (2048), so both counting paths meet the same oracle.
        int[] paths = new int[2];
        qt().withFixedSeed(ORACLE_SEED).withExamples(30)
                .forAll(integers().between(2, 2 * TrueCoFiring.TABLE_LIMIT), integers().between(1, 60), longs().all())
                .checkAssert((n, rows, seed) -> {
                    Random rnd = new Random(seed);
                    int[] parent = new int[n];
                    for (int f = 0; f < n; f++) parent[f] = f > 0 && rnd.nextInt(3) == 0 ? rnd.nextInt(f) : -1;
                    int[] rowStart = new int[rows + 1];
                    int[] feature = new int[rows * 12];
                    int t = 0;
                    for (int r = 0; r < rows; r++) {
                        // Up to 12 distinct features drawn from a small pool, so pairs repeat across rows.
                        int pool = Math.min(n, 20);
                        int[] pick = rnd.ints(0, pool).distinct().limit(1 + rnd.nextInt(Math.min(12, pool))).toArray();
                        for (int f : pick) feature[t++] = f * (n / pool);
                        rowStart[r + 1] = t;
                    }
                    var c = TrueCoFiring.of(rows, rowStart, feature, parent);
                    paths[n <= TrueCoFiring.TABLE_LIMIT ? 0 : 1]++;
                    Map<Long, Integer> want = oracle(rows, rowStart, feature, n);
                    assertEquals(want.size(), c.coFiringPairs(), "n " + n + " seed " + seed);
                    for (int a = 0; a < c.coFiringPairs(); a++) {
                        assertEquals(want.get(c.pairKey()[a]), c.count()[a], "pair key " + c.pairKey()[a]);
                        if (a > 0) assertTrue(c.pairKey()[a] > c.pairKey()[a - 1], "keys ascend");
                        int i = (int) (c.pairKey()[a] / n), j = (int) (c.pairKey()[a] % n);
                        assertEquals(parent[j] == i || parent[i] == j, c.parentChild()[a]);
                    }
                });
        assertTrue(paths[0] > 0 && paths[1] > 0, "both paths ran: table " + paths[0] + ", sorted keys " + paths[1]);
    }
}
