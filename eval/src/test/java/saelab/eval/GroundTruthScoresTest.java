package saelab.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class GroundTruthScoresTest {
    static final GroundTruthScores.Settings SETTINGS = new GroundTruthScores.Settings(0.9, HierarchyAbsorption.DEFAULT_BAR, 4, 0.3);

    @Test
    void theMapCarriesEachPartUnderItsKey() {
        var c = HierarchyAbsorptionTest.codes(HierarchyAbsorptionTest.absorbingRows());
        var s = GroundTruthScores.of(HierarchyAbsorptionTest.TRUTH, HierarchyAbsorptionTest.PARENT, HierarchyAbsorptionTest.DEC_CARRIES,
                HierarchyAbsorptionTest.D, HierarchyAbsorptionTest.ROWS, HierarchyAbsorptionTest.ROW_START, HierarchyAbsorptionTest.FEATURE,
                HierarchyAbsorptionTest.K, c.idx(), c.val(), SETTINGS);
        assertNull(s.skipped());
        Map<String, Double> m = s.metrics();
        assertEquals(21, m.size());
        // MCC: three latents exactly along their features, C1's at 1/√1.25.
        assertEquals((3 + 1 / Math.sqrt(1.25)) / 4, m.get(GroundTruthScores.MCC), 1e-6);
        assertEquals(4.0, m.get(GroundTruthScores.MCC_PAIRS));
        assertEquals(s.absorption().rate(), m.get(GroundTruthScores.ABSORPTION));
        assertEquals(0.25, m.get(GroundTruthScores.ABSORPTION), 1e-15);
        assertEquals(8.0 / 12, m.get(GroundTruthScores.PARENT_RECALL), 1e-15);
        assertEquals(s.classification().f1(), m.get(GroundTruthScores.F1));
        assertEquals(1.0, m.get(GroundTruthScores.UNIQUENESS));
        // (P, C1) fired together in 8 of 16 rows (0.5 > 0.3), (P, C2) in 4 (0.25): one pair above.
        assertEquals(1.0, m.get(GroundTruthScores.TRUE_PARENT_CHILD_ABOVE));
        assertEquals(1.0, m.get(GroundTruthScores.TRUE_PAIRS_ABOVE));
        assertEquals(2.0, m.get(GroundTruthScores.TRUE_COFIRING_PAIRS));
    }

    @Test
    void aboveTheLimitTheCosineScoresAreNaNAndTheCoFiringCountsRemain() {
        int n = 16385;
        int[] parent = new int[n];
        java.util.Arrays.fill(parent, -1);
        parent[1] = 0;
        // One row firing features 0 and 1; one latent per feature, d = 1, codes naming latent 0.
        var s = GroundTruthScores.of(new float[n], parent, new float[n], 1, 1, new int[] {0, 2}, new int[] {0, 1},
                1, new int[] {0}, new float[] {1}, SETTINGS);
        assertTrue(s.skipped().startsWith("Hungarian matching skipped: 16385 true features × 16385 latents"), s.skipped());
        Map<String, Double> m = s.metrics();
        for (String key : new String[] {GroundTruthScores.MCC, GroundTruthScores.F1, GroundTruthScores.UNIQUENESS, GroundTruthScores.ABSORPTION}) {
            assertTrue(Double.isNaN(m.get(key)), key);
        }
        assertEquals(1.0, m.get(GroundTruthScores.TRUE_PARENT_CHILD_ABOVE), "n_01 = 1 > 0.3");
    }
}
