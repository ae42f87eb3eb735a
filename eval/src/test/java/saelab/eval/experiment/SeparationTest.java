package saelab.eval.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import saelab.train.sae.SparseCodes;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import saelab.train.penalty.kernels.CoFiring;

class SeparationTest {

    @Test
    void coFiringPairsTheirCosinesAndHistogramByHand() {
        // 4 latents in d = 2: 0 = e1, 1 = e1 (cos 1 with 0), 2 = e2, 3 = (e1 + e2)/√2 (never fires).
        float s = (float) Math.sqrt(0.5);
        float[] w = {1, 0, 2, 0, 0, 1, s, s};
        // rows: {0, 1}, {0, 2}, {0, 1}, {2} (k = 2; zero-valued slots do not fire)
        int[] idx = {0, 1, 0, 2, 1, 0, 2, 3};
        float[] val = {1, 1, 1, 1, 1, 1, 1, 0};
        SparseCodes c = new SparseCodes(4, 2, 4, idx, val);
        Separation sep = Separation.of(c, w, 2, Double.NaN, CoFiring.Normalization.BATCH);
        assertEquals(0, sep.pairsAboveThreshold(), "no threshold, nothing counted");
        assertEquals(2, Separation.of(c, w, 2, 0, CoFiring.Normalization.BATCH).pairsAboveThreshold(), "at t = 0 every co-firing pair has c = 1");
        assertEquals(2, sep.coFiringPairs());
        assertEquals((1.0 + 0.0) / 2, sep.coFirePairAbsCos(), 1e-6);
        assertEquals((2 * 1.0 + 1 * 0.0) / 3, sep.coFirePairAbsCosWeighted(), 1e-6);
        assertEquals(3, sep.alive());
        assertEquals((1.0 + 0 + 0) / 3, sep.allPairAbsCos(), 1e-6);
        // n = 2/4 = 0.5 → log10 −0.30: last bin; n = 1/4 → −0.60: bin 6 of 8 over [−4, 0].
        assertArrayEquals(new long[] {0, 0, 0, 0, 0, 0, 1, 1}, sep.histogram());
        assertEquals(sep.coFiringPairs(), CoFiring.activationOverlap(4, 2, 4, idx, val, 0.1, CoFiring.Normalization.BATCH, null, null).coFiringPairs(),
                "agrees with the training kernel's pair count");
        // Latent firing counts 3, 2, 2; pair {0, 1} co-fires twice, {0, 2} once: n_ij by batch 0.5 and 0.25, by min count 1 and
        // 0.5, by Jaccard 2/3 and 1/4.
        assertEquals(1, Separation.of(c, w, 2, 0.3, CoFiring.Normalization.BATCH).pairsAboveThreshold());
        assertEquals(2, Separation.of(c, w, 2, 0.2, CoFiring.Normalization.BATCH).pairsAboveThreshold());
        assertEquals(1, Separation.of(c, w, 2, 0.6, CoFiring.Normalization.MIN_COUNT).pairsAboveThreshold());
        assertEquals(2, Separation.of(c, w, 2, 0.45, CoFiring.Normalization.MIN_COUNT).pairsAboveThreshold());
        assertEquals(1, Separation.of(c, w, 2, 0.3, CoFiring.Normalization.JACCARD).pairsAboveThreshold());
        assertEquals(2, Separation.of(c, w, 2, 0.2, CoFiring.Normalization.JACCARD).pairsAboveThreshold());
    }
}
