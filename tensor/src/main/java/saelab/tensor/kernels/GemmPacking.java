package saelab.tensor.kernels;

import static saelab.tensor.kernels.MicroKernel.S;
import static saelab.tensor.kernels.MicroKernel.VL;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Copies blocks of A and B into the panel layouts {@link MicroKernel} streams through.
 *
 * <p>Packing is where the forms differ: each routine reads its operand in the stored layout
 * (plain or transposed) and always writes the same panel layout, so one kernel serves NN, NT
 * and TN. Rows of A beyond m and columns of B beyond n are written as zeros, so edge tiles run
 * the full kernel and only their write-back is trimmed.
 *
 * <p>A panel: slivers of MR rows; sliver s, step p, row r at {@code s*kc*MR + p*MR + r}.
 * B panel: slivers of NR columns; sliver t, step p, column j at {@code t*kc*NR + p*NR + j}.
 * MR and NR are the register tile's ({@link MicroKernel.Tile}), passed as {@code mr} and {@code nr}.
 */
final class GemmPacking {
    private GemmPacking() {}

    /**
     * Packs rows [i0, i0+mc) and steps [p0, p0+kc) of op(A). {@code transposed} means A is stored
     * k×m (the TN form), so element (i, p) sits at {@code a[aOff + p*lda + i]}; otherwise at
     * {@code a[aOff + i*lda + p]}.
     */
    static void packA(boolean transposed, float[] a, int aOff, int lda,
                      int i0, int mc, int p0, int kc, int mr, float[] ap) {
        for (int s = 0, i = i0; i < i0 + mc; s++, i += mr) {
            int rows = Math.min(mr, i0 + mc - i);
            int base = s * kc * mr;
            if (rows < mr) Arrays.fill(ap, base, base + kc * mr, 0f);
            if (transposed) {
                // Each step's mr values are contiguous in the stored layout: a straight copy.
                int src = aOff + p0 * lda + i;
                for (int p = 0; p < kc; p++, src += lda) {
                    System.arraycopy(a, src, ap, base + p * mr, rows);
                }
            } else if (BlockTranspose.AVAILABLE && mr == 8 && rows == mr && i + 2 * mr <= i0 + mc) {
                // Two full slivers at once: 16×16 transposes whose halves go to either sliver.
                int blocked = kc - kc % 16;
                int src = aOff + i * lda + p0;
                BlockTranspose.transpose16(a, src, lda, blocked / 16, ap, base, mr, base + kc * mr);
                packRowsScalar(a, src, lda, mr, mr, blocked, kc, ap, base);
                packRowsScalar(a, src + mr * lda, lda, mr, mr, blocked, kc, ap, base + kc * mr);
                s++; // the loop's own step then moves past the second sliver
                i += mr;
            } else {
                packRowsScalar(a, aOff + i * lda + p0, lda, rows, mr, 0, kc, ap, base);
            }
        }
    }

    /** Steps [from, kc) of {@code rows} stored rows (row r at src + r*lda) into one A sliver. */
    private static void packRowsScalar(float[] a, int src, int lda, int rows, int mr, int from, int kc, float[] ap, int base) {
        // Walk each source row contiguously; the writes interleave the MR rows.
        for (int r = 0; r < rows; r++) {
            int row = src + r * lda;
            int dst = base + r;
            for (int p = from; p < kc; p++) ap[dst + p * mr] = a[row + p];
        }
    }

    /**
     * Packs columns [j0, j0+nc) and steps [p0, p0+kc) of op(B). {@code transposed} means B is
     * stored n×k (the NT form), so element (p, j) sits at {@code b[bOff + j*ldb + p]}; otherwise
     * at {@code b[bOff + p*ldb + j]}.
     */
    static void packB(boolean transposed, float[] b, int bOff, int ldb,
                      int j0, int nc, int p0, int kc, int nr, float[] bp) {
        for (int t = 0, j = j0; j < j0 + nc; t++, j += nr) {
            int cols = Math.min(nr, j0 + nc - j);
            int base = t * kc * nr;
            if (transposed) {
                packBTransposedSliver(b, bOff, ldb, j, cols, p0, kc, nr, bp, base);
            } else if (cols == nr) {
                int src = bOff + p0 * ldb + j;
                for (int p = 0; p < kc; p++, src += ldb) {
                    int dst = base + p * nr;
                    for (int v = 0; v < nr; v += VL) FloatVector.fromArray(S, b, src + v).intoArray(bp, dst + v);
                }
            } else {
                Arrays.fill(bp, base, base + kc * nr, 0f);
                int src = bOff + p0 * ldb + j;
                for (int p = 0; p < kc; p++, src += ldb) System.arraycopy(b, src, bp, base + p * nr, cols);
            }
        }
    }

    /**
     * One NR-wide sliver of a B stored n×k: a transpose. Full slivers go through 16×16 register
     * transposes where the vectors have 16 lanes; the rest (other widths, the last kc % 16 steps,
     * edge slivers) is a scalar copy that walks each stored row contiguously.
     */
    private static void packBTransposedSliver(float[] b, int bOff, int ldb, int j, int cols,
                                              int p0, int kc, int nr, float[] bp, int base) {
        transposeInto(b, bOff + j * ldb + p0, ldb, cols, kc, nr, bp, base);
    }

    /**
     * Writes the transpose of {@code rows} stored rows of {@code kc} floats (row r at
     * {@code src[s + r*lds]}) into a B sliver: element (r, p) to {@code bp[base + p*nr + r]},
     * zero-filling columns rows..nr. Shared with the bf16 packing, which converts into a float
     * scratch first.
     */
    static void transposeInto(float[] src, int s, int lds, int rows, int kc, int nr, float[] bp, int base) {
        if (rows < nr) Arrays.fill(bp, base, base + kc * nr, 0f);
        int blocked = 0;
        if (BlockTranspose.AVAILABLE && rows == nr) {
            blocked = kc - kc % 16;
            for (int g = 0; g < nr; g += 16) {
                BlockTranspose.transpose16(src, s + g * lds, lds, blocked / 16, bp, base + g, nr);
            }
        }
        for (int r = 0; r < rows; r++) {
            int from = s + r * lds;
            int dst = base + r;
            for (int p = blocked; p < kc; p++) bp[dst + p * nr] = src[from + p];
        }
    }
}
