package saelab.tensor.kernels;

import saelab.tensor.backend.Backend;
import saelab.tensor.backend.Backends;

/**
 * Single-precision matrix product on row-major arrays: C = op(A)·op(B) (+ C when accumulating).
 *
 * <p>The three forms autograd needs: NN (A·B), NT (A·Bᵀ) and TN (Aᵀ·B). Shapes are those of the
 * product: C is m×n, the inner dimension is k. A is m×k in NN/NT and k×m in TN; B is k×n in
 * NN/TN and n×k in NT. Each operand has an offset into its array and a leading dimension (the
 * distance between consecutive rows as stored).
 *
 * <p>This facade is what the rest of saelab calls. It hands the product to the selected
 * {@link Backend} when that is not the CPU; on the CPU it runs {@link VectorGemm} (packed, blocked,
 * multi-threaded Vector API kernel), and tiny products use {@link ScalarGemm}, the plain twin that is
 * also the test oracle.
 */
public final class Gemm {
    private Gemm() {}

    public enum Form { NN, NT, TN }

    public static void sgemm(Form form, int m, int n, int k,
                             float[] a, int aOff, int lda,
                             float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc,
                             boolean accumulate) {
        Backend backend = Backends.current();
        if (backend.isCpu()) sgemmOnCpu(form, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        else backend.sgemm(form, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /** The Vector API implementation, whatever backend is selected: the CPU backend, fallbacks and test oracles call it. */
    public static void sgemmOnCpu(Form form, int m, int n, int k,
                                  float[] a, int aOff, int lda,
                                  float[] b, int bOff, int ldb,
                                  float[] c, int cOff, int ldc,
                                  boolean accumulate) {
        onCpu(form, (long) m * n * k, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /**
     * {@link #sgemmOnCpu} of a product that may be a slice of a larger one of {@code volume}
     * multiply-adds: the scalar-or-vector choice is made from that volume, so a slice has the
     * whole product's bits.
     */
    private static void onCpu(Form form, long volume, int m, int n, int k,
                              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc, boolean accumulate) {
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("negative shape " + m + "x" + n + "x" + k);
        if (m == 0 || n == 0) return;
        if (k == 0) {
            // An empty sum: C keeps its values when accumulating, otherwise it becomes zero.
            if (!accumulate) {
                for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            }
            return;
        }
        if (volume <= SCALAR_VOLUME) {
            // Packing a few hundred products costs more than multiplying them directly.
            ScalarGemm.sgemm(form, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            return;
        }
        VectorGemm.sgemm(form, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /**
     * Columns [c0, c0 + nc) of the m×n product {@link #sgemm} computes, with the same bits, into a
     * C that holds only those columns (column c0 at {@code cOff}); A and B are the whole product's.
     * On the CPU each entry is one fma chain over the inner dimension in slices whose depth depends
     * on k alone, and edge tiles continue the chain from C, so an entry does not depend on where its
     * column falls in a tile (nor on which rows come with it); only the scalar-or-vector choice
     * depends on the product's size, and it is made from the whole product's. Another backend runs
     * the slice as a product of its own.
     */
    public static void sgemmColumns(Form form, int m, int n, int c0, int nc, int k,
                                    float[] a, int aOff, int lda,
                                    float[] b, int bOff, int ldb,
                                    float[] c, int cOff, int ldc,
                                    boolean accumulate) {
        if (c0 < 0 || nc < 0 || c0 + nc > n) {
            throw new IllegalArgumentException("sgemmColumns: columns " + c0 + ".." + (c0 + nc - 1) + " are not inside the product's " + n + " columns");
        }
        // Column c0 of op(B): a column of B in NN and TN, a row of B in NT.
        int bCol = form == Form.NT ? bOff + c0 * ldb : bOff + c0;
        slice(form, (long) m * n * k, m, nc, k, a, aOff, lda, b, bCol, ldb, c, cOff, ldc, accumulate);
    }

    /**
     * An m×n×k slice of a larger product of {@code wholeVolume} multiply-adds: another backend runs
     * it as a product of its own; the CPU as {@link #onCpu} with the whole product's volume.
     */
    private static void slice(Form form, long wholeVolume, int m, int n, int k,
                              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc, boolean accumulate) {
        Backend backend = Backends.current();
        if (backend.isCpu()) onCpu(form, wholeVolume, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        else backend.sgemm(form, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /**
     * Columns of C that one CPU thread task computes with one packing of A (the vector kernel's
     * column block). A column slice of a multiple of this × {@link Parallel#parallelism()} columns,
     * at an offset that is such a multiple too, splits into the tasks the whole product has at
     * SAE shapes, so that slice by slice A is packed as often as in the whole product.
     */
    public static int columnBlock() {
        return VectorGemm.Blocking.DEFAULT.nc();
    }

    /** The vector GEMM's register tile on this machine, rows x vectors ("8x3", or "4x2" with 16 vector registers). */
    public static String tile() {
        return MicroKernel.Tile.PREFERRED.toString();
    }

    /** m·n·k up to which the scalar loop is used. */
    private static final long SCALAR_VOLUME = 512;

    /** Dense contiguous convenience: leading dimensions implied by the form. */
    public static void sgemm(Form form, int m, int n, int k, float[] a, float[] b, float[] c, boolean accumulate) {
        int lda = form == Form.TN ? m : k;
        int ldb = form == Form.NT ? k : n;
        sgemm(form, m, n, k, a, 0, lda, b, 0, ldb, c, 0, n, accumulate);
    }
}
