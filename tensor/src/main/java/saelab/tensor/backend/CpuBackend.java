package saelab.tensor.backend;

import java.lang.foreign.MemorySegment;
import saelab.tensor.kernels.Bf16Gemm;
import saelab.tensor.kernels.Gemm;
import saelab.tensor.kernels.Parallel;
import saelab.tensor.kernels.VectorOps;
import saelab.tensor.kernels.TopK;

/** The Vector API kernels on this machine's cores: always available, and the default. */
final class CpuBackend implements Backend {
    static final CpuBackend INSTANCE = new CpuBackend();

    private CpuBackend() {}

    @Override public String name() {
        return "cpu";
    }

    @Override public String device() {
        // The registers choose the GEMM's tile (8x3 with 32, 5x2 with 16: AVX2), which only changes the speed.
        return "Vector API (" + VectorOps.lanes() + " float lanes, " + VectorOps.registers() + " registers), "
                + Parallel.parallelism() + " threads";
    }

    @Override public boolean isCpu() {
        return true;
    }

    @Override public void sgemm(Gemm.Form form, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
                                int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        Gemm.sgemmOnCpu(form, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override public void bf16GemmNT(int m, int n, int k, float[] a, int aOff, int lda, MemorySegment b, long bByteOff,
                                     long ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        Bf16Gemm.gemmNTOnCpu(m, n, k, a, aOff, lda, b, bByteOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override public void topKRows(float[] x, int off, int ld, int rows, int cols, int k, int[] outIdx, float[] outVal) {
        TopK.rowsOnCpu(x, off, ld, rows, cols, k, outIdx, outVal);
    }
}
