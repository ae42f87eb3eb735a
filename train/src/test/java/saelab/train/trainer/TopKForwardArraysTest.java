package saelab.train.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import saelab.tensor.Tensor;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.sae.TopKSae;

/**
 * Issue 16: the TopK step holds no rows × m array. Everything a TopK forward keeps (walked
 * through its record components, arrays and tensors, down through nested records) is smaller
 * than rows × m, on a loss step whose auxiliary loss runs (so the dead latents' selection is kept
 * too). A forward that kept its pre-activations again would hold exactly rows × m floats.
 */
class TopKForwardArraysTest {

    @Test
    void aTopKLossStepWithAuxKKeepsNoRowsByLatentsArray() throws ReflectiveOperationException {
        int rows = 24, d = 6, m = 64, k = 3;
        TopKSae sae = TopKSae.init(new TopKSae.Config(d, m, k), 5);
        SplittableRandom r = new SplittableRandom(7);
        float[] x = new float[rows * d];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        boolean[] dead = new boolean[m];
        for (int j = 0; j < m; j += 2) dead[j] = true;
        TopKLoss.Terms t = TopKLoss.compute(sae, x, rows, 0.5, new TopKLoss.Settings(PenaltyConfig.none(), 1.0 / 32, 4), dead);
        assertTrue(t.auxk() > 0, "the auxiliary loss ran");
        assertNotNull(t.forward().deadSelection(), "the dead latents' selection is kept");

        List<String> sizes = new ArrayList<>();
        long largest = largest(t.forward(), "forward", sizes);
        // What must be there: the centred inputs (rows × d), both selections (rows × k, rows × k_aux), the reconstruction.
        assertTrue(sizes.contains("forward.centred.xc " + rows * d), sizes.toString());
        assertTrue(sizes.contains("forward.selection.indices " + rows * k), sizes.toString());
        assertTrue(sizes.contains("forward.deadSelection.indices " + rows * 4), sizes.toString());
        assertTrue(sizes.contains("forward.reconstruction " + rows * d), sizes.toString());
        assertTrue(largest < (long) rows * m, "largest array kept by the forward: " + largest + " entries, rows × m = " + rows * m + ": " + sizes);
        assertEquals(rows * d, largest, sizes.toString());
    }

    /** The largest array or tensor reachable through {@code o}'s record components; each listed as "path length". */
    private static long largest(Object o, String path, List<String> sizes) throws ReflectiveOperationException {
        if (o == null) return 0;
        long n = switch (o) {
            case float[] a -> a.length;
            case int[] a -> a.length;
            case boolean[] a -> a.length;
            case double[] a -> a.length;
            case Tensor tensor -> tensor.numel();
            default -> -1;
        };
        if (n >= 0) {
            sizes.add(path + " " + n);
            return n;
        }
        long most = 0;
        if (o instanceof Record rec) {
            for (RecordComponent c : rec.getClass().getRecordComponents()) {
                most = Math.max(most, largest(c.getAccessor().invoke(rec), path + "." + c.getName(), sizes));
            }
        }
        return most;
    }
}
