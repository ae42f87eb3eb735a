package saelab.tensor.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import saelab.tensor.kernels.Bf16;
import saelab.tensor.kernels.Bf16Gemm;
import saelab.tensor.kernels.Gemm;
import saelab.tensor.kernels.TopK;

/**
 * The seam: facades dispatch to the selected backend and nowhere else, and {@code --backend}
 * values resolve as documented. Two providers are registered for this test through
 * META-INF/services: one that always refuses, one that records calls and computes on the CPU.
 */
class BackendsTest {
    /** Refuses to open, as a TornadoVM provider does on a machine without a device. */
    public static final class Broken implements BackendProvider {
        @Override public String name() { return "broken"; }
        @Override public Backend open() throws BackendUnavailableException {
            throw new BackendUnavailableException("no device here");
        }
    }

    /** Opens on a device that is the host CPU under another runtime, as TornadoVM on PoCL does. */
    public static final class HostCpu implements BackendProvider {
        @Override public String name() { return "hostcpu"; }
        @Override public Backend open() {
            Backend recording = Backends.cpu();
            return new Backend() {
                @Override public String name() { return "hostcpu"; }
                @Override public String device() { return "OpenCL CPU device"; }
                @Override public boolean onHostCpu() { return true; }
                @Override public void sgemm(Gemm.Form f, int m, int n, int k, float[] a, int ao, int lda, float[] b, int bo, int ldb, float[] c, int co, int ldc, boolean acc) {
                    recording.sgemm(f, m, n, k, a, ao, lda, b, bo, ldb, c, co, ldc, acc);
                }
                @Override public void bf16GemmNT(int m, int n, int k, float[] a, int ao, int lda, MemorySegment b, long bo, long ldb, float[] c, int co, int ldc, boolean acc) {
                    recording.bf16GemmNT(m, n, k, a, ao, lda, b, bo, ldb, c, co, ldc, acc);
                }
                @Override public void topKRows(float[] x, int off, int ld, int rows, int cols, int k, int[] oi, float[] ov) {
                    recording.topKRows(x, off, ld, rows, cols, k, oi, ov);
                }
            };
        }
    }

    /** Opens a backend that logs each call and delegates to the CPU. */
    public static final class Recording implements BackendProvider {
        static final List<String> CALLS = new ArrayList<>();
        static boolean refuse;
        @Override public String name() { return "recording"; }
        @Override public Backend open() {
            if (refuse) throw new IllegalStateException("refusing on purpose");
            Backend cpu = Backends.cpu();
            return new Backend() {
                @Override public String name() { return "recording"; }
                @Override public String device() { return "test double"; }
                @Override public void sgemm(Gemm.Form f, int m, int n, int k, float[] a, int ao, int lda, float[] b, int bo, int ldb, float[] c, int co, int ldc, boolean acc) {
                    CALLS.add("sgemm " + f); cpu.sgemm(f, m, n, k, a, ao, lda, b, bo, ldb, c, co, ldc, acc);
                }
                @Override public void bf16GemmNT(int m, int n, int k, float[] a, int ao, int lda, MemorySegment b, long bo, long ldb, float[] c, int co, int ldc, boolean acc) {
                    CALLS.add("bf16"); cpu.bf16GemmNT(m, n, k, a, ao, lda, b, bo, ldb, c, co, ldc, acc);
                }
                @Override public void topKRows(float[] x, int off, int ld, int rows, int cols, int k, int[] oi, float[] ov) {
                    CALLS.add("topk"); cpu.topKRows(x, off, ld, rows, cols, k, oi, ov);
                }
            };
        }
    }

    @AfterEach void backToCpu() {
        Backends.use(Backends.cpu());
        Recording.CALLS.clear();
        Recording.refuse = false;
    }

    @Test void cpuIsTheDefaultAndLeavesFacadesOnTheirOwnCode() throws Exception {
        assertSame(Backends.cpu(), Backends.current());
        List<String> said = new ArrayList<>();
        assertSame(Backends.cpu(), Backends.select("cpu", said::add));
        assertTrue(said.getFirst().startsWith("backend: cpu (Vector API"), said.toString());
        assertEquals(List.of("cpu", "broken", "hostcpu", "recording"), Backends.available());
    }

    @Test void facadesDispatchEveryHotOperationToTheSelectedBackend() throws Exception {
        Random r = new Random(7);
        int m = 9, n = 13, k = 11;
        float[] a = rand(r, m * k), b = rand(r, k * n), bt = rand(r, n * k);
        float[] cCpu = new float[m * n], cRec = new float[m * n];
        float[] x = rand(r, 5 * 40);
        int[] idxCpu = new int[5 * 4], idxRec = new int[5 * 4];
        float[] valCpu = new float[5 * 4], valRec = new float[5 * 4];
        MemorySegment w = Arena.global().allocate(2L * n * k);
        Bf16.fromFloat(bt, 0, w, 0, n * k);
        float[] cBfCpu = new float[m * n], cBfRec = new float[m * n];

        Gemm.sgemm(Gemm.Form.NN, m, n, k, a, b, cCpu, false);
        Bf16Gemm.gemmNT(m, n, k, a, 0, k, w, 0, k, cBfCpu, 0, n, false);
        TopK.rows(x, 0, 40, 5, 40, 4, idxCpu, valCpu);
        assertTrue(Recording.CALLS.isEmpty());

        Backends.use(Backends.select("recording", null));
        Gemm.sgemm(Gemm.Form.NN, m, n, k, a, b, cRec, false);
        Bf16Gemm.gemmNT(m, n, k, a, 0, k, w, 0, k, cBfRec, 0, n, false);
        TopK.rows(x, 0, 40, 5, 40, 4, idxRec, valRec);

        assertEquals(List.of("sgemm NN", "bf16", "topk"), Recording.CALLS);
        assertArrayEquals(cCpu, cRec);
        assertArrayEquals(cBfCpu, cBfRec);
        assertArrayEquals(idxCpu, idxRec);
        assertArrayEquals(valCpu, valRec);
    }

    @Test void autoPassesOverABrokenProviderAndSaysWhy() throws Exception {
        List<String> said = new ArrayList<>();
        Backend b = Backends.select("auto", said::add);
        // "broken" comes first in the services file and refuses; "hostcpu" opens on the host's CPU
        // and is passed over; "recording" opens.
        assertEquals("recording", b.name());
        assertEquals(List.of("backend: recording (test double)"), said);
    }

    @Test void autoFallsBackToTheCpuNamingEveryBackendItPassedOver() throws Exception {
        Recording.refuse = true;
        List<String> said = new ArrayList<>();
        assertSame(Backends.cpu(), Backends.select("auto", said::add));
        String line = said.getFirst();
        assertTrue(line.startsWith("backend: cpu (Vector API"), line);
        assertTrue(line.contains("broken not usable: no device here"), line);
        assertTrue(line.contains("hostcpu passed over: its device (OpenCL CPU device) is this machine's CPU"), line);
        assertTrue(line.contains("recording not usable: refusing on purpose"), line);
    }

    @Test void aHostCpuDeviceIsUsedOnlyWhenNamed() throws Exception {
        assertEquals("hostcpu", Backends.select("hostcpu", null).name());
    }

    @Test void namingABrokenBackendFailsWithItsReason() {
        var e = assertThrows(BackendUnavailableException.class, () -> Backends.select("broken", null));
        assertEquals("no device here", e.getMessage());
    }

    @Test void tornadoWithoutTheModuleSaysWhatIsMissingAndWhereToGetIt() {
        var e = assertThrows(BackendUnavailableException.class, () -> Backends.select("tornado", null));
        assertTrue(e.getMessage().contains("TORNADOVM_HOME"), e.getMessage());
        assertTrue(e.getMessage().contains(Backends.TORNADO_DOCS), e.getMessage());
        assertTrue(e.getMessage().contains("-Ptornado"), e.getMessage());
    }

    @Test void unknownNamesListTheChoices() {
        var e = assertThrows(BackendUnavailableException.class, () -> Backends.select("cuda", null));
        assertTrue(e.getMessage().contains("cpu, broken, hostcpu, recording or auto"), e.getMessage());
    }

    private static float[] rand(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }
}
