package saelab.tensor.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The few-rows path of {@link Bf16Gemm}: C[i][j] = A_i · B_j as dot products over the stored
 * bf16 rows, B's rows split over the threads. With one or a few rows of A the product is bound by
 * reading B once, so nothing is packed; the work per bf16 is kept to a few instructions.
 *
 * <p>The widening trick: one int vector loaded from B holds 2·VL bf16s, element 2l in the low
 * half of int l and element 2l+1 in the high half (little-endian). {@code int << 16} is then the
 * float vector of the even elements and {@code int & 0xFFFF0000} that of the odd ones: two
 * cheap integer operations per 2·VL weights, no lane shuffles. A dot product does not care about
 * order, so A's rows are split once per call into the matching even and odd halves.
 * Four rows of B go together so that each A vector load feeds four of them.
 */
final class Bf16Gemv {
    private Bf16Gemv() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int VL = F.length();
    /** bf16s per int vector: the unit of the vector loop. */
    private static final int BLOCK = 2 * VL;
    /** Below this many multiply-adds the product stays on the calling thread. */
    private static final long PARALLEL_WORK = 1L << 18;

    static void gemv(int m, int n, int k, float[] a, int aOff, int lda,
                     MemorySegment b, long bByteOff, long ldb,
                     float[] c, int cOff, int ldc, boolean accumulate, int maxThreads) {
        int blocked = k - k % BLOCK;
        float[] split = splitEvenOdd(m, blocked, a, aOff, lda);
        int threads = (long) m * n * k < PARALLEL_WORK ? 1 : maxThreads;
        // A few runs per thread, so that a thread slowed by a neighbour's work does not hold up the rest.
        int runs = Math.min(n, threads == 1 ? 1 : 4 * threads);
        int runRows = VectorGemm.ceilDiv(n, runs);
        Parallel.forRange(VectorGemm.ceilDiv(n, runRows), threads, run -> {
            int j = run * runRows, j1 = Math.min(n, j + runRows);
            for (; j + 4 <= j1; j += 4) {
                for (int i = 0; i < m; i++) {
                    fourDots(split, i * blocked, blocked, a, aOff + i * lda, k, b, bByteOff + 2 * j * ldb, 2 * ldb,
                            c, cOff + i * ldc + j, accumulate);
                }
            }
            for (; j < j1; j++) {
                for (int i = 0; i < m; i++) {
                    float s = dot(split, i * blocked, blocked, a, aOff + i * lda, k, b, bByteOff + 2 * j * ldb);
                    int ci = cOff + i * ldc + j;
                    c[ci] = accumulate ? c[ci] + s : s;
                }
            }
        });
    }

    /** Row i's first {@code blocked} values, per BLOCK: the VL even-indexed ones, then the VL odd. */
    private static float[] splitEvenOdd(int m, int blocked, float[] a, int aOff, int lda) {
        float[] split = new float[m * blocked];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < blocked; p += BLOCK) {
                int src = aOff + i * lda + p, dst = i * blocked + p;
                for (int l = 0; l < VL; l++) {
                    split[dst + l] = a[src + 2 * l];
                    split[dst + VL + l] = a[src + 2 * l + 1];
                }
            }
        }
        return split;
    }

    private static FloatVector even(IntVector w) {
        return w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static FloatVector odd(IntVector w) {
        return w.and(0xFFFF0000).reinterpretAsFloats();
    }

    private static IntVector load(MemorySegment b, long at) {
        return IntVector.fromMemorySegment(I, b, at, ByteOrder.LITTLE_ENDIAN);
    }

    /** C[0..4) at c[ci..] gets A_i · B_j for four consecutive rows of B, {@code rowBytes} apart. */
    private static void fourDots(float[] split, int si, int blocked, float[] a, int ai, int k,
                                 MemorySegment b, long row, long rowBytes, float[] c, int ci, boolean accumulate) {
        long r0 = row, r1 = row + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
        // Separate even and odd accumulators: eight independent FMA chains.
        FloatVector e0 = FloatVector.zero(F), o0 = e0, e1 = e0, o1 = e0, e2 = e0, o2 = e0, e3 = e0, o3 = e0;
        for (int p = 0; p < blocked; p += BLOCK) {
            FloatVector ae = FloatVector.fromArray(F, split, si + p);
            FloatVector ao = FloatVector.fromArray(F, split, si + p + VL);
            long at = 2L * p;
            IntVector w0 = load(b, r0 + at), w1 = load(b, r1 + at), w2 = load(b, r2 + at), w3 = load(b, r3 + at);
            e0 = ae.fma(even(w0), e0); o0 = ao.fma(odd(w0), o0);
            e1 = ae.fma(even(w1), e1); o1 = ao.fma(odd(w1), o1);
            e2 = ae.fma(even(w2), e2); o2 = ao.fma(odd(w2), o2);
            e3 = ae.fma(even(w3), e3); o3 = ao.fma(odd(w3), o3);
        }
        float s0 = VectorOps.sumLanes(e0.add(o0)) + tail(a, ai, blocked, k, b, r0);
        float s1 = VectorOps.sumLanes(e1.add(o1)) + tail(a, ai, blocked, k, b, r1);
        float s2 = VectorOps.sumLanes(e2.add(o2)) + tail(a, ai, blocked, k, b, r2);
        float s3 = VectorOps.sumLanes(e3.add(o3)) + tail(a, ai, blocked, k, b, r3);
        if (accumulate) {
            s0 += c[ci];
            s1 += c[ci + 1];
            s2 += c[ci + 2];
            s3 += c[ci + 3];
        }
        c[ci] = s0;
        c[ci + 1] = s1;
        c[ci + 2] = s2;
        c[ci + 3] = s3;
    }

    /** A_i · B_j for one row of B. */
    private static float dot(float[] split, int si, int blocked, float[] a, int ai, int k, MemorySegment b, long row) {
        FloatVector e = FloatVector.zero(F), o = e;
        for (int p = 0; p < blocked; p += BLOCK) {
            IntVector w = load(b, row + 2L * p);
            e = FloatVector.fromArray(F, split, si + p).fma(even(w), e);
            o = FloatVector.fromArray(F, split, si + p + VL).fma(odd(w), o);
        }
        return VectorOps.sumLanes(e.add(o)) + tail(a, ai, blocked, k, b, row);
    }

    /** The last k % BLOCK products, scalar. */
    private static float tail(float[] a, int ai, int from, int k, MemorySegment b, long row) {
        float s = 0f;
        for (int p = from; p < k; p++) s += a[ai + p] * Float.intBitsToFloat(b.get(Bf16.LE_SHORT, row + 2L * p) << 16);
        return s;
    }
}
