package saelab.train.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import saelab.tensor.Tensor;
import saelab.tensor.kernels.ReusableArrays;
import saelab.train.penalty.PenaltyConfig;

/**
 * The host step's arrays are reused from step to step ({@link ReusableArrays}: kernel temporaries,
 * autograd's gradient buffers, the step-scoped forward outputs). Nothing may read one after giving
 * it back, no two users may hold one at once, and whatever outlives a step must not be one: a run
 * that reuses arrays and poisons every array with NaN the moment it is given back (so a read after
 * an early give, within the step or in the next, or a kept result sharing a given-back array, would
 * see NaN, and two holders of one array would overwrite each other) ends with the same bits, step
 * losses and weights, as a run with reuse turned off (cap 0: every array fresh, as before reuse),
 * and a reconstruction taken before the steps is unchanged. 30 steps of a TopK SAE whose latents start dying at step 20, so the
 * auxiliary loss's arrays are in it too, with the co-firing penalty.
 */
class StepArrayReuseTest {
    private static final int D = 16, M = 512, K = 2, BATCH = 32, STEPS = 30;

    private static TrainConfig config() {
        return TrainerTestSupport.topk(D, M, K, STEPS, BATCH, 9, ControlPenaltyTrainingTest.control(0));
    }

    private record Run(List<Long> losses, List<int[]> weights, long reused) {}

    /** @param reuse false: the pool's cap at 0 (no reuse); true: reuse, every given-back array poisoned */
    private static Run run(boolean reuse) {
        ReusableArrays pool = ReusableArrays.shared();
        SaeTrainer t = SaeTrainer.create(config());
        assertFalse(t.resident(), "the host step is under test");
        float[] probe = Tensor.randn(1, BATCH, D).toArray();
        float[] kept = t.reconstruct(probe, BATCH).xHat();
        float[] keptCopy = kept.clone();
        List<Long> losses = new ArrayList<>();
        long reused0 = pool.reusedCount();
        int auxSteps = 0, penaltySteps = 0;
        long cap = pool.capBytes();
        if (!reuse) pool.capBytes(0);
        pool.poisonOnGive(reuse);
        try {
            for (int s = 0; s < STEPS; s++) {
                StepStats st = t.step(Tensor.randn(100 + s, BATCH, D).toArray(), BATCH);
                assertFalse(ReusableArrays.inScope(), "the step closed its scope");
                assertTrue(Double.isFinite(st.loss()), "step " + s + " loss " + st.loss());
                losses.add(Double.doubleToRawLongBits(st.loss()));
                if (st.deadLatents() > 0 && st.terms().get(1).value() > 0) auxSteps++;
                if (st.penaltyTerm() != 0) penaltySteps++;
            }
        } finally {
            pool.poisonOnGive(false);
            pool.capBytes(cap);
        }
        assertArrayEquals(keptCopy, kept, "a reconstruction handed out before the steps");
        assertTrue(auxSteps > 0, "the auxiliary loss ran on some step");
        assertTrue(penaltySteps > 0, "the penalty was applied on some step");
        List<int[]> weights = new ArrayList<>();
        for (Tensor p : t.params().list()) {
            float[] v = p.data();
            int[] b = new int[v.length];
            for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
            weights.add(b);
        }
        return new Run(losses, weights, pool.reusedCount() - reused0);
    }

    @Test
    void reusingPoisonedArraysGivesTheBitsOfFreshArrays() {
        Run clean = run(false), poisoned = run(true);
        assertEquals(0, clean.reused(), "no reuse at cap 0");
        assertTrue(poisoned.reused() > STEPS * 10L, "steps reused given-back arrays (" + poisoned.reused() + " takes)");
        assertEquals(clean.losses(), poisoned.losses(), "step losses");
        for (int i = 0; i < clean.weights().size(); i++) assertArrayEquals(clean.weights().get(i), poisoned.weights().get(i), "parameter " + i);
    }
}
