package saelab.train.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import saelab.tensor.Tensor;
import saelab.tensor.kernels.ReusableArrays;
import saelab.train.RecordedBits;
import saelab.train.arch.BatchTopKArchitecture;
import saelab.train.arch.MatryoshkaBatchTopKArchitecture;
import saelab.train.arch.SaeSettings;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.sae.BatchTopKSae;
import saelab.train.sae.GroupedSparseDecoder;

/**
 * {@link StepArrayReuseTest} for the BatchTopK family: their steps take the pre-activations, the
 * batch selection's candidates and codes, the grouped decoder's output and its postings from
 * {@link ReusableArrays}. A run that reuses arrays and poisons each the moment it is given back
 * (NaN floats, {@code Integer.MIN_VALUE} ints: a read after an early give, or two holders of one
 * array, would show in the bits or throw) ends with the step losses and weights of a run with
 * reuse off (cap 0), and those equal the hash recorded before the reuse (commit d4aa756, every
 * array fresh; 16 lanes, and the 8- and 4-lane hashes recorded on 2026-12-05: {@link RecordedBits}). 30 steps whose latents start dying at step 5 (AuxK's masked selection runs), with
 * the inference threshold estimated from step 5.
 */
class BatchTopKStepArrayReuseTest {
    private static final int D = 16, M = 256, K = 4, BATCH = 32, STEPS = 30;

    private static TrainConfig config(SaeSettings s) {
        return new TrainConfig(s, D, M, 3e-3, STEPS, BATCH, 9, STEPS / 20, STEPS * 8 / 10, 5L * BATCH, PenaltyConfig.none(), 1.0,
                10, 0, "synthetic", "test", "test");
    }

    private static TrainConfig batchTopK() {
        return config(new BatchTopKArchitecture.Settings(K, 1.0 / 32, D / 2, 0.999, 5));
    }

    private static TrainConfig matryoshka() {
        return config(new MatryoshkaBatchTopKArchitecture.Settings(K, 1.0 / 32, D / 2, 0.999, 5,
                List.of(0.03125, 0.0625, 0.125, 0.25, 0.53125), null));
    }

    private static void assertSameBits(TrainConfig cfg, Map<Integer, Long> recordedByLanes) {
        String arch = cfg.architecture().name();
        PoisonedReuseRun clean = PoisonedReuseRun.train(cfg, false, STEPS, BATCH, D), poisoned = PoisonedReuseRun.train(cfg, true, STEPS, BATCH, D);
        for (PoisonedReuseRun r : List.of(clean, poisoned)) assertTrue(r.auxSteps() > 0, arch + ": the auxiliary loss ran on some step");
        assertEquals(0, clean.reused(), arch + ": no reuse at cap 0");
        assertTrue(poisoned.reused() > STEPS * 10L, arch + ": steps reused given-back arrays (" + poisoned.reused() + " takes)");
        assertEquals(clean.losses(), poisoned.losses(), arch + ": step losses");
        for (int i = 0; i < clean.weights().size(); i++) assertArrayEquals(clean.weights().get(i), poisoned.weights().get(i), arch + ": parameter " + i);
        // The hash depends on the lane count (RecordedBits); the comparisons above do not.
        Long recorded = RecordedBits.forThisMachine(recordedByLanes);
        if (recorded == null) System.out.println(arch + ": " + RecordedBits.notRecorded(recordedByLanes) + " (hash not compared)");
        else assertEquals(recorded.longValue(), clean.hash(), arch + ": weights and losses of the code before reuse");
    }

    @Test
    void batchTopKReusingPoisonedArraysGivesTheBitsOfFreshArrays() {
        assertSameBits(batchTopK(), Map.of(16, -4483251992303485139L, 8, -3913743560630370888L, 4, 4433273233880338599L));
    }

    @Test
    void matryoshkaReusingPoisonedArraysGivesTheBitsOfFreshArrays() {
        assertSameBits(matryoshka(), Map.of(16, 7111241316129355186L, 8, -3716417899125888780L, 4, -8100232288744302600L));
    }

    /**
     * The arrays a forward pass leaves in the step's graph (centred inputs, pre-activations, the
     * padded codes, the values, the grouped decoder's partial reconstructions) are the open scope's:
     * a second forward in a second scope on the same pool gets back arrays the first scope gave
     * (the very same objects), and a forward with no scope open gets none of them.
     */
    @Test
    void aForwardsArraysComeFromTheOpenScopeAndGoBackWithIt() {
        int rows = 24, d = 8, m = 96, k = 3, groups = 3;
        BatchTopKSae sae = BatchTopKSae.init(new BatchTopKSae.Config(d, m, k), 4);
        float[] x = Tensor.randn(5, rows, d).toArray();
        int[] groupOf = new int[m];
        for (int j = 0; j < m; j++) groupOf[j] = j * groups / m;
        ReusableArrays pool = new ReusableArrays(64L << 20);
        Set<Object> first = Collections.newSetFromMap(new IdentityHashMap<>());
        try (ReusableArrays.Scope s = pool.openScope()) {
            BatchTopKSae.Forward f = sae.forward(x, rows);
            Tensor partials = GroupedSparseDecoder.decode(f.values(), f.selection().indices(), sae.params().wDec(), groupOf, groups);
            Collections.addAll(first, f.pre().xc(), f.pre().pre(), f.selection().indices(), f.selection().values(), f.values().data(), partials.data());
        }
        assertEquals(6, first.size(), "six distinct arrays");
        long idle = pool.idleBytes();
        assertTrue(idle >= 4L * (rows * m + groups * rows * d), "the pool holds at least the pre-activations and partials after the scope (" + idle + " bytes)");
        try (ReusableArrays.Scope s = pool.openScope()) {
            BatchTopKSae.Forward f = sae.forward(x, rows);
            Tensor partials = GroupedSparseDecoder.decode(f.values(), f.selection().indices(), sae.params().wDec(), groupOf, groups);
            assertTrue(first.contains(f.pre().pre()), "pre-activations reused");
            assertTrue(first.contains(f.selection().indices()), "code indices reused");
            assertTrue(first.contains(f.selection().values()), "code values reused");
            assertTrue(first.contains(partials.data()), "partial reconstructions reused");
        }
        long reused = pool.reusedCount();
        assertTrue(reused >= 6, "the second scope took given-back arrays (" + reused + ")");
        BatchTopKSae.Forward outside = sae.forward(x, rows);
        assertFalse(first.contains(outside.pre().pre()) || first.contains(outside.selection().indices()), "no scope: fresh arrays");
        assertEquals(reused, pool.reusedCount(), "no scope: the pool is not asked");
    }
}
