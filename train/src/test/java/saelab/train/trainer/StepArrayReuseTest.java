package saelab.train.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import saelab.tensor.kernels.ReusableArrays;

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

    @Test
    void reusingPoisonedArraysGivesTheBitsOfFreshArrays() {
        PoisonedReuseRun clean = PoisonedReuseRun.train(config(), false, STEPS, BATCH, D), poisoned = PoisonedReuseRun.train(config(), true, STEPS, BATCH, D);
        for (PoisonedReuseRun r : List.of(clean, poisoned)) {
            assertTrue(r.auxSteps() > 0, "the auxiliary loss ran on some step");
            assertTrue(r.stats().stream().anyMatch(st -> st.penaltyTerm() != 0), "the penalty was applied on some step");
        }
        assertEquals(0, clean.reused(), "no reuse at cap 0");
        assertTrue(poisoned.reused() > STEPS * 10L, "steps reused given-back arrays (" + poisoned.reused() + " takes)");
        assertEquals(clean.losses(), poisoned.losses(), "step losses");
        for (int i = 0; i < clean.weights().size(); i++) assertArrayEquals(clean.weights().get(i), poisoned.weights().get(i), "parameter " + i);
    }
}
