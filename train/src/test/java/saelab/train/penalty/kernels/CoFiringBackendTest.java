package saelab.train.penalty.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import saelab.tensor.backend.Backend;
import saelab.tensor.backend.Backends;
import saelab.tensor.kernels.Gemm;

/**
 * The co-firing pass goes to the selected backend when it implements {@link CoFiringBackend}
 * (moved here from tensor's Backend with the kernel), and stays on the CPU otherwise.
 */
class CoFiringBackendTest {

    /** A backend that delegates everything to the CPU; with {@code coFiring}, it also takes the co-firing pass and records it. */
    static Backend delegating(List<String> calls, boolean coFiring) {
        Backend cpu = Backends.cpu();
        class Plain implements Backend {
            @Override public String name() { return "delegating"; }
            @Override public String device() { return "test double"; }
            @Override public void sgemm(Gemm.Form f, int m, int n, int k, float[] a, int ao, int lda, float[] b, int bo, int ldb, float[] c, int co, int ldc, boolean acc) {
                cpu.sgemm(f, m, n, k, a, ao, lda, b, bo, ldb, c, co, ldc, acc);
            }
            @Override public void bf16GemmNT(int m, int n, int k, float[] a, int ao, int lda, MemorySegment b, long bo, long ldb, float[] c, int co, int ldc, boolean acc) {
                cpu.bf16GemmNT(m, n, k, a, ao, lda, b, bo, ldb, c, co, ldc, acc);
            }
            @Override public void topKRows(float[] x, int off, int ld, int rows, int cols, int k, int[] oi, float[] ov) {
                cpu.topKRows(x, off, ld, rows, cols, k, oi, ov);
            }
        }
        final class WithCoFiring extends Plain implements CoFiringBackend {
            @Override public CoFiring.Summary activationOverlap(int rows, int k, int m, int[] idx, float[] val, double t, CoFiring.Normalization nz, float[] g, long[] h, boolean all) {
                calls.add("activation " + all);
                return CoFiring.activationOverlapOnCpu(rows, k, m, idx, val, t, nz, g, h, all);
            }
            @Override public CoFiring.Summary decoderOverlap(int rows, int k, int m, int[] idx, float[] val, double t, CoFiring.Normalization nz, float[] w, int d, float[] g, long[] h, boolean all) {
                calls.add("decoder " + all);
                return CoFiring.decoderOverlapOnCpu(rows, k, m, idx, val, t, nz, w, d, g, h, all);
            }
        }
        return coFiring ? new WithCoFiring() : new Plain();
    }

    @AfterEach void backToCpu() { Backends.use(Backends.cpu()); }

    @Test
    void theCoFiringPassGoesToABackendThatHasOneWithTheSameResults() {
        Random r = new Random(3);
        int rows = 6, k = 3, m = 12, d = 4;
        int[] idx = new int[rows * k];
        float[] val = new float[rows * k], w = new float[m * d];
        for (int b = 0; b < rows; b++) for (int s = 0; s < k; s++) { idx[b * k + s] = (b + 4 * s) % m; val[b * k + s] = r.nextFloat(); }
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        CoFiring.Summary a = CoFiring.activationOverlap(rows, k, m, idx, val, 0.1, CoFiring.Normalization.BATCH, null, null);
        CoFiring.Summary dec = CoFiring.decoderOverlap(rows, k, m, idx, val, 0.1, CoFiring.Normalization.BATCH, w, d, null, null, false);
        assertTrue(a.coFiringPairs() > 0 && !dec.allPairs(), "the codes co-fire: " + a + "; the pruned pass says so: " + dec);

        List<String> calls = new ArrayList<>();
        Backends.use(delegating(calls, true));
        assertEquals(a, CoFiring.activationOverlap(rows, k, m, idx, val, 0.1, CoFiring.Normalization.BATCH, null, null));
        assertEquals(dec, CoFiring.decoderOverlap(rows, k, m, idx, val, 0.1, CoFiring.Normalization.BATCH, w, d, null, null, false));
        assertEquals(List.of("activation true", "decoder false"), calls);

        calls.clear();
        Backends.use(delegating(calls, false));
        assertEquals(a, CoFiring.activationOverlap(rows, k, m, idx, val, 0.1, CoFiring.Normalization.BATCH, null, null));
        assertTrue(calls.isEmpty(), "a backend without a co-firing pass leaves it on the CPU");
    }
}
