package saelab.tornado;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import saelab.tensor.backend.Backend;
import saelab.tensor.backend.Backends;
import saelab.train.penalty.kernels.CoFiring;
import saelab.tensor.kernels.Gemm;

/**
 * Times each offloaded kernel on the tornado backend against the CPU backend, same inputs, same
 * run: best of 5 after 2 warm-up calls (the first compiles the plan). Opt-in, it takes minutes:
 * {@code -Dtornado.timings=true}. Each result is also checked against the CPU's, so the timed
 * work is the right work.
 */
class TornadoTimingsTest {
    @Test
    void timingTable() {
        assumeTrue(Boolean.getBoolean("tornado.timings"), "timings are opt-in: -Dtornado.timings=true");
        TornadoBackend t = TornadoUnderTest.backend();
        Backend cpu = Backends.cpu();
        SplittableRandom rnd = new SplittableRandom(41);
        StringBuilder table = new StringBuilder("| kernel | shape | cpu (ms) | tornado (ms) |\n|---|---|---|---|\n");

        int n = 1024;
        float[] a = TornadoGemmTest.random(n * n, rnd), b = TornadoGemmTest.random(n * n, rnd);
        float[] c1 = new float[n * n], c2 = new float[n * n];
        row(table, "sgemm NN", "1024×1024×1024",
                time(() -> cpu.sgemm(Gemm.Form.NN, n, n, n, a, 0, n, b, 0, n, c1, 0, n, false)),
                time(() -> t.sgemm(Gemm.Form.NN, n, n, n, a, 0, n, b, 0, n, c2, 0, n, false)));
        assertClose(c1, c2, 1e-3);

        int rows = 1024, d = 768, m = 8192, k = 32;
        float[] x = TornadoGemmTest.random(rows * d, rnd), w = TornadoGemmTest.random(d * m, rnd);
        float[] p1 = new float[rows * m], p2 = new float[rows * m];
        row(table, "sgemm NN, SAE encoder x·W_enc", rows + "×" + d + " · " + d + "×" + m,
                time(() -> cpu.sgemm(Gemm.Form.NN, rows, m, d, x, 0, d, w, 0, m, p1, 0, m, false)),
                time(() -> t.sgemm(Gemm.Form.NN, rows, m, d, x, 0, d, w, 0, m, p2, 0, m, false)));
        assertClose(p1, p2, 1e-3);

        int[] i1 = new int[rows * k], i2 = new int[rows * k];
        float[] v1 = new float[rows * k], v2 = new float[rows * k];
        row(table, "TopK rows", rows + "×" + m + ", k=" + k,
                time(() -> cpu.topKRows(p1, 0, m, rows, m, k, i1, v1)),
                time(() -> t.topKRows(p1, 0, m, rows, m, k, i2, v2)));
        assertTrue(java.util.Arrays.equals(i1, i2), "TopK indices agree");

        for (int i = 0; i < v1.length; i++) v1[i] = Math.max(v1[i], 0f);
        float[] g1 = new float[rows * k], g2 = new float[rows * k];
        double[] pen = new double[2];
        row(table, "co-firing, activation overlap + dP/dval, min-count", rows + " rows, k=" + k + ", m=" + m,
                time(() -> pen[0] = CoFiring.activationOverlapOnCpu(rows, k, m, i1, v1, 0.1, CoFiring.Normalization.MIN_COUNT, g1, null, true).penalty()),
                time(() -> pen[1] = t.activationOverlap(rows, k, m, i1, v1, 0.1, CoFiring.Normalization.MIN_COUNT, g2, null, true).penalty()));
        assertTrue(Math.abs(pen[0] - pen[1]) <= 1e-9 * Math.abs(pen[0]), "penalties agree");
        System.out.println("timings on " + t.device() + " vs cpu " + cpu.device() + ":\n" + table);
    }

    private static void row(StringBuilder table, String kernel, String shape, double cpuMs, double devMs) {
        table.append(String.format("| %s | %s | %.1f | %.1f |%n", kernel, shape, cpuMs, devMs));
    }

    private static double time(Runnable r) {
        for (int i = 0; i < 2; i++) r.run();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e6);
        }
        return best;
    }

    private static void assertClose(float[] want, float[] got, double tol) {
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(want[i] - got[i]) <= tol * (1 + Math.abs(want[i])), "entry " + i + ": " + want[i] + " vs " + got[i]);
        }
    }
}
