package saelab.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FeatureMatchProperties {
    static final long PERFECT_SEED = 8811;
    /** Cosines come from one float32 product of unit rows of length d ≤ 24: error ≲ d·ε32 ≈ 1.4e-6; allowed a small multiple. */
    static final double COS_TOL = 1e-5;

    @Test
    void aPerfectDictionaryScoresOneUnderAnyPermutationSignAndExtraLatents() {
        int[] seen = new int[2];   // examples with extra random latents, with a flipped sign
        qt().withFixedSeed(PERFECT_SEED).withExamples(40)
                .forAll(integers().between(1, 30), integers().between(0, 30), longs().all())
                .checkAssert((n, extra, seed) -> {
                    Random rnd = new Random(seed);
                    int d = 2 + rnd.nextInt(23), m = n + extra;
                    float[] truth = RandomDirections.of(seed, n, d);
                    // Latent slot[i] holds ±s·(feature i) for a random permutation, sign and scale; the rest are random.
                    int[] slot = rnd.ints(0, m).distinct().limit(n).toArray();
                    float[] dec = RandomDirections.of(seed + 1, m, d);
                    if (extra > 0) seen[0]++;
                    for (int i = 0; i < n; i++) {
                        float s = (rnd.nextBoolean() ? -1f : 1f) * (0.5f + 3 * rnd.nextFloat());
                        if (s < 0 && i == 0) seen[1]++;
                        for (int e = 0; e < d; e++) dec[slot[i] * d + e] = s * truth[i * d + e];
                    }
                    FeatureMatch fm = FeatureMatch.of(truth, n, dec, m, d);
                    assertNull(fm.skipped());
                    assertEquals(n, fm.pairs(), "pairs = min(n, m)");
                    assertEquals(1.0, fm.mcc(), COS_TOL, "n " + n + " m " + m + " d " + d + " seed " + seed);
                    // Every feature is matched to a latent along it: |cos| 1 (its copy or, when d < n, an equal one).
                    for (int i = 0; i < n; i++) {
                        int l = fm.latentOfFeature()[i];
                        assertEquals(i, fm.featureOfLatent()[l], "the two maps agree");
                        assertEquals(1.0, Math.abs(RandomDirections.cosine(truth, i, dec, l, d)), COS_TOL, "feature " + i);
                    }
                });
        assertTrue(seen[0] > 0 && seen[1] > 0, "extra latents in " + seen[0] + " examples, a flipped first feature in " + seen[1]);
    }

    @Test
    void aSignFlipCountsForMccButNotForTheSignedMatching() {
        // Truth e0, e1; latents −e0, e1. |cos| matching: 1 and 1. Signed: either (−1 + 1) or (0 + 0), mean 0.
        float[] t = {1, 0, 0, 1}, dec = {-1, 0, 0, 1};
        FeatureCosines c = FeatureCosines.of(t, 2, dec, 2, 2);
        assertEquals(1.0, FeatureMatch.of(c).mcc(), 0.0);
        assertEquals(0.0, FeatureMatch.signed(c).mcc(), 0.0);
    }

    @Test
    void withFewerLatentsThanFeaturesTheMeanIsOverTheLatents() {
        // Truth e0, e1, e2 (d = 3); latents e0 and (e1 + e2)/√2: pairs (e0, e0) at 1 and one of e1/e2 at 1/√2.
        float[] t = {1, 0, 0, 0, 1, 0, 0, 0, 1};
        float[] dec = {1, 0, 0, 0, 1, 1};
        FeatureMatch fm = FeatureMatch.of(t, 3, dec, 2, 3);
        assertEquals(2, fm.pairs());
        assertEquals((1 + 1 / Math.sqrt(2)) / 2, fm.mcc(), 1e-6);
        assertEquals(0, fm.latentOfFeature()[0]);
        int unmatched = 0;
        for (int l : fm.latentOfFeature()) if (l < 0) unmatched++;
        assertEquals(1, unmatched, "one of e1, e2 has no latent");
    }

    @Test
    void aboveTheLimitItIsNaNWithAReason() {
        int n = 16385, m = 16385;   // d = 1 keeps the arrays small; the size is refused before any cosine
        FeatureMatch fm = FeatureMatch.of(new float[n], n, new float[m], m, 1);
        assertTrue(Double.isNaN(fm.mcc()));
        assertEquals(0, fm.pairs());
        assertTrue(fm.skipped().contains("16385 true features × 16385 latents = 268468225 cosines is over the limit of 268435456"), fm.skipped());
        assertTrue(FeatureMatch.fits(16384, 16384), "SynthSAEBench-16k's own size is matched");
    }
}
