package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The Vector API reductions give the same bits whether their code is interpreted or compiled by
 * C2: each lane accumulates its own chunk with fma, then the lanes are added in lane order, then
 * the tail. The test calls dot() 40,000 times on the same inputs (enough for C2 to compile it
 * part-way through) and checks every result against that order written out in scalar code;
 * with reduceLanes(ADD), whose order C2 chooses, the compiled calls differed in the last bits.
 */
class VectorOpsDeterminismTest {
    @Test
    void dotGivesTheSameBitsBeforeAndAfterTheJitCompilesIt() {
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        SplittableRandom rnd = new SplittableRandom(3);
        int n = 37 * lanes + 5;
        float[] a = new float[n], b = new float[n];
        for (int i = 0; i < n; i++) { a[i] = (float) rnd.nextGaussian(); b[i] = (float) rnd.nextGaussian(); }
        float want = laneOrderDot(a, b, n, lanes);
        for (int call = 0; call < 40_000; call++) {
            float got = VectorOps.dot(a, 0, b, 0, n);
            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got), "call " + call + ": " + got + " vs " + want);
        }
    }

    /** The documented order: per-lane fma over full chunks, lanes added 0..L−1, then the tail products. */
    private static float laneOrderDot(float[] a, float[] b, int n, int lanes) {
        float[] acc = new float[lanes];
        int full = n / lanes * lanes;
        for (int i = 0; i < full; i += lanes) {
            for (int l = 0; l < lanes; l++) acc[l] = Math.fma(a[i + l], b[i + l], acc[l]);
        }
        float s = 0f;
        for (int l = 0; l < lanes; l++) s += acc[l];
        for (int i = full; i < n; i++) s += a[i] * b[i];
        return s;
    }
}
