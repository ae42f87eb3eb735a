package saelab.train.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import saelab.tensor.Tensor;
import saelab.tensor.kernels.ReusableArrays;

/**
 * What the reuse tests compare: a host trainer's steps run with the shared pool's reuse off (cap 0:
 * every array fresh, as before reuse) or on with every given-back array poisoned, so a read after
 * an early give, two holders of one array, or a kept result sharing a given-back array would show
 * in the bits. Each step must close its scope and give a finite loss, and a reconstruction taken
 * before the steps must be unchanged after them.
 *
 * @param losses  each step's loss bits
 * @param stats   each step's statistics
 * @param weights the parameters' bits after the last step
 * @param hash    {@link BitIdentityTest#hash} of the trainer and its statistics
 * @param reused  arrays the pool handed out again during the run
 */
record PoisonedReuseRun(List<Long> losses, List<StepStats> stats, List<int[]> weights, long hash, long reused) {

    /** @param reuse false: the pool's cap at 0 (no reuse); true: reuse, every given-back array poisoned */
    static PoisonedReuseRun train(TrainConfig cfg, boolean reuse, int steps, int batch, int d) {
        ReusableArrays pool = ReusableArrays.shared();
        SaeTrainer t = SaeTrainer.create(cfg);
        assertFalse(t.resident(), "the host step is under test");
        float[] probe = Tensor.randn(1, batch, d).toArray();
        float[] kept = t.reconstruct(probe, batch).xHat();
        float[] keptCopy = kept.clone();
        List<Long> losses = new ArrayList<>();
        List<StepStats> stats = new ArrayList<>();
        long reused0 = pool.reusedCount();
        long cap = pool.capBytes();
        if (!reuse) pool.capBytes(0);
        pool.poisonOnGive(reuse);
        try {
            for (int s = 0; s < steps; s++) {
                StepStats st = t.step(Tensor.randn(100 + s, batch, d).toArray(), batch);
                assertFalse(ReusableArrays.inScope(), "the step closed its scope");
                assertTrue(Double.isFinite(st.loss()), "step " + s + " loss " + st.loss());
                losses.add(Double.doubleToRawLongBits(st.loss()));
                stats.add(st);
            }
        } finally {
            pool.poisonOnGive(false);
            pool.capBytes(cap);
        }
        assertArrayEquals(keptCopy, kept, "a reconstruction handed out before the steps");
        List<int[]> weights = new ArrayList<>();
        for (Tensor p : t.params().list()) {
            float[] v = p.data();
            int[] b = new int[v.length];
            for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
            weights.add(b);
        }
        return new PoisonedReuseRun(losses, stats, weights, BitIdentityTest.hash(t, stats), pool.reusedCount() - reused0);
    }

    /** Steps on which AuxK ran: dead latents and an auxk term above 0. */
    long auxSteps() {
        return stats.stream().filter(st -> st.deadLatents() > 0 && st.terms().stream().anyMatch(x -> x.name().equals("auxk") && x.value() > 0)).count();
    }
}
