package saelab.train.sae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static saelab.train.sae.BatchTopKSaeTest.X;
import static saelab.train.sae.BatchTopKSaeTest.handParams;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Matryoshka BatchTopK SAE on {@link BatchTopKSaeTest}'s hand-worked batch with groups [1, 2]
 * (prefix widths 1 and 3): the batch keeps latents 0 (2.0) and 2 (1.5) of row 0.
 */
class MatryoshkaBatchTopKSaeTest {

    static MatryoshkaBatchTopKSae handSae(double[] weights) {
        return new MatryoshkaBatchTopKSae(new MatryoshkaBatchTopKSae.Config(2, 3, 1, new int[] {1, 2}, weights, 0.999, 1000), handParams());
    }

    @Test
    void eachPrefixReconstructsWithItsOwnLatentsAndTheLossAveragesTheWeightedPrefixLosses() {
        MatryoshkaBatchTopKSae sae = handSae(MatryoshkaBatchTopKSae.equalWeights(2));
        MatryoshkaBatchTopKSae.Forward fw = sae.forward(X, 2);
        // Prefix 1 (latent 0): x̂ = [0.5 + 2, 0] and b_dec; prefix 2 (all): [3.4, 1.2] and b_dec.
        assertArrayEquals(new float[] {2.5f, 0f, 0.5f, 0f}, fw.prefixReconstructions()[0].toArray(), 1e-6f);
        assertArrayEquals(new float[] {3.4f, 1.2f, 0.5f, 0f}, fw.reconstruction().toArray(), 1e-6f);

        // l_1: e = [0, 1], [0, 0.3] → (1 + 0.09)/2 = 0.545; l_2 = 0.47 (BatchTopK's).
        TrainingLoss loss = sae.loss(X, 2, new boolean[] {false, true, false}, 0.5, 1);
        assertEquals(List.of("recon_1", "recon", "auxk"), List.copyOf(loss.terms().keySet()));
        assertEquals(0.545, loss.term("recon_1"), 1e-6);
        assertEquals(0.47, loss.term("recon"), 1e-6);
        // The auxiliary residual is the whole dictionary's, so AuxK is BatchTopK's 1.015/0.265.
        double auxk = 1.015 / 0.265;
        assertEquals(auxk, loss.term("auxk"), 1e-5);
        for (var t : loss.terms().entrySet()) assertTrue(t.getValue() > 0, "term " + t.getKey() + " not exercised");
        // (1/2)·(½·0.545 + ½·0.47) + ½·AuxK.
        assertEquals(0.5 * (0.5 * 0.545 + 0.5 * 0.47) + 0.5 * auxk, loss.total().item(), 1e-5);

        TrainingLoss weighted = handSae(new double[] {2, 0.5}).loss(X, 2, null, 0.5, 1);
        assertEquals(0.5 * (2 * 0.545 + 0.5 * 0.47), weighted.total().item(), 1e-6, "group weights");
    }

    @Test
    void inferenceUsesTheWholeDictionaryAboveTheThreshold() {
        MatryoshkaBatchTopKSae sae = handSae(MatryoshkaBatchTopKSae.equalWeights(2));
        sae.threshold().restore(0.18);
        SparseEncoder.Selection cut = sae.encode(X, 2);
        assertArrayEquals(new int[] {0, 1, 2, 1, 0, 0}, cut.indices());
        assertArrayEquals(new float[] {2f, 0.9f, 1.5f, 0.2f, 0f, 0f}, cut.values(), 1e-6f);
        assertArrayEquals(new float[] {3.4f, 2.1f, 0.5f, 0.2f}, sae.reconstruct(X, 2), 1e-6f);
    }

    @Test
    void groupSizesFromFractionsRoundDownAndGiveTheRemainderToTheLast() {
        assertArrayEquals(new int[] {51, 102, 359}, MatryoshkaBatchTopKSae.groupSizes(512, 0.1, 0.2, 0.7));
        assertArrayEquals(new int[] {128, 128, 256}, MatryoshkaBatchTopKSae.groupSizes(512, 0.25, 0.25, 0.5));
        assertArrayEquals(new int[] {51, 153, 563}, new MatryoshkaBatchTopKSae.Config(8, 767, 4, MatryoshkaBatchTopKSae.groupSizes(767, 1 / 15.0, 0.2, 11 / 15.0)).groupSizes());
        assertArrayEquals(new int[] {51, 204, 767}, new MatryoshkaBatchTopKSae.Config(8, 767, 4, new int[] {51, 153, 563}).prefixWidths());
    }

    @Test
    void badGroupsAreRefusedInOneLine() {
        assertEquals("Matryoshka group fractions [0.5, 0.6] sum to 1.1, expected 1",
                assertThrows(IllegalArgumentException.class, () -> MatryoshkaBatchTopKSae.groupSizes(10, 0.5, 0.6)).getMessage());
        assertEquals("Matryoshka group fractions [0.05, 0.95] of m = 10 give an empty group: [0, 10]",
                assertThrows(IllegalArgumentException.class, () -> MatryoshkaBatchTopKSae.groupSizes(10, 0.05, 0.95)).getMessage());
        assertEquals("Matryoshka SAE group sizes [4, 4] sum to 8, expected d_sae = 10",
                assertThrows(IllegalArgumentException.class, () -> new MatryoshkaBatchTopKSae.Config(3, 10, 2, new int[] {4, 4})).getMessage());
        assertEquals("Matryoshka SAE needs one weight per group: 2 groups, 3 weights",
                assertThrows(IllegalArgumentException.class, () -> new MatryoshkaBatchTopKSae.Config(3, 10, 2, new int[] {4, 6}, new double[] {1, 1, 1}, 0.999, 1000)).getMessage());
    }
}
