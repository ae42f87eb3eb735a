package saelab.tensor;

import saelab.tensor.kernels.Parallel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static saelab.tensor.Props.ints;
import static saelab.tensor.Props.qt;
import static saelab.tensor.Props.seeds;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A fused op gives the bits of the composite it replaces: value and gradient, when the gradient
 * arriving at it is not 1 and when its input's gradient already holds another consumer's share,
 * on 1 and 3 threads. Rows 1..300 (several parallel tasks), columns 1..40.
 */
class FusedOpsProperties {

    @Test
    void squaredErrorRowMeanIsTheCompositeBitForBit() {
        qt(7801, 150).forAll(ints(1, 300), ints(1, 40), ints(0, 2), seeds()).checkAssert((r, c, scaleCase, seed) -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            float[] xv = new float[r * c], tv = new float[r * c];
            for (int i = 0; i < xv.length; i++) {
                // Mixed magnitudes, some equal pairs (a zero difference) and a few signed zeros.
                xv[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-2, 3)));
                tv[i] = rnd.nextInt(8) == 0 ? xv[i] : rnd.nextInt(16) == 0 ? -0f : (float) rnd.nextGaussian();
            }
            float scale = new float[] {1f, 0.37f, -3f}[scaleCase];
            float[][] composite = run(xv, tv, r, c, scale, false), fused = run(xv, tv, r, c, scale, true);
            assertEquals(Float.floatToRawIntBits(composite[0][0]), Float.floatToRawIntBits(fused[0][0]), "value " + composite[0][0] + " vs " + fused[0][0]);
            assertArrayEquals(bits(composite[1]), bits(fused[1]), "gradient");
            float[] oneThread = Parallel.withParallelism(1, () -> run(xv, tv, r, c, scale, true)[1]), threeThreads = Parallel.withParallelism(3, () -> run(xv, tv, r, c, scale, true)[1]);
            assertArrayEquals(bits(oneThread), bits(threeThreads), "gradient on 1 vs 3 threads");
            boolean moved = false;
            for (float g : fused[1]) moved |= g != 0;
            assertTrue(moved || java.util.Arrays.equals(xv, tv), "a non-zero gradient");
        });
    }

    @Test
    void squaredErrorRowMeanRefusesATargetThatTakesAGradient() {
        Tensor x = Tensor.randn(1, 2, 3).setRequiresGrad(true), t = Tensor.randn(2, 2, 3).setRequiresGrad(true);
        assertEquals("squaredErrorRowMean: the target must not require grad",
                assertThrows(IllegalArgumentException.class, () -> x.squaredErrorRowMean(t)).getMessage());
    }

    /** {value}, {x's gradient} of scale·loss, x also feeding a second consumer (x·0.5 summed) so its buffer is shared. */
    private static float[][] run(float[] xv, float[] tv, int r, int c, float scale, boolean fused) {
        Tensor x = Tensor.wrap(xv.clone(), 0, r, c).setRequiresGrad(true);
        Tensor t = Tensor.wrap(tv.clone(), 0, r, c);
        Tensor loss = fused ? x.squaredErrorRowMean(t) : x.sub(t).square().sum(1, false).mean();
        Tensor total = loss.mul(Tensor.scalar(scale)).add(x.mul(Tensor.scalar(0.5f)).sum());
        total.backward();
        return new float[][] {{loss.item()}, x.gradData().clone()};
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) b[i] = Float.floatToRawIntBits(a[i]);
        return b;
    }

}
