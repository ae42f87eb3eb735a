package saelab.tensor.kernels;

import saelab.tensor.kernels.MicroKernel.Tile;

/**
 * Cache-blocked, packed, multi-threaded float32 GEMM around {@link MicroKernel} (the Goto/BLIS
 * loop nest): for each NC-wide column block of C and each KC-deep slice of the inner dimension,
 * pack B's KC×NC block once; for each MC-tall row block pack A's MC×KC block; then sweep the
 * MR×NR register tiles.
 *
 * <p>Threads own disjoint blocks of C (column chunks, plus row chunks when C is narrow), each
 * running the whole loop nest with its own packing buffers. No barriers, and nothing is packed
 * twice: a column chunk is exactly one NC block, and A is re-packed once per NC block in the
 * serial algorithm too.
 *
 * <p>Callers ({@link Gemm}) guarantee m, n, k ≥ 1 and in-range operands.
 */
final class VectorGemm {
    private VectorGemm() {}

    /**
     * Block sizes. kc: depth of a packed slice. mc: rows of A per packed block (96×768 floats,
     * 288 KiB, stays in L2: 1 MiB per Zen 5 core). nc: columns per packed B block and per thread
     * task (768×2064 floats, 6 MiB, in the shared L3).
     *
     * <p>Why kc = 768 rather than the usual 256: every kc slice re-reads and re-writes the whole
     * C block from memory, and Java has no prefetch to hide those misses at the start of each
     * tile; fewer, deeper slices measured 5-10% faster on all four benchmark shapes (256/128/2048
     * → 768/96/2048: 334 → 363 GFLOP/s on 2048×2304×16384 in one interleaved run). kc from 384 to
     * 1152 and mc from 48 to 128 were within noise of each other; nc = 1024 costs the
     * 2048×16384×2304 product an extra repacking of its large A, nc = 512 is worse everywhere.
     *
     * <p>Defaults can be overridden with the system properties saelab.gemm.kc/mc/nc (for
     * tuning); tests pass tiny blockings to reach every loop.
     */
    record Blocking(int kc, int mc, int nc, Tile tile) {
        Blocking {
            if (kc < 1 || mc < 1 || nc < 1) throw new IllegalArgumentException("blocking " + kc + "/" + mc + "/" + nc);
            mc = roundUp(mc, tile.mr);
            nc = roundUp(nc, tile.nr);
        }

        /** With this machine's register tile. */
        Blocking(int kc, int mc, int nc) {
            this(kc, mc, nc, Tile.PREFERRED);
        }

        static final Blocking DEFAULT = new Blocking(Integer.getInteger("saelab.gemm.kc", 768),
                Integer.getInteger("saelab.gemm.mc", 96), Integer.getInteger("saelab.gemm.nc", 2048));
    }

    /** Below this many flops the thread hand-off costs more than it saves. */
    private static final double PARALLEL_FLOPS = 4e6;

    /**
     * Packs columns [j0, j0+nc) and steps [p0, p0+kc) of op(B) into the B panel layout of
     * {@link GemmPacking}. Lets the bf16 GEMM reuse this loop nest with its own B storage.
     */
    interface BPanels {
        void pack(int j0, int nc, int p0, int kc, int nr, float[] bp);
    }

    static void sgemm(Gemm.Form form, int m, int n, int k,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc, boolean accumulate) {
        sgemm(form, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, Blocking.DEFAULT);
    }

    static void sgemm(Gemm.Form form, int m, int n, int k,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc, boolean accumulate, Blocking blocking) {
        boolean bT = form == Gemm.Form.NT;
        multiply(m, n, k, form == Gemm.Form.TN, a, aOff, lda,
                (j0, nc, p0, kc, nr, bp) -> GemmPacking.packB(bT, b, bOff, ldb, j0, nc, p0, kc, nr, bp),
                c, cOff, ldc, accumulate, Parallel.parallelism(), blocking);
    }

    /** C = op(A)·op(B) (+ C), with op(B) supplied panel by panel, on at most maxThreads threads. */
    static void multiply(int m, int n, int k, boolean aT, float[] a, int aOff, int lda, BPanels bPanels,
                         float[] c, int cOff, int ldc, boolean accumulate, int maxThreads, Blocking blocking) {
        int threads = 2.0 * m * n * k < PARALLEL_FLOPS ? 1 : maxThreads;
        int mr = blocking.tile().mr, nr = blocking.tile().nr;

        // Column chunks: at least one per thread, a multiple of the thread count for balance,
        // none wider than nc. Row chunks only when C is too narrow to give every thread columns.
        int nTiles = ceilDiv(n, nr);
        int nChunks = Math.max(ceilDiv(n, blocking.nc()), threads);
        nChunks = Math.min(nTiles, roundUp(nChunks, threads));
        int chunkCols = roundUp(ceilDiv(n, nChunks), nr);
        nChunks = ceilDiv(n, chunkCols);
        int mChunks = 1;
        if (nChunks < threads) mChunks = Math.min(ceilDiv(m, mr), ceilDiv(threads, nChunks));
        int chunkRows = roundUp(ceilDiv(m, mChunks), mr);
        mChunks = ceilDiv(m, chunkRows);

        int columnChunks = nChunks;
        Parallel.forRange(nChunks * mChunks, threads, task -> {
            int j0 = (task % columnChunks) * chunkCols;
            int i0 = (task / columnChunks) * chunkRows;
            block(aT, i0, Math.min(m, i0 + chunkRows), j0, Math.min(n, j0 + chunkCols), k,
                    a, aOff, lda, bPanels, c, cOff, ldc, accumulate, blocking);
        });
    }

    /** C[i0..i1)[j0..j1) over the whole inner dimension, on the calling thread. */
    private static void block(boolean aT, int i0, int i1, int j0, int j1, int k,
                              float[] a, int aOff, int lda, BPanels bPanels,
                              float[] c, int cOff, int ldc, boolean accumulate, Blocking blocking) {
        // Even slices: k = 300 becomes 150 + 150, not 256 + 44.
        int kc = ceilDiv(k, ceilDiv(k, blocking.kc()));
        Tile shape = blocking.tile();
        int mr = shape.mr, nr = shape.nr;
        int mcMax = Math.min(blocking.mc(), roundUp(i1 - i0, mr));
        int ncMax = Math.min(blocking.nc(), roundUp(j1 - j0, nr));
        // The packing buffers from the shared pool (every element read is packed first): a thread-local pair
        // would be allocated again by every new pool thread, and the kernel pool's threads come and go.
        ReusableArrays pool = ReusableArrays.shared();
        float[] ap = pool.floats(mcMax * kc), bp = pool.floats(ncMax * kc), tile = Buffers.tile();
        try {
            for (int jc = j0; jc < j1; jc += ncMax) {
                int nc = Math.min(ncMax, j1 - jc);
                for (int pc = 0; pc < k; pc += kc) {
                    int kcur = Math.min(kc, k - pc);
                    boolean add = accumulate || pc > 0;
                    bPanels.pack(jc, nc, pc, kcur, nr, bp);
                    for (int ic = i0; ic < i1; ic += mcMax) {
                        int mc = Math.min(mcMax, i1 - ic);
                        GemmPacking.packA(aT, a, aOff, lda, ic, mc, pc, kcur, mr, ap);
                        for (int jr = 0; jr < nc; jr += nr) {
                            int cols = Math.min(nr, nc - jr);
                            int bBase = jr * kcur;
                            for (int ir = 0; ir < mc; ir += mr) {
                                int rows = Math.min(mr, mc - ir);
                                int aBase = ir * kcur;
                                int cIdx = cOff + (ic + ir) * ldc + jc + jr;
                                if (rows == mr && cols == nr) {
                                    MicroKernel.tile(shape, kcur, ap, aBase, bp, bBase, c, cIdx, ldc, add);
                                } else {
                                    if (add) loadEdge(c, cIdx, ldc, rows, cols, nr, tile);
                                    MicroKernel.tile(shape, kcur, ap, aBase, bp, bBase, tile, 0, nr, add);
                                    storeEdge(tile, rows, cols, nr, c, cIdx, ldc);
                                }
                            }
                        }
                    }
                }
            }
        } finally {
            pool.give(ap);
            pool.give(bp);
        }
    }

    /**
     * Copies C's rows×cols corner into the scratch tile, so that the kernel continues the same
     * fma chain from C that it runs for a full tile. (Summing the step into a zeroed tile and
     * adding that to C rounds differently, so a row's result depended on whether it fell in an
     * edge tile, that is on the batch it came in: a resumed harvest differed from an uninterrupted one.)
     */
    private static void loadEdge(float[] c, int cIdx, int ldc, int rows, int cols, int nr, float[] tile) {
        for (int r = 0; r < rows; r++) System.arraycopy(c, cIdx + r * ldc, tile, r * nr, cols);
    }

    /** Writes the valid rows×cols corner of a scratch tile into C. */
    private static void storeEdge(float[] tile, int rows, int cols, int nr, float[] c, int cIdx, int ldc) {
        for (int r = 0; r < rows; r++) System.arraycopy(tile, r * nr, c, cIdx + r * ldc, cols);
    }

    static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    static int roundUp(int x, int y) {
        return ceilDiv(x, y) * y;
    }

    /** Per-thread scratch tile for edge tiles (the widest tile's MR × NR floats, too small to pool). */
    private static final class Buffers {
        private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[Tile.maxFloats()]);

        static float[] tile() { return TILE.get(); }
    }
}
