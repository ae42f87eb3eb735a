package saelab.tensor.kernels;


import java.lang.foreign.MemorySegment;
import saelab.tensor.backend.Backend;
import saelab.tensor.backend.Backends;
import java.util.Arrays;

/**
 * C = A·Bᵀ (+ C) with A float32 m×k and B bfloat16 n×k read in place from a MemorySegment
 * (little-endian; a bf16 is the top 16 bits of a float32, so widening is exact: bits << 16).
 * Threads read B in parallel when its segment allows it (global, automatic or shared arenas,
 * mapped files); a confined arena's segment is read on the calling thread only.
 *
 * <p>Why only this form: the weights come from safetensors checkpoints as [out_features,
 * in_features] (a torch Linear's layout), and a layer applies them as x·Wᵀ. Reading W in place
 * avoids a float32 copy twice its size; the other forms (gradients with respect to the weights)
 * are not needed on frozen bf16 weights.
 *
 * <p>Two paths. For m ≥ {@link #GEMV_MAX_ROWS} + 1 it is the float32 {@link VectorGemm} loop nest
 * with a B packer that widens each stored row into a float scratch and transposes it into the
 * panel, so the conversion is paid once per B element per call, not once per row of A. For a
 * handful of rows (decoding one token) the product is memory-bound and packing B would cost more
 * than the arithmetic: {@link Bf16Gemv} computes each output as a dot product over the stored row,
 * widened on the fly, with the rows of B split over the threads.
 */
public final class Bf16Gemm {
    private Bf16Gemm() {}

    /** Rows of A up to which the direct dot-product path is used. */
    static final int GEMV_MAX_ROWS = 4;

    /** A thread that never runs: a segment it may read is one any pool thread may read. */
    private static final Thread NOT_THE_OWNER = Thread.ofPlatform().unstarted(() -> { });

    /**
     * C[m×n] = A·Bᵀ (+ C when accumulating). A's element (i, p) is {@code a[aOff + i*lda + p]};
     * B's element (j, p) is the bf16 at byte {@code bByteOff + 2*(j*ldb + p)} of {@code b}
     * (ldb, the row stride, counts elements); C's (i, j) is {@code c[cOff + i*ldc + j]}.
     */
    public static void gemmNT(int m, int n, int k, float[] a, int aOff, int lda,
                              MemorySegment b, long bByteOff, long ldb,
                              float[] c, int cOff, int ldc, boolean accumulate) {
        Backend backend = Backends.current();
        if (backend.isCpu()) gemmNTOnCpu(m, n, k, a, aOff, lda, b, bByteOff, ldb, c, cOff, ldc, accumulate);
        else backend.bf16GemmNT(m, n, k, a, aOff, lda, b, bByteOff, ldb, c, cOff, ldc, accumulate);
    }

    /** The Vector API implementation, whatever backend is selected. */
    public static void gemmNTOnCpu(int m, int n, int k, float[] a, int aOff, int lda,
                                   MemorySegment b, long bByteOff, long ldb,
                                   float[] c, int cOff, int ldc, boolean accumulate) {
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("negative shape " + m + "x" + n + "x" + k);
        if (m == 0 || n == 0) return;
        if (k == 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            }
            return;
        }
        // A segment of a confined arena may only be read by its owner: then stay on this thread.
        int threads = b.isAccessibleBy(NOT_THE_OWNER) ? Parallel.parallelism() : 1;
        if (m <= GEMV_MAX_ROWS) {
            Bf16Gemv.gemv(m, n, k, a, aOff, lda, b, bByteOff, ldb, c, cOff, ldc, accumulate, threads);
            return;
        }
        VectorGemm.multiply(m, n, k, false, a, aOff, lda,
                (j0, nc, p0, kc, nr, bp) -> packB(b, bByteOff, ldb, j0, nc, p0, kc, nr, bp),
                c, cOff, ldc, accumulate, threads, VectorGemm.Blocking.DEFAULT);
    }

    /** Packs columns [j0, j0+nc), steps [p0, p0+kc) of Bᵀ into slivers of nr columns: widen nr stored rows, then transpose. */
    private static void packB(MemorySegment b, long bByteOff, long ldb, int j0, int nc, int p0, int kc, int nr, float[] bp) {
        float[] rows = scratch(nr * kc);
        for (int t = 0, j = j0; j < j0 + nc; t++, j += nr) {
            int cols = Math.min(nr, j0 + nc - j);
            for (int r = 0; r < cols; r++) {
                Bf16.toFloat(b, bByteOff + 2 * ((j + r) * ldb + p0), rows, r * kc, kc);
            }
            GemmPacking.transposeInto(rows, 0, kc, cols, kc, nr, bp, t * kc * nr);
        }
    }

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    /** A per-thread float buffer of at least {@code size}, kept between calls. */
    private static float[] scratch(int size) {
        float[][] holder = SCRATCH.get();
        if (holder[0].length < size) holder[0] = new float[size];
        return holder[0];
    }
}
