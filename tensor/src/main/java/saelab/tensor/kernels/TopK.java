package saelab.tensor.kernels;

import saelab.tensor.backend.Backend;
import saelab.tensor.backend.Backends;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
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
    /** Ints of the float species' width: a vector's column numbers, compressed beside its values. */
    static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, S.vectorShape());
    static final IntVector LANES = IntVector.zero(IS).addIndex(1);
    /**
     * Whether a vector's hits above a threshold are gathered by compress: one instruction with
     * AVX-512 (and SVE); where the preferred vectors are narrower the Vector API emulates it slowly,
     * so each hit is visited instead. Not final so that tests run both ways on any machine.
     */
    static boolean compressHits = S.vectorBitSize() >= 512;
    /** Entries of a row sampled for a threshold. */
    private static final int SAMPLE_SIZE = 256;
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
            Scratch sc = Scratch.local(k);
            for (int r = 0; r < rows; r++) anyRow(x, off + r * ld, cols, k, sc, outIdx, outVal, r * k);
        } else {
            int tasks = (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
            Parallel.forRange(tasks, t -> {
                Scratch sc = Scratch.local(k);
                for (int r = t * ROWS_PER_TASK, end = Math.min(rows, r + ROWS_PER_TASK); r < end; r++) {
                    anyRow(x, off + r * ld, cols, k, sc, outIdx, outVal, r * k);
                }
            });
        }
    }

    private static final int ROWS_PER_TASK = 8;
    /** Buckets of the radix histogram: the top 11 bits of the order-preserving key (sign, exponent, 2 mantissa bits). */
    private static final int BUCKET_BITS = 11, BUCKETS = 1 << BUCKET_BITS;

    /** Per-thread working arrays: the heap, two interleaved histograms, the candidates, the sample. */
    static final class Scratch {
        final int[] heapIdx, hist = new int[2 * BUCKETS];
        final float[] heapVal, sample = new float[SAMPLE_SIZE];
        long[] cand;
        /** Entries gathered above a threshold, before they are packed into cand (a vector's width of slack past it). */
        final int[] hitIdx;
        final float[] hitVal;

        private static final ThreadLocal<Scratch> LOCAL = new ThreadLocal<>();

        /**
         * This thread's scratch, for k or a larger k (the heap is used up to k only, the candidates up
         * to their length): a fresh one per task of 8 rows was ~3 MB of garbage per BatchTopK step at
         * the experiment's shape.
         */
        static Scratch local(int k) {
            Scratch sc = LOCAL.get();
            if (sc == null || sc.heapIdx.length < k) LOCAL.set(sc = new Scratch(k));
            return sc;
        }

        Scratch(int k) {
            heapIdx = new int[k];
            heapVal = new float[k];
            cand = new long[4 * k + 256];
            hitIdx = new int[cand.length + S.length()];
            hitVal = new float[cand.length + S.length()];
        }

        /** The radix ranking's keys and columns, ping and pong, and its digit counts (made when first needed). */
        int[] keys, keysOut, cols, colsOut, digitCounts;

        void radixArrays() {
            if (keys != null) return;
            keys = new int[hitIdx.length];
            keysOut = new int[hitIdx.length];
            cols = new int[hitIdx.length];
            colsOut = new int[hitIdx.length];
            digitCounts = new int[RADIX];
        }
    }

    /**
     * The selection is unique (value descending, ties by ascending index), so every method gives
     * the same result: for long rows with k small beside them a sampled threshold, else the
     * histogram; the heap otherwise or when neither leaves few enough candidates (values piled on a
     * few numbers).
     */
    static void anyRow(float[] x, int base, int cols, int k, Scratch sc, int[] outIdx, float[] outVal, int outOff) {
        if (takesHeap(cols, k) || !(sampledRow(x, base, cols, k, sc, outIdx, outVal, outOff) || histogramRow(x, base, cols, k, sc, outIdx, outVal, outOff))) {
            row(x, base, cols, k, sc.heapIdx, sc.heapVal, outIdx, outVal, outOff);
        }
    }

    /** Rows too short for the histogram to pay, or k too large beside them: the heap path from the start. */
    static boolean takesHeap(int cols, int k) {
        return cols < 2048 || k > cols / 8;
    }

    /** A float's bits mapped so that signed int order is float order (−0 below +0; callers add +0 first to merge them). */
    private static int orderedKey(float v) {
        int b = Float.floatToRawIntBits(v);
        return b ^ ((b >> 31) & 0x7FFFFFFF);
    }

    /**
     * Select by a threshold read off a sample: every (cols / 256)-th entry, sorted, gives a value t
     * that all but a few of the top k lie above, and the entries ≥ t are ranked. An entry below t
     * ranks below every entry ≥ t, so when at least k are ≥ t the top k is among them. Returns
     * false, having written nothing, when fewer are, when they do not fit the candidates, or on a
     * NaN. Where it succeeds it replaces the histogram's pass over every entry by a sort of 256:
     * one thread, 2048 rows of 4128 entries, k 320, the first block of a running top k took 19-21
     * ms against 28-30.
     */
    static boolean sampledRow(float[] x, int base, int cols, int k, Scratch sc, int[] outIdx, float[] outVal, int outOff) {
        float[] sample = sc.sample;
        int stride = Math.max(1, cols / SAMPLE_SIZE), ns = Math.min(SAMPLE_SIZE, cols / stride);
        for (int i = 0; i < ns; i++) sample[i] = x[base + i * stride];
        java.util.Arrays.sort(sample, 0, ns);
        // The k-th largest lies near rank k·ns/cols of the sample from the top: go a few deviations deeper.
        float t = sample[ns - sampleRank(k, ns, cols)];
        if (Float.isNaN(t) || Float.isNaN(sample[ns - 1])) return false;
        int n = atLeast(x, base, cols, t, sc);
        if (n < k) return false;
        sortTopHits(sc, n, k);
        takeTop(sc.cand, n, k, x, base, outIdx, outVal, outOff);
        return true;
    }

    /** The entries ≥ t into sc's hits; their count, or −1 when they do not fit the candidates or one is NaN. */
    private static int atLeast(float[] x, int base, int cols, float t, Scratch sc) {
        int[] hitIdx = sc.hitIdx;
        float[] hitVal = sc.hitVal;
        int cap = sc.cand.length, n = 0, len = S.length(), j = 0;
        for (int vecEnd = S.loopBound(cols); j < vecEnd; j += len) {
            FloatVector v = FloatVector.fromArray(S, x, base + j);
            if (v.test(VectorOperators.IS_NAN).anyTrue()) return -1;
            VectorMask<Float> hits = v.compare(VectorOperators.GE, t);
            int c = hits.trueCount();
            if (c == 0) continue;
            if (n + c > cap) return -1;
            if (compressHits) {
                v.compress(hits).intoArray(hitVal, n);
                LANES.add(j).compress(hits.cast(IS)).intoArray(hitIdx, n);
                n += c;
            } else {
                for (long m = hits.toLong(); m != 0; m &= m - 1) {
                    int l = j + Long.numberOfTrailingZeros(m);
                    hitVal[n] = x[base + l];
                    hitIdx[n++] = l;
                }
            }
        }
        for (; j < cols; j++) {
            float v = x[base + j];
            if (Float.isNaN(v)) return -1;
            if (v >= t) {
                if (n == cap) return -1;
                hitVal[n] = v;
                hitIdx[n++] = j;
            }
        }
        return n;
    }

    /**
     * Radix select: a histogram of the top {@value #BUCKET_BITS} key bits finds the bucket holding
     * the k-th largest value; the entries at or above that bucket's lower bound (a vector skim)
     * are ranked as the sampled path's hits are ({@link #sortTopHits}), and the top k taken. Returns
     * false, having written nothing, when the candidates would not fit in 4k + 256.
     */
    static boolean histogramRow(float[] x, int base, int cols, int k, Scratch sc, int[] outIdx, float[] outVal, int outOff) {
        int[] hist = sc.hist;
        java.util.Arrays.fill(hist, 0);
        int j = 0;
        // Two interleaved histograms, so runs of one bucket do not wait on their own increments.
        for (int end = cols & ~1; j < end; j += 2) {
            hist[(orderedKey(x[base + j] + 0f) >>> (32 - BUCKET_BITS)) ^ (BUCKETS >> 1)]++;
            hist[BUCKETS + ((orderedKey(x[base + j + 1] + 0f) >>> (32 - BUCKET_BITS)) ^ (BUCKETS >> 1))]++;
        }
        if (j < cols) hist[(orderedKey(x[base + j] + 0f) >>> (32 - BUCKET_BITS)) ^ (BUCKETS >> 1)]++;
        int bucket = BUCKETS - 1, cum = 0;
        for (; bucket >= 0; bucket--) {
            cum += hist[bucket] + hist[BUCKETS + bucket];
            if (cum >= k) break;
        }
        if (cum > sc.cand.length) return false;
        // The bucket's lower bound as a float: entries ≥ it are a superset of the bucket and those above.
        int lowKey = (bucket ^ (BUCKETS >> 1)) << (32 - BUCKET_BITS);
        float t = Float.intBitsToFloat(lowKey ^ ((lowKey >> 31) & 0x7FFFFFFF));
        if (Float.isNaN(t)) t = Float.NEGATIVE_INFINITY; // the lowest buckets start among NaN bit patterns
        int[] hitIdx = sc.hitIdx;
        float[] hitVal = sc.hitVal;
        int cap = sc.cand.length, n = 0, len = S.length();
        j = 0;
        for (int vecEnd = S.loopBound(cols); j < vecEnd; j += len) {
            FloatVector v = FloatVector.fromArray(S, x, base + j);
            if (!v.compare(VectorOperators.GE, t).anyTrue()) continue;
            for (int l = 0; l < len; l++) {
                float val = x[base + j + l];
                if (val >= t) {
                    if (n == cap) return false;
                    hitVal[n] = val;
                    hitIdx[n++] = j + l;
                }
            }
        }
        for (; j < cols; j++) {
            float val = x[base + j];
            if (val >= t) {
                if (n == cap) return false;
                hitVal[n] = val;
                hitIdx[n++] = j;
            }
        }
        sortTopHits(sc, n, k);
        takeTop(sc.cand, n, k, x, base, outIdx, outVal, outOff);
        return true;
    }

    /**
     * The sample's rank (from the top) whose value is the threshold: the count of sampled entries among
     * the row's top k is about Binomial(ns, k/cols), mean e; four standard deviations and 4 past it, the
     * threshold falls below the k-th largest in all but ~1e-6 of rows (those then take the histogram),
     * and the entries above it are fewer to rank. It was 2e + 16: at k 320 of 4128 columns 55 of 256
     * samples, ~880 entries ranked a row, against ~680 now.
     */
    static int sampleRank(int k, int ns, int cols) {
        double e = (double) k * ns / cols;
        return (int) Math.min(ns, Math.ceil(e + 4 * Math.sqrt(e) + 4));
    }

    /**
     * Ranks the n hits gathered in sc (columns ascending, as every gatherer visits them): their best min(n, k),
     * packed, are the last ones of the candidates, sorted ascending (the best last), where {@link #ranked}
     * reads them; what lies before them is unspecified.
     */
    static void sortTopHits(Scratch sc, int n, int k) {
        if (rankWithoutVectorSort && n >= RADIX_MIN) {
            radixTopHits(sc, n, k);
            return;
        }
        long[] cand = sc.cand;
        for (int i = 0; i < n; i++) cand[i] = pack(sc.hitVal[i], sc.hitIdx[i]);
        java.util.Arrays.sort(cand, 0, n);
    }

    /** Hits from which {@link #sortTopHits} ranks by radix where it would not sort with vectors. */
    private static final int RADIX_MIN = 64;
    /** Digits of the radix ranking: 8 bits a pass. */
    private static final int RADIX = 256;

    /**
     * {@link #sortTopHits} by a least-significant-digit radix sort of the hits' order-preserving keys, 8 bits
     * a pass, skipping the digits all keys share (a row's top values span a few binades, so the sign and most
     * of the exponent are often one digit). The keys are inverted, so ascending order is value descending,
     * and each pass is stable: equal values keep the hits' order, which is ascending column (every gatherer
     * visits columns in order), as TopK ranks ties. The best min(n, k) are then packed, ascending, at the end
     * of the candidates, where {@link #ranked} reads them. The JDK sorts longs with vectors only under
     * AVX-512; elsewhere its sort of the packs was half of the selection's time.
     */
    static void radixTopHits(Scratch sc, int n, int k) {
        sc.radixArrays();
        int[] keys = sc.keys, keysOut = sc.keysOut, cols = sc.cols, colsOut = sc.colsOut, counts = sc.digitCounts;
        int all = -1, any = 0;
        for (int i = 0; i < n; i++) {
            // Signed order to unsigned (flip the sign bit), then inverted: unsigned ascending is value descending.
            int key = ~(orderedKey(sc.hitVal[i] + 0f) ^ Integer.MIN_VALUE);
            keys[i] = key;
            cols[i] = sc.hitIdx[i];
            all &= key;
            any |= key;
        }
        int differing = all ^ any;
        for (int shift = 0; shift < 32; shift += 8) {
            if (((differing >>> shift) & (RADIX - 1)) == 0) continue;
            java.util.Arrays.fill(counts, 0);
            for (int i = 0; i < n; i++) counts[(keys[i] >>> shift) & (RADIX - 1)]++;
            for (int d = 0, at = 0; d < RADIX; d++) {
                int c = counts[d];
                counts[d] = at;
                at += c;
            }
            for (int i = 0; i < n; i++) {
                int at = counts[(keys[i] >>> shift) & (RADIX - 1)]++;
                keysOut[at] = keys[i];
                colsOut[at] = cols[i];
            }
            int[] t = keys;
            keys = keysOut;
            keysOut = t;
            t = cols;
            cols = colsOut;
            colsOut = t;
        }
        long[] cand = sc.cand;
        for (int s = 0, top = Math.min(n, k); s < top; s++) {
            // The key back to the value's own order-preserving bits.
            cand[n - 1 - s] = packKey(~keys[s] ^ Integer.MIN_VALUE, cols[s]);
        }
    }

    /**
     * Whether the candidates are ranked without the JDK's sort of longs, which is vectorised only with
     * AVX-512 (taken as the preferred vectors being narrower, as for {@link #compressHits}): then the
     * gathered hits are ranked by radix ({@link #radixTopHits}). With AVX-512 the radix ranking was slower
     * than the JDK's sort (the four-chunk merge at batch 2048: 23.5-24.7 ms against 21.7-22.5); under
     * {@code UseAVX=2}, 62-63 ms with the JDK's sort, 48-50 with a quickselect before sorting the top (since
     * replaced), 34.6 with the radix ranking. Not final so that tests run both ways on any machine.
     */
    static boolean rankWithoutVectorSort = S.vectorBitSize() < 512;

    /**
     * The column ranked s-th (0: the best) among n sorted candidates: ascending packs are ascending
     * values, equal values by descending index, so the ranking reads them from the end.
     */
    static int ranked(long[] cand, int n, int s) {
        return ~(int) cand[n - 1 - s];
    }

    /** Writes the top k of the n sorted candidates, ranked, with the row's own values. */
    private static void takeTop(long[] cand, int n, int k, float[] x, int base, int[] outIdx, float[] outVal, int outOff) {
        for (int s = 0; s < k; s++) {
            int idx = ranked(cand, n, s);
            outIdx[outOff + s] = idx;
            outVal[outOff + s] = x[base + idx];
        }
    }

    /** Ascending long order = ascending value, then descending index (−0 and +0 merged, as float comparison has them). */
    static long pack(float val, int idx) {
        return packKey(orderedKey(val + 0f), idx);
    }

    /** {@link #pack} from the value's order-preserving key ({@link #orderedKey} of the value plus +0). */
    private static long packKey(int ordered, int idx) {
        return ((long) ordered << 32) | (~idx & 0xFFFFFFFFL);
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
