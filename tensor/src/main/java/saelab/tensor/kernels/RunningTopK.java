package saelab.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link TopK} of rows that arrive a block of columns at a time: each row keeps its ranked top k
 * of the columns seen so far, and a block of later columns is merged into it. After the last
 * block the rows hold exactly what {@link TopK#rows} gives for the whole rows: the same indices in
 * the same order and the same values (each the row's entry itself, its sign of zero included).
 *
 * <p>Why that holds: TopK's order (value descending by float comparison, so −0 equals +0; equal
 * values by ascending column) is total on NaN-free rows, so the whole row's top k is the top k of
 * the running top k and the block's; and every column held so far precedes the block's, so on
 * equal values the held entry ranks first. Once a row holds k entries only a block entry strictly
 * greater than its k-th can enter: the block is skimmed a vector at a time against that value,
 * and the few entries above it are sorted and merged. A row holding fewer (the first blocks) takes
 * the block's own top k first ({@link TopK}, whose first try is a threshold read off a sample).
 *
 * <p>With AVX-512, the entries above the k-th are gathered by compressing each vector's hits (its
 * values and column numbers) instead of visiting each hit ({@link TopK#compressHits}). At batch
 * 2048, four blocks of 4128 columns, k 320, one thread's CPU time in separate runs: 59-64 ms
 * before, 57-62 with TopK's sample alone, 46-51 with both (the first block 28-30 → 19-21 ms).
 *
 * <p>Runs on the CPU whatever the backend: the running rows are the JVM's arrays.
 */
public final class RunningTopK {
    private RunningTopK() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final long PARALLEL_THRESHOLD = 1 << 15;
    private static final int ROWS_PER_TASK = 8;

    /**
     * Merges columns [colOff, colOff + cols) of {@code rows} rows, given as x[off + r·ld + j] for
     * column colOff + j, into each row's running top k: idx and val are rows × k (row r at r·k),
     * each row's first {@code held} entries the ranked top of its columns before colOff. Afterwards
     * each row's first min(k, held + cols) entries are the ranked top of its columns so far.
     */
    public static void merge(float[] x, int off, int ld, int rows, int cols, int colOff, int k, int held, int[] idx, float[] val) {
        merge(x, off, ld, rows, cols, colOff, null, 0, k, held, idx, val, 0);
    }

    /**
     * {@link #merge(float[], int, int, int, int, int, int, int, int[], float[])} of the rows plus a
     * bias, into rows of idx and val from row {@code outRow} on: column colOff + j counts as
     * x[off + r·ld + j] + bias[biasOff + j] (the same float sum as adding the bias in place first;
     * bias null: none). x is only read: the block need not be written back with its bias, which for
     * a GEMM output larger than the last-level cache saves a write and a read of it from memory.
     */
    public static void merge(float[] x, int off, int ld, int rows, int cols, int colOff, float[] bias, int biasOff,
                             int k, int held, int[] idx, float[] val, int outRow) {
        if (k < 1 || held < 0 || held > k) {
            throw new IllegalArgumentException("RunningTopK: k = " + k + " with " + held + " held, expected k ≥ 1 and 0 ≤ held ≤ k");
        }
        if (bias != null && bias.length - biasOff < cols) {
            throw new IllegalArgumentException("RunningTopK: a bias of " + (bias.length - biasOff) + " entries from " + biasOff + " for " + cols + " columns");
        }
        if (rows == 0 || cols == 0) return;
        if ((long) rows * cols < PARALLEL_THRESHOLD || rows == 1) {
            Rows w = Rows.local(k);
            for (int r = 0; r < rows; r++) w.row(x, off + r * ld, bias, biasOff, cols, colOff, k, held, idx, val, (outRow + r) * k);
        } else {
            Parallel.forRange((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, t -> {
                Rows w = Rows.local(k);
                for (int r = t * ROWS_PER_TASK, end = Math.min(rows, r + ROWS_PER_TASK); r < end; r++) {
                    w.row(x, off + r * ld, bias, biasOff, cols, colOff, k, held, idx, val, (outRow + r) * k);
                }
            });
        }
    }

    /**
     * One thread's working arrays: TopK's scratch, the block's ranked top, a copy of the running row.
     * Kept per thread (sized for the largest k seen): callers merge 16 rows at a time, and fresh
     * arrays per call were ~100 MB of garbage per training step at k 320 and k_dead 1152.
     */
    private static final class Rows {
        private static final ThreadLocal<Rows> LOCAL = new ThreadLocal<>();
        final TopK.Scratch sc;
        final int[] blockIdx, heldIdx;
        final float[] blockVal, heldVal;
        /** A row plus its bias, where a block is ranked whole (TopK reads its rows in place). */
        float[] biasedRow = new float[0];
        /** Entries gathered above a threshold, before they are ranked (TopK's, with a vector's width of slack past the candidates). */
        final int[] hitIdx;
        final float[] hitVal;

        Rows(int k) {
            sc = new TopK.Scratch(k);
            blockIdx = new int[k];
            heldIdx = new int[k];
            blockVal = new float[k];
            heldVal = new float[k];
            hitIdx = sc.hitIdx;
            hitVal = sc.hitVal;
        }

        /** This thread's arrays, for k or a larger k (every array is used up to k only, the candidates up to their length). */
        static Rows local(int k) {
            Rows w = LOCAL.get();
            if (w == null || w.blockIdx.length < k) LOCAL.set(w = new Rows(k));
            return w;
        }

        void row(float[] x, int base, float[] bias, int bOff, int cols, int colOff, int k, int held, int[] idx, float[] val, int out) {
            int taken = held == k ? above(x, base, bias, bOff, cols, k, val[out + k - 1]) : -1;
            if (taken == 0) return;
            if (taken < 0) {
                if (bias != null) {
                    // The row with its bias, in this thread's scratch (in L1, not written back to x).
                    x = biased(x, base, bias, bOff, cols);
                    base = 0;
                }
                // Fewer than k held, or too many entries above the k-th for the candidate array: the block's own top.
                taken = Math.min(k, cols);
                if (!(TopK.takesHeap(cols, taken) && aboveMinusInfinity(x, base, cols, taken))) {
                    TopK.anyRow(x, base, cols, taken, sc, blockIdx, blockVal, 0);
                }
            }
            // Held entries ranking above the block's best stay where they are (a binary search: held is ranked).
            int lo = 0, hi = held;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (val[out + mid] >= blockVal[0]) lo = mid + 1; else hi = mid;
            }
            int rest = held - lo;
            System.arraycopy(idx, out + lo, heldIdx, 0, rest);
            System.arraycopy(val, out + lo, heldVal, 0, rest);
            int a = 0, b = 0;
            for (int s = lo, keep = Math.min(k, held + taken); s < keep; s++) {
                // On equal values the held entry ranks first: its column precedes the block's.
                if (b == taken || (a < rest && heldVal[a] >= blockVal[b])) {
                    idx[out + s] = heldIdx[a];
                    val[out + s] = heldVal[a++];
                } else {
                    idx[out + s] = colOff + blockIdx[b];
                    val[out + s] = blockVal[b++];
                }
            }
        }

        /**
         * The block's top {@code need} where TopK would take its heap path (k large beside the block,
         * as for a dead selection whose masked entries are −∞): the entries above −∞ ranked, then
         * −∞ entries (all equal) by ascending column. False, having ranked nothing, when the entries
         * above −∞ do not fit the candidate array.
         */
        private boolean aboveMinusInfinity(float[] x, int base, int cols, int need) {
            // A row without −∞ (every selection but the dead one) or with more finite entries than the
            // candidates hold goes to TopK's heap at once: counting first costs a compare per vector,
            // where trying to rank filled the candidate array before giving up (11% of a small step).
            int finite = 0, len = S.length(), c = 0;
            for (int vecEnd = S.loopBound(cols); c < vecEnd; c += len) {
                finite += FloatVector.fromArray(S, x, base + c).compare(VectorOperators.GT, Float.NEGATIVE_INFINITY).trueCount();
            }
            for (; c < cols; c++) if (x[base + c] > Float.NEGATIVE_INFINITY) finite++;
            if (finite == cols || finite > sc.cand.length) return false;
            int n = above(x, base, null, 0, cols, need, Float.NEGATIVE_INFINITY);
            if (n < 0) return false;
            for (int j = 0; n < need; j++) {
                if (x[base + j] == Float.NEGATIVE_INFINITY) {
                    blockIdx[n] = j;
                    blockVal[n++] = x[base + j];
                }
            }
            return true;
        }

        /**
         * The block's entries strictly above t, ranked into blockIdx/blockVal (at most k of them, the
         * rest cannot enter); their count, or −1 when they do not fit the candidate array.
         */
        private int above(float[] x, int base, float[] bias, int bOff, int cols, int k, float t) {
            // Two loops (and a third, TopK's atLeast), not one loop or a shared append-the-hits helper:
            // in separate one-thread runs a shared helper took the visiting path from 57-62 ms to
            // 69-71 with recompilation spikes, and a loop testing the bias inside compiled slowly.
            int n = bias == null ? above(x, base, cols, t) : above(x, base, bias, bOff, cols, t);
            return n < 0 ? -1 : rank(x, base, bias, bOff, n, k);
        }

        /** The entries &gt; t into hitIdx/hitVal; their count, or −1 when they do not fit the candidates. */
        private int above(float[] x, int base, int cols, float t) {
            int cap = sc.cand.length, n = 0, len = S.length(), j = 0;
            for (int vecEnd = S.loopBound(cols); j < vecEnd; j += len) {
                FloatVector v = FloatVector.fromArray(S, x, base + j);
                VectorMask<Float> hits = v.compare(VectorOperators.GT, t);
                int c = hits.trueCount();
                if (c == 0) continue;
                if (n + c > cap) return -1;
                if (TopK.compressHits) {
                    v.compress(hits).intoArray(hitVal, n);
                    TopK.LANES.add(j).compress(hits.cast(TopK.IS)).intoArray(hitIdx, n);
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
                if (v > t) {
                    if (n == cap) return -1;
                    hitVal[n] = v;
                    hitIdx[n++] = j;
                }
            }
            return n;
        }

        /** {@link #above(float[], int, int, float)} of the entries plus their bias. */
        private int above(float[] x, int base, float[] bias, int bOff, int cols, float t) {
            int cap = sc.cand.length, n = 0, len = S.length(), j = 0;
            for (int vecEnd = S.loopBound(cols); j < vecEnd; j += len) {
                FloatVector v = FloatVector.fromArray(S, x, base + j).add(FloatVector.fromArray(S, bias, bOff + j));
                VectorMask<Float> hits = v.compare(VectorOperators.GT, t);
                int c = hits.trueCount();
                if (c == 0) continue;
                if (n + c > cap) return -1;
                if (TopK.compressHits) {
                    v.compress(hits).intoArray(hitVal, n);
                    TopK.LANES.add(j).compress(hits.cast(TopK.IS)).intoArray(hitIdx, n);
                    n += c;
                } else {
                    for (long m = hits.toLong(); m != 0; m &= m - 1) {
                        int l = j + Long.numberOfTrailingZeros(m);
                        hitVal[n] = x[base + l] + bias[bOff + l];
                        hitIdx[n++] = l;
                    }
                }
            }
            for (; j < cols; j++) {
                float v = x[base + j] + bias[bOff + j];
                if (v > t) {
                    if (n == cap) return -1;
                    hitVal[n] = v;
                    hitIdx[n++] = j;
                }
            }
            return n;
        }

        /** The top min(n, k) of the n gathered entries, ranked into blockIdx/blockVal (values re-read as the entries plus bias); their count. */
        private int rank(float[] x, int base, float[] bias, int bOff, int n, int k) {
            TopK.sortTopHits(sc, n, k);
            int taken = Math.min(n, k);
            for (int s = 0; s < taken; s++) {
                int j0 = TopK.ranked(sc.cand, n, s);
                blockIdx[s] = j0;
                blockVal[s] = at(x, base, bias, bOff, j0);
            }
            return taken;
        }

        /** Column j's value: x's entry plus its bias, if any. */
        private static float at(float[] x, int base, float[] bias, int bOff, int j) {
            return bias == null ? x[base + j] : x[base + j] + bias[bOff + j];
        }

        /** The row plus its bias in {@code biasedRow} (grown as needed). */
        private float[] biased(float[] x, int base, float[] bias, int bOff, int cols) {
            if (biasedRow.length < cols) biasedRow = new float[cols];
            VectorOps.add(x, base, bias, bOff, biasedRow, 0, cols);
            return biasedRow;
        }
    }
}
