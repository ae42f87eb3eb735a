package saelab.tensor.kernels;

import saelab.tensor.backend.Backend;
import saelab.tensor.backend.Backends;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row-wise TopK: for each of {@code rows} rows of length {@code cols} (row stride {@code ld}),
 * the indices and values of the k largest entries, ordered by value descending; equal values
 * are ordered by ascending column index, so ties are broken deterministically toward the lower
 * index. Outputs are rows×k, row-major, into {@code outIdx} and {@code outVal}. Inputs must not
 * hold NaN (a NaN compares false with everything; an SAE that produces one has diverged).
 *
 * <p>Per row: a size-k min-heap keyed on (value, −index). After the heap fills, a whole vector
 * of candidates is rejected with one compare against the heap's minimum, so for SAE shapes
 * (k = 320 of 16384) nearly all of the row is skimmed at vector speed and only O(k·log(m/k))
 * entries ever touch the heap. Rows are spread over all cores. {@link ScalarTopK} is the oracle.
 */
public final class TopK {
    private TopK() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Below this many elements in total, threads cost more than they save. */
    private static final long PARALLEL_THRESHOLD = 1 << 15;

    /** Top k of each row, dispatched to the selected {@link Backend}. */
    public static void rows(float[] x, int off, int ld, int rows, int cols, int k, int[] outIdx, float[] outVal) {
        Backend backend = Backends.current();
        if (backend.isCpu()) rowsOnCpu(x, off, ld, rows, cols, k, outIdx, outVal);
        else backend.topKRows(x, off, ld, rows, cols, k, outIdx, outVal);
    }

    /** The Vector API implementation, whatever backend is selected. */
    public static void rowsOnCpu(float[] x, int off, int ld, int rows, int cols, int k, int[] outIdx, float[] outVal) {
        if (k < 0 || k > cols) throw new IllegalArgumentException("TopK: k=" + k + " must be in [0, " + cols + "]");
        if (rows == 0 || k == 0) return;
        if ((long) rows * cols < PARALLEL_THRESHOLD || rows == 1) {
            int[] heapIdx = new int[k];
            float[] heapVal = new float[k];
            for (int r = 0; r < rows; r++) row(x, off + r * ld, cols, k, heapIdx, heapVal, outIdx, outVal, r * k);
        } else {
            Parallel.forRange(rows, r -> row(x, off + r * ld, cols, k, new int[k], new float[k], outIdx, outVal, r * k));
        }
    }

    private static void row(float[] x, int base, int cols, int k, int[] hi, float[] hv,
                            int[] outIdx, float[] outVal, int outOff) {
        // Fill the heap with the first k entries, then heapify.
        for (int j = 0; j < k; j++) { hi[j] = j; hv[j] = x[base + j]; }
        for (int p = k / 2 - 1; p >= 0; p--) siftDown(hi, hv, p, k);
        int j = k;
        int len = S.length();
        // Scalar steps until j is a multiple of the vector length keeps loads simple to reason about.
        int vecEnd = j + (cols - j) / len * len;
        for (; j < vecEnd; j += len) {
            FloatVector v = FloatVector.fromArray(S, x, base + j);
            // Only a strictly greater value can displace the minimum: an equal value arrives
            // with a higher index than everything in the heap, so it ranks lower.
            if (!v.compare(VectorOperators.GT, hv[0]).anyTrue()) continue;
            for (int t = 0; t < len; t++) {
                float val = x[base + j + t];
                if (val > hv[0]) { hv[0] = val; hi[0] = j + t; siftDown(hi, hv, 0, k); }
            }
        }
        for (; j < cols; j++) {
            float val = x[base + j];
            if (val > hv[0]) { hv[0] = val; hi[0] = j; siftDown(hi, hv, 0, k); }
        }
        // Heap-sort: repeatedly move the minimum to the end, giving descending order in place.
        for (int n = k - 1; n > 0; n--) {
            swap(hi, hv, 0, n);
            siftDown(hi, hv, 0, n);
        }
        System.arraycopy(hi, 0, outIdx, outOff, k);
        System.arraycopy(hv, 0, outVal, outOff, k);
    }

    /** Heap order: a ranks below b when its value is smaller, or equal with a larger index. */
    private static boolean below(int[] hi, float[] hv, int a, int b) {
        return hv[a] < hv[b] || (hv[a] == hv[b] && hi[a] > hi[b]);
    }

    private static void siftDown(int[] hi, float[] hv, int p, int n) {
        while (true) {
            int l = 2 * p + 1;
            if (l >= n) return;
            int c = l + 1 < n && below(hi, hv, l + 1, l) ? l + 1 : l;
            if (!below(hi, hv, c, p)) return;
            swap(hi, hv, p, c);
            p = c;
        }
    }

    private static void swap(int[] hi, float[] hv, int a, int b) {
        int ti = hi[a]; hi[a] = hi[b]; hi[b] = ti;
        float tv = hv[a]; hv[a] = hv[b]; hv[b] = tv;
    }
}
