package saelab.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Device code for row-wise TopK, one work-group of {@link #WG} work-items per row, with the CPU
 * kernel's contract: the k largest by value descending, ties toward the lower column.
 *
 * <p>Three phases, all in local memory. (1) Find T, the k-th largest value, exactly: keep an
 * interval [lo, top] of the row's own values known to contain T (count(x ≥ lo) ≥ k); each pass
 * counts the entries ≥ a midpoint with a work-group reduction and also finds the nearest entries
 * on either side of it, then moves lo up to the smallest entry ≥ mid or top down to the largest
 * entry below it. Every pass removes at least one distinct value from the interval and halves it,
 * so it ends; for typical pre-activations in a few dozen passes. (A radix select on the float bits
 * would be the usual choice, but TornadoVM cannot reinterpret a float's bits inside a kernel.)
 * (2) Compact: every entry > T, then the entries = T of lowest column until k are chosen; each
 * work-item owns a contiguous slice of the row, so a prefix sum of per-slice counts keeps the
 * column order of the ties. (3) Bitonic sort of the ≤ {@link #KMAX} chosen (value, column) pairs.
 */
final class TopKKernel {
    private TopKKernel() {}

    static final int WG = 256;
    /** Largest k handled on the device (local memory holds the chosen pairs); larger k runs on the CPU. */
    static final int KMAX = 2048;

    /** The launch grid of {@link #topK}: one work-group of WG per row. */
    static WorkerGrid grid(int rows) {
        WorkerGrid w = new WorkerGrid1D(rows * WG);
        w.setLocalWork(WG, 1, 1);
        return w;
    }

    /** Nothing runs when {@code gate[gateAt]} is 0 (see {@link GemmKernels#gemm}). */
    static void topK(KernelContext ctx, IntArray gate, int gateAt, FloatArray x, IntArray outIdx, FloatArray outVal, int cols, int k) {
        if (gate.get(gateAt) == 0) {
            return;
        }
        int lid = ctx.localIdx;
        int row = ctx.groupIdx;
        int base = row * cols;
        float[] rUp = ctx.allocateFloatLocalArray(WG);
        float[] rDown = ctx.allocateFloatLocalArray(WG);
        int[] rCnt = ctx.allocateIntLocalArray(WG);
        int[] rCnt2 = ctx.allocateIntLocalArray(WG);
        float[] state = ctx.allocateFloatLocalArray(4);
        int[] flags = ctx.allocateIntLocalArray(4);
        float[] candVal = ctx.allocateFloatLocalArray(KMAX);
        int[] candIdx = ctx.allocateIntLocalArray(KMAX);
        float negInf = Float.NEGATIVE_INFINITY;
        float posInf = Float.POSITIVE_INFINITY;

        // Phase 1a: max, min, and the entries above −∞ (count and smallest): the starting interval.
        float mx = negInf;
        float mn = posInf;
        float mnFinite = posInf;
        int nAbove = 0;
        for (int j = lid; j < cols; j += WG) {
            float v = x.get(base + j);
            if (v > mx) mx = v;
            if (v < mn) mn = v;
            if (v > negInf) {
                nAbove++;
                if (v < mnFinite) mnFinite = v;
            }
        }
        rUp[lid] = mn;
        rDown[lid] = mx;
        rCnt[lid] = nAbove;
        rCnt2[lid] = 0;
        ctx.localBarrier();
        // min, max and count first; mnFinite then reduces through rUp again.
        for (int s = WG / 2; s > 0; s = s / 2) {
            if (lid < s) {
                if (rUp[lid + s] < rUp[lid]) rUp[lid] = rUp[lid + s];
                if (rDown[lid + s] > rDown[lid]) rDown[lid] = rDown[lid + s];
                rCnt[lid] = rCnt[lid] + rCnt[lid + s];
            }
            ctx.localBarrier();
        }
        float rowMin = rUp[0];
        float rowMax = rDown[0];
        int rowAbove = rCnt[0];
        ctx.localBarrier();
        rUp[lid] = mnFinite;
        ctx.localBarrier();
        for (int s = WG / 2; s > 0; s = s / 2) {
            if (lid < s) {
                if (rUp[lid + s] < rUp[lid]) rUp[lid] = rUp[lid + s];
            }
            ctx.localBarrier();
        }
        if (lid == 0) {
            float lo = rowMin;
            int done = 0;
            if (lo == negInf) {
                if (rowAbove >= k) {
                    lo = rUp[0];
                } else {
                    done = 1; // the k-th largest is −∞ itself
                }
            }
            state[0] = lo;
            state[1] = rowMax;
            flags[0] = done;
            if (lo == rowMax) flags[0] = 1;
        }
        ctx.localBarrier();

        // Phase 1b: shrink [lo, top] to the single value T.
        for (int pass = 0; pass < cols + 1; pass++) {
            if (flags[0] == 1) {
                break;
            }
            float lo = state[0];
            float top = state[1];
            float mid = lo * 0.5f + top * 0.5f;
            if (mid > top) {
                mid = top;
            }
            if (mid <= lo) {
                mid = top;
            }
            int cnt = 0;
            float up = posInf;
            float down = negInf;
            for (int j = lid; j < cols; j += WG) {
                float v = x.get(base + j);
                if (v >= mid) {
                    cnt++;
                    if (v < up) up = v;
                } else {
                    if (v > down) down = v;
                }
            }
            rCnt[lid] = cnt;
            rUp[lid] = up;
            rDown[lid] = down;
            ctx.localBarrier();
            for (int s = WG / 2; s > 0; s = s / 2) {
                if (lid < s) {
                    rCnt[lid] = rCnt[lid] + rCnt[lid + s];
                    if (rUp[lid + s] < rUp[lid]) rUp[lid] = rUp[lid + s];
                    if (rDown[lid + s] > rDown[lid]) rDown[lid] = rDown[lid + s];
                }
                ctx.localBarrier();
            }
            if (lid == 0) {
                if (rCnt[0] >= k) {
                    state[0] = rUp[0];
                } else {
                    state[1] = rDown[0];
                }
                if (state[0] == state[1]) flags[0] = 1;
            }
            ctx.localBarrier();
        }
        float t = state[0];

        // Phase 2: per-slice counts of entries > T and = T, prefix sums, compaction.
        int slice = (cols + WG - 1) / WG;
        int from = lid * slice;
        int to = from + slice;
        if (to > cols) to = cols;
        int gt = 0;
        int eq = 0;
        for (int j = from; j < to; j++) {
            float v = x.get(base + j);
            if (v > t) gt++;
            if (v == t) eq++;
        }
        rCnt[lid] = gt;
        rCnt2[lid] = eq;
        ctx.localBarrier();
        if (lid == 0) {
            int sumGt = 0;
            int sumEq = 0;
            for (int u = 0; u < WG; u++) {
                int g = rCnt[u];
                int e = rCnt2[u];
                rCnt[u] = sumGt;
                rCnt2[u] = sumEq;
                sumGt += g;
                sumEq += e;
            }
            flags[1] = sumGt;
        }
        ctx.localBarrier();
        int totalGt = flags[1];
        int need = k - totalGt;
        int posGt = rCnt[lid];
        int posEq = rCnt2[lid];
        for (int j = from; j < to; j++) {
            float v = x.get(base + j);
            if (v > t) {
                candVal[posGt] = v;
                candIdx[posGt] = j;
                posGt++;
            } else if (v == t) {
                if (posEq < need) {
                    candVal[totalGt + posEq] = v;
                    candIdx[totalGt + posEq] = j;
                }
                posEq++;
            }
        }
        int p2 = 1;
        while (p2 < k) p2 = p2 * 2;
        for (int s = k + lid; s < p2; s += WG) {
            candVal[s] = negInf;
            candIdx[s] = 2147483647;
        }
        ctx.localBarrier();

        // Phase 3: bitonic sort, "before" = larger value, or equal value and lower column.
        for (int size = 2; size <= p2; size = size * 2) {
            for (int stride = size / 2; stride > 0; stride = stride / 2) {
                for (int q = lid; q < p2 / 2; q += WG) {
                    int i = 2 * stride * (q / stride) + q % stride;
                    int jj = i + stride;
                    float vi = candVal[i];
                    float vj = candVal[jj];
                    int ii = candIdx[i];
                    int ij = candIdx[jj];
                    // 0/1 arithmetic, not && and ||: Graal folds such conditions into a short-circuit
                    // node with negated inputs, and TornadoVM 5.2's OpenCL emitter drops the negation.
                    int greater = vj > vi ? 1 : 0;
                    int same = vj == vi ? 1 : 0;
                    int lowerColumn = ij < ii ? 1 : 0;
                    int jBefore = greater + same * lowerColumn;
                    int ascending = 1 - ((i / size) % 2);
                    if (jBefore == ascending) {
                        candVal[i] = vj;
                        candVal[jj] = vi;
                        candIdx[i] = ij;
                        candIdx[jj] = ii;
                    }
                }
                ctx.localBarrier();
            }
        }
        for (int s = lid; s < k; s += WG) {
            outIdx.set(row * k + s, candIdx[s]);
            outVal.set(row * k + s, candVal[s]);
        }
    }
}
