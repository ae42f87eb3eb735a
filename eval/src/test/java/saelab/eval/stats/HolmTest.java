package saelab.eval.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class HolmTest {

    /**
     * By hand: sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 give 0.02, 0.03, 0.06, 0.04; the
     * running maximum lifts the last to 0.06. Back in input order: 0.03, 0.06, 0.06, 0.02.
     */
    @Test
    void handExample() {
        assertArrayEquals(new double[] {0.03, 0.06, 0.06, 0.02}, Holm.adjust(0.01, 0.04, 0.03, 0.005), 1e-15);
    }

    @Test
    void adjustedValuesAreCappedAtOne() {
        // 0.4·2 = 0.8, then 0.7·1 = 0.7 lifted to 0.8; 0.6·2 = 1.2 capped.
        assertArrayEquals(new double[] {0.8, 0.8}, Holm.adjust(0.7, 0.4), 1e-15);
        assertArrayEquals(new double[] {1.0, 1.0}, Holm.adjust(0.6, 0.7), 0);
    }

    @Test
    void untestedHypothesesStayNaNAndAreNotCounted() {
        double[] adjusted = Holm.adjust(0.01, Double.NaN, 0.04);
        assertEquals(0.02, adjusted[0], 1e-15);
        assertTrue(Double.isNaN(adjusted[1]));
        assertEquals(0.04, adjusted[2], 1e-15);
        assertEquals(2, Holm.familySize(0.01, Double.NaN, 0.04));
        assertEquals(0, Holm.adjust().length);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Holm.adjust(0.2, 1.5));
        assertEquals("Holm: p[1] is 1.5; expected a p-value in [0, 1] or NaN for an untested hypothesis", e.getMessage());
    }

    /**
     * Adjusted p lies between the raw p and the Bonferroni min(1, m·p), keeps the raw order, and
     * "adjusted &lt; α" rejects exactly what Holm's sequential procedure rejects: walk the sorted p
     * and reject while p_(j) &lt; α/(m − j + 1).
     */
    @Test
    void adjustedPMatchesTheStepDownProcedure() {
        int[] rejectedSome = {0};
        qt().withFixedSeed(913L).withExamples(300)
                .forAll(lists().of(doubles().between(0, 0.1)).ofSizeBetween(1, 12), doubles().between(0.01, 0.1))
                .checkAssert((list, alpha) -> {
                    double[] p = list.stream().mapToDouble(Double::doubleValue).toArray();
                    double[] adj = Holm.adjust(p);
                    int m = p.length;
                    for (int i = 0; i < m; i++) {
                        assertTrue(adj[i] >= p[i] && adj[i] <= Math.min(1, m * p[i]) + 1e-15, p[i] + " → " + adj[i]);
                        for (int j = 0; j < m; j++) if (p[i] < p[j]) assertTrue(adj[i] <= adj[j]);
                    }
                    double[] sorted = p.clone();
                    Arrays.sort(sorted);
                    int rejected = 0;
                    while (rejected < m && sorted[rejected] < alpha / (m - rejected)) rejected++;
                    double bar = rejected == 0 ? -1 : sorted[rejected - 1];
                    for (int i = 0; i < m; i++) {
                        // Adjusted p is a product (m − j + 1)·p, exact to one rounding: skip ties with α.
                        if (Math.abs(adj[i] - alpha) < 1e-12) return;
                        assertEquals(p[i] <= bar, adj[i] < alpha, Arrays.toString(p) + " at α " + alpha);
                    }
                    if (rejected > 0) rejectedSome[0]++;
                });
        assertTrue(rejectedSome[0] > 30, "some families had rejections: " + rejectedSome[0]);
    }
}
