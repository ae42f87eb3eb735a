package saelab.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DictionaryCoverageTest {
    // Truth e0, e1, e2 in d = 3.
    static final float[] TRUTH = {1, 0, 0, 0, 1, 0, 0, 0, 1};

    @Test
    void duplicatedLatentsLowerUniqueness() {
        // Latents: e0, e0 again, a near-copy of e0 (0.99, 0.1, 0), and −e2. Best |cos| features: 0, 0, 0, 2.
        float[] dec = {1, 0, 0, 1, 0, 0, 0.99f, 0.1f, 0, 0, 0, -1};
        var c = DictionaryCoverage.of(TRUTH, 3, dec, 4, 3, 0.9);
        assertEquals(2.0 / 4, c.uniqueness(), 0.0, "two distinct best matches among four latents");
        assertEquals(1.0, c.precision(), 0.0, "every latent is within the bar of some feature (|cos| counts −e2)");
        assertEquals(2.0 / 3, c.recall(), 0.0, "e1 has no latent");
        assertEquals(2 * 1.0 * (2.0 / 3) / (1 + 2.0 / 3), c.f1(), 1e-15);
    }

    @Test
    void precisionAndRecallAtTheBarByHand() {
        // Latents: e0, (e1 + e2)/√2 (|cos| 0.707 with both), e2. At bar 0.9: latents 0 and 2 count, features 0 and 2.
        float[] dec = {1, 0, 0, 0, 1, 1, 0, 0, 1};
        var c = DictionaryCoverage.of(TRUTH, 3, dec, 3, 3, 0.9);
        assertEquals(2.0 / 3, c.precision(), 0.0);
        assertEquals(2.0 / 3, c.recall(), 0.0);
        assertEquals(2.0 / 3, c.f1(), 1e-15);
        assertEquals(1.0, c.uniqueness(), 0.0, "best matches 0, 1 (the lower index of the tie 1/2), 2");
        // At bar 0.7 the mixed latent counts and so does e1 through it.
        var low = DictionaryCoverage.of(TRUTH, 3, dec, 3, 3, 0.7);
        assertEquals(1.0, low.precision(), 0.0);
        assertEquals(1.0, low.recall(), 0.0);
    }

    @Test
    void aBarOutsideTheUnitIntervalIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> DictionaryCoverage.of(TRUTH, 3, TRUTH, 3, 3, 1.5));
        assertEquals("cosine bar must be in [0, 1], got 1.5", e.getMessage());
    }
}
