package saelab.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Features in d = 4: P = e0 (0), its children C1 = e1 (1) and C2 = e2 (2), an unrelated root
 * R = e3 (3). Sixteen rows: 0–7 fire {P, C1}, 8–11 fire {P, C2}, 12–15 fire {R}. Codes have
 * k = 2 slots per row; a slot with value 0 is silent.
 */
class HierarchyAbsorptionTest {
    static final int D = 4, ROWS = 16, K = 2;
    static final float[] TRUTH = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    static final int[] PARENT = {-1, 0, 0, -1};
    static final int[] ROW_START = new int[ROWS + 1];
    static final int[] FEATURE = new int[2 * 12 + 4];
    /** Latent 1 is C1's, tilted towards P: cos with P = 0.5/√1.25 ≈ 0.447 > the 0.1 bar; with C1 ≈ 0.894. */
    static final float[] DEC_CARRIES = {1, 0, 0, 0, 0.5f, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    /** The same with C1's latent exactly along C1: it carries nothing of P. */
    static final float[] DEC_PLAIN = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};

    static {
        int t = 0;
        for (int r = 0; r < ROWS; r++) {
            if (r < 8) { FEATURE[t++] = 0; FEATURE[t++] = 1; }
            else if (r < 12) { FEATURE[t++] = 0; FEATURE[t++] = 2; }
            else FEATURE[t++] = 3;
            ROW_START[r + 1] = t;
        }
    }

    record Codes(int[] idx, float[] val) {}

    /** Codes with the given latents firing in each row (−1: a silent slot). */
    static Codes codes(int[][] perRow) {
        int[] idx = new int[ROWS * K];
        float[] val = new float[ROWS * K];
        for (int r = 0; r < ROWS; r++) {
            for (int s = 0; s < K; s++) {
                int l = perRow[r][s];
                idx[r * K + s] = Math.max(l, 0);
                val[r * K + s] = l < 0 ? 0 : 1;
            }
        }
        return new Codes(idx, val);
    }

    /** Rows 0–3 fire only C1's latent (P's silent), rows 4–11 both the parent's and the child's latent, R's rows R's latent. */
    static int[][] absorbingRows() {
        int[][] rows = new int[ROWS][];
        for (int r = 0; r < ROWS; r++) rows[r] = r < 4 ? new int[] {1, -1} : r < 8 ? new int[] {0, 1} : r < 12 ? new int[] {0, 2} : new int[] {3, -1};
        return rows;
    }

    static HierarchyAbsorption measure(float[] dec, int[][] perRow, int minTogether) {
        Codes c = codes(perRow);
        return HierarchyAbsorption.of(TRUTH, dec, D, ROWS, ROW_START, FEATURE, K, c.idx(), c.val(), PARENT,
                HierarchyAbsorption.DEFAULT_BAR, minTogether);
    }

    @Test
    void theMatchingGivesEachFeatureItsOwnLatent() {
        assertArrayEquals(new int[] {0, 1, 2, 3}, FeatureMatch.of(TRUTH, 4, DEC_CARRIES, 4, D).latentOfFeature());
    }

    @Test
    void anSaeThatAbsorbsOneChildInHalfItsRows() {
        var a = measure(DEC_CARRIES, absorbingRows(), 4);
        assertEquals(2, a.pairs());
        assertEquals(4, a.absorbed(), "rows 0–3");
        assertEquals(12, a.together());
        assertEquals((4.0 / 8 + 0.0 / 4) / 2, a.rate(), 1e-15);
        assertEquals(4.0 / 12, a.pooledRate(), 1e-15);
        // P truly fires in rows 0–11; its latent fires in 4–11: 8 of 12, for both pairs.
        assertEquals(8.0 / 12, a.parentRecall(), 1e-15);
        assertEquals(1.0, a.childRecall(), 1e-15);
    }

    @Test
    void anSaeThatSilencesParentAndChildAbsorbsNothingAndRecallsNothing() {
        int[][] rows = new int[ROWS][];
        for (int r = 0; r < ROWS; r++) rows[r] = new int[] {3, -1};
        var a = measure(DEC_CARRIES, rows, 4);
        assertEquals(2, a.pairs());
        assertEquals(0.0, a.rate(), 0.0);
        assertEquals(0.0, a.parentRecall(), 0.0);
        assertEquals(0.0, a.childRecall(), 0.0);
    }

    @Test
    void aChildLatentWithoutTheParentsDirectionDoesNotAbsorb() {
        var a = measure(DEC_PLAIN, absorbingRows(), 4);
        assertEquals(0, a.absorbed());
        assertEquals(0.0, a.rate(), 0.0);
        assertEquals(8.0 / 12, a.parentRecall(), 1e-15, "the parent is still missed in rows 0–3");
    }

    @Test
    void pairsSeenTogetherTooRarelyAreLeftOut() {
        var a = measure(DEC_CARRIES, absorbingRows(), 5);
        assertEquals(1, a.pairs(), "(P, C2) fired together in only 4 rows");
        assertEquals(4.0 / 8, a.rate(), 1e-15);
        var none = measure(DEC_CARRIES, absorbingRows(), 100);
        assertEquals(0, none.pairs());
        assertTrue(Double.isNaN(none.rate()) && Double.isNaN(none.parentRecall()), "no pair: nothing to report, not zero");
    }

    @Test
    void aPairWhoseChildHasNoLatentIsCountedAsUnmatched() {
        // Only two latents (P's and C1's): C2 and R go unmatched.
        float[] dec = java.util.Arrays.copyOf(DEC_CARRIES, 2 * D);
        int[][] rows = absorbingRows();
        for (int r = 8; r < ROWS; r++) rows[r] = r < 12 ? new int[] {0, -1} : new int[] {-1, -1};
        var a = measure(dec, rows, 4);
        assertEquals(1, a.pairs());
        assertEquals(1, a.unmatchedPairs());
        assertEquals(4.0 / 8, a.rate(), 1e-15);
    }
}
