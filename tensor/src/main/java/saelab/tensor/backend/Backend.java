package saelab.tensor.backend;

import java.lang.foreign.MemorySegment;
import saelab.tensor.kernels.Gemm;

/**
 * Where the hot operations run. The kernel facades ({@link Gemm#sgemm}, {@code Bf16Gemm.gemmNT},
 * {@code TopK.rows}) hand their work to {@link Backends#current()} unless it is
 * the CPU, so the rest of saelab never names a backend. Every method has the contract of the CPU
 * kernel it stands for (same argument meanings, same results within the backend's stated
 * tolerance); an implementation may send shapes it does not handle to {@link Backends#cpu()}.
 * (The co-firing penalty's kernel lives in train, with its own hook, train's {@code CoFiringBackend}.)
 */
public interface Backend {
    /** Short name, as {@code --backend} spells it: "cpu", "tornado". */
    String name();

    /** What it runs on, for the user: device name, threads. */
    String device();

    /** True only for the Vector API backend: the facades then call their own code directly. */
    default boolean isCpu() {
        return false;
    }

    /**
     * True when the device is this machine's own CPU behind another runtime (an OpenCL CPU driver
     * such as PoCL): right for verifying kernels, slower than the Vector API backend, so "auto"
     * passes it over (naming it selects it all the same).
     */
    default boolean onHostCpu() {
        return false;
    }

    /** {@link Gemm#sgemm(Gemm.Form, int, int, int, float[], int, int, float[], int, int, float[], int, int, boolean)}. */
    void sgemm(Gemm.Form form, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
               float[] c, int cOff, int ldc, boolean accumulate);

    /** C = A·Bᵀ (+ C) with B bf16 in place in a segment ({@code Bf16Gemm.gemmNT}). */
    void bf16GemmNT(int m, int n, int k, float[] a, int aOff, int lda, MemorySegment b, long bByteOff, long ldb,
                    float[] c, int cOff, int ldc, boolean accumulate);

    /** The k largest entries of each row, as {@code TopK.rows}. */
    void topKRows(float[] x, int off, int ld, int rows, int cols, int k, int[] outIdx, float[] outVal);
}
