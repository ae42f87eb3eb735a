package saelab.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * Device code for C = op(A)·op(B) (+ C): TornadoVM compiles these methods to OpenCL/PTX.
 *
 * <p>Operands are contiguous (the host packs them): A is m×k, or k×m when {@code transA}; B is
 * k×n, or n×k when {@code transB}. One work-group computes a TS×TS tile of C; it walks the inner
 * dimension in steps of TS, staging a TS×TS tile of A and one of B in local memory, so each
 * element fetched from global memory is used TS times. A work-group has TS×RTS work-items and
 * each computes WPT = TS/RTS outputs of one column (register blocking, Cedric Nugteren's myGEMM
 * "more work per thread"): fewer threads, more arithmetic per local-memory read. Out-of-range
 * elements of edge tiles load as 0, so any m, n, k work.
 */
final class GemmKernels {
    private GemmKernels() {}

    /** Tile edge: C tile and inner step. */
    static final int TS = 32;
    /** Work-items along the rows of a tile; each computes WPT rows. */
    static final int RTS = 8;
    static final int WPT = TS / RTS;

    /** The launch grid of {@link #gemm} for a cRows × cCols result: one TS×RTS work-group per TS×TS tile. */
    static WorkerGrid grid(int cRows, int cCols) {
        WorkerGrid w = new WorkerGrid2D(GemmPlan.roundUp(cCols, TS), GemmPlan.ceilDiv(cRows, TS) * RTS);
        w.setLocalWork(TS, RTS, 1);
        return w;
    }

    /**
     * Work-item (x, y) of group (gx, gy) computes C[gy·TS + y + w·RTS][gx·TS + x] for w < WPT:
     * x runs along C's rows so neighbouring work-items read and write neighbouring addresses.
     * Nothing is computed or written when {@code gate[gateAt]} is 0: a task graph's order is fixed,
     * so work a step may skip (the auxiliary loss without dead latents) is switched off by a flag
     * uploaded with it. (As a zero trip count and a guard on the stores: an early return here made
     * TornadoVM 5.2 drop the stores of acc1..acc3.)
     */
    static void gemm(KernelContext ctx, IntArray gate, int gateAt, FloatArray a, FloatArray b, FloatArray c,
                     int m, int n, int k, int transA, int transB, int accumulate) {
        int open = gate.get(gateAt);
        int x = ctx.localIdx;
        int y = ctx.localIdy;
        int col = ctx.groupIdx * TS + x;
        int row0 = ctx.groupIdy * TS;
        float[] aTile = ctx.allocateFloatLocalArray(TS * TS);
        float[] bTile = ctx.allocateFloatLocalArray(TS * TS);
        float acc0 = 0f;
        float acc1 = 0f;
        float acc2 = 0f;
        float acc3 = 0f;
        int tiles = open * ((k + TS - 1) / TS);
        for (int t = 0; t < tiles; t++) {
            int p0 = t * TS;
            for (int w = 0; w < WPT; w++) {
                int r = y + w * RTS;
                // aTile[r][x] = A(row0 + r, p0 + x); bTile[r][x] = B(p0 + r, col)
                int i = row0 + r;
                int p = p0 + x;
                float av = 0f;
                if (i < m) {
                    if (p < k) {
                        av = transA == 1 ? a.get(p * m + i) : a.get(i * k + p);
                    }
                }
                aTile[r * TS + x] = av;
                int pb = p0 + r;
                float bv = 0f;
                if (pb < k) {
                    if (col < n) {
                        bv = transB == 1 ? b.get(col * k + pb) : b.get(pb * n + col);
                    }
                }
                bTile[r * TS + x] = bv;
            }
            ctx.localBarrier();
            for (int q = 0; q < TS; q++) {
                float bq = bTile[q * TS + x];
                acc0 += aTile[y * TS + q] * bq;
                acc1 += aTile[(y + RTS) * TS + q] * bq;
                acc2 += aTile[(y + 2 * RTS) * TS + q] * bq;
                acc3 += aTile[(y + 3 * RTS) * TS + q] * bq;
            }
            ctx.localBarrier();
        }
        if (col < n * open) {
            store(c, row0 + y, col, m, n, acc0, accumulate);
            store(c, row0 + y + RTS, col, m, n, acc1, accumulate);
            store(c, row0 + y + 2 * RTS, col, m, n, acc2, accumulate);
            store(c, row0 + y + 3 * RTS, col, m, n, acc3, accumulate);
        }
    }

    private static void store(FloatArray c, int i, int j, int m, int n, float v, int accumulate) {
        if (i < m) {
            int at = i * n + j;
            if (accumulate == 1) {
                c.set(at, c.get(at) + v);
            } else {
                c.set(at, v);
            }
        }
    }

    /**
     * Graph 0 of a float32 plan only uploads B and keeps it resident; TornadoVM moves data only
     * around tasks, so it gets this one, which never writes (n is never negative).
     */
    static void keep(FloatArray b, int n) {
        if (n < 0) {
            b.set(0, 0f);
        }
    }

    /** bf16 → float32 for {@code count} elements. */
    static void widenBf16(KernelContext ctx, ShortArray src, FloatArray dst, int count) {
        int i = ctx.globalIdx;
        if (i < count) {
            dst.set(i, widen(src.get(i)));
        }
    }

    /**
     * TornadoVM cannot reinterpret bits in a kernel (Float.intBitsToFloat is not lowered), so bf16
     * is decoded arithmetically: sign × (1 + mantissa/128) × 2^(exp−127), subnormals as
     * mantissa/128 × 2⁻¹²⁶; every step is exact in float32. (TornadoVM's own BFloat16.bf16ToFloat
     * does the same but spells NaN as a constant its OpenCL code generator emits as the undeclared
     * "NaNF"; here NaN is made at run time as ±∞·0.)
     */
    static float widen(short bits) {
        int b = bits;
        if (b < 0) {
            b = b + 65536;
        }
        int sign = b / 32768;
        int rem = b - sign * 32768;
        int exp = rem / 128;
        int mant = rem - exp * 128;
        float sig = 1.0f - 2.0f * sign;
        // One straight loop for the scale 2^(max(exp, 1) − 127): TornadoVM 5.2 mis-merges values
        // computed by loops in two branches of an if (it kept one branch's value for both).
        float scale = 1.1754944e-38f; // 2^-126
        for (int e = 1; e < exp; e++) {
            scale = scale * 2.0f;
        }
        float lead = exp == 0 ? 0.0f : 1.0f;
        float result = sig * (lead + mant * (1.0f / 128.0f)) * scale;
        if (exp == 255) {
            float inf = sig * Float.POSITIVE_INFINITY;
            result = mant == 0 ? inf : inf * 0.0f;
        }
        return result;
    }
}
