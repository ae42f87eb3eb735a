package saelab.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LatentClassificationTest {
    // Truth e0, e1 in d = 2. Latents: l0 = e0, l1 = e1, l2 = e0 tilted (best match e0), l3 = e1 never firing.
    static final float[] TRUTH = {1, 0, 0, 1};
    static final float[] DEC = {1, 0, 0, 1, 1, 0.2f, 0, 2};
    // Four rows: {f0}, {f0, f1}, {f1}, {}.
    static final int[] ROW_START = {0, 1, 3, 4, 4};
    static final int[] FEATURE = {0, 0, 1, 1};
    // Codes, k = 2: row 0 fires l0; row 1 fires l0 and l1; row 2 fires l2; row 3 fires l1. Zero-valued slots are silent.
    static final int[] IDX = {0, 3, 0, 1, 2, 3, 1, 3};
    static final float[] VAL = {1, 0, 2, 1, 1, 0, 1, 0};

    @Test
    void eachLatentIsScoredAsADetectorOfItsBestFeature() {
        var c = LatentClassification.of(FeatureCosines.of(TRUTH, 2, DEC, 4, 2), 4, ROW_START, FEATURE, 2, IDX, VAL);
        // l0: tp 2 fp 0 fn 0 tn 2 → P 1, R 1, F1 1, acc 1.
        // l1: fires rows 1, 3; f1 fires rows 1, 2 → tp 1 fp 1 fn 1 tn 1 → 0.5, 0.5, 0.5, acc 0.5.
        // l2: fires row 2; f0 fires rows 0, 1 → tp 0 fp 1 fn 2 tn 1 → 0, 0, 0, acc 0.25.
        // l3 (dead): f1 fires rows 1, 2 → tp 0 fp 0 fn 2 tn 2 → 0, 0, 0, acc 0.5.
        assertEquals((1 + 0.5) / 4, c.precision(), 1e-15);
        assertEquals((1 + 0.5) / 4, c.recall(), 1e-15);
        assertEquals((1 + 0.5) / 4, c.f1(), 1e-15);
        assertEquals((1 + 0.5 + 0.25 + 0.5) / 4, c.accuracy(), 1e-15);
        assertEquals(4, c.rows());
    }

    @Test
    void aLatentNamedOutOfRangeIsRefusedInOneLine() {
        int[] idx = IDX.clone();
        idx[2] = 9;
        var e = assertThrows(IllegalArgumentException.class,
                () -> LatentClassification.of(FeatureCosines.of(TRUTH, 2, DEC, 4, 2), 4, ROW_START, FEATURE, 2, idx, VAL));
        assertEquals("code slot 2 (row 1) names latent 9, expected one in [0, 4)", e.getMessage());
        var twice = assertThrows(IllegalArgumentException.class,
                () -> LatentClassification.of(FeatureCosines.of(TRUTH, 2, DEC, 4, 2), 1, new int[] {0, 2}, new int[] {1, 1}, 2, new int[2], new float[2]));
        assertTrue(twice.getMessage().contains("truth row 0 lists feature 1 twice"), twice.getMessage());
    }
}
