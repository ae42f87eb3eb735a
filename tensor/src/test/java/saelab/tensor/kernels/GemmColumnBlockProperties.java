package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import saelab.tensor.Props;

/**
 * {@link Gemm#sgemmColumns}: a product computed a slice of columns at a time is the whole product's
 * bits, in every form, accumulating or not, with slices of 1 column up to all of them (widths that
 * cut the vector kernel's register tiles anywhere), and on both sides of the scalar kernel's cut
 * (m·n·k ≤ 512 for the whole product, which a slice alone may fall under while the whole does not).
 */
class GemmColumnBlockProperties {
    private int scalarProducts, vectorProductsWithTinySlices, slicesCuttingTiles;

    @Test
    void slicesOfColumnsEqualTheWholeProductBitForBit() {
        Props.qt(20261204L, 200)
                .forAll(Props.ints(0, 2), Props.oneOf(Gemm.Form.class), Props.bools(), Props.seeds())
                .checkAssert(this::slicesAgree);
        assertTrue(scalarProducts > 10 && vectorProductsWithTinySlices > 10 && slicesCuttingTiles > 10,
                scalarProducts + " scalar products, " + vectorProductsWithTinySlices
                        + " vector products split into slices of ≤ 512 multiply-adds, "
                        + slicesCuttingTiles + " slices starting inside a register tile of the whole product");
    }

    /**
     * Sizes: 0, a whole product of at most 8·8·8 = 512 multiply-adds; 1, 4 to 8 rows by 20 to 40
     * columns of depth ≤ 8 in slices of 1 to 4 columns; 2, up to 40 × 200 with k past kc (768), so
     * slices of up to 120 columns span several register tiles (NR ≤ 48) and start inside one.
     */
    private void slicesAgree(int sizes, Gemm.Form form, boolean accumulate, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int m, n, k, width;
        if (sizes == 0) { m = 1 + r.nextInt(8); n = 1 + r.nextInt(8); k = 1 + r.nextInt(8); width = 1 + r.nextInt(n); }
        else if (sizes == 1) { m = 4 + r.nextInt(5); n = 20 + r.nextInt(21); k = 4 + r.nextInt(5); width = 1 + r.nextInt(4); }
        else { m = 1 + r.nextInt(40); n = 1 + r.nextInt(200); k = 1 + r.nextInt(900); width = 1 + r.nextInt(Math.min(n, 120)); }
        float[] a = gauss(r, m * k), b = gauss(r, k * n), c0 = gauss(r, m * n);
        int lda = form == Gemm.Form.TN ? m : k, ldb = form == Gemm.Form.NT ? k : n;
        float[] whole = c0.clone();
        Gemm.sgemm(form, m, n, k, a, 0, lda, b, 0, ldb, whole, 0, n, accumulate);
        float[] part = new float[m * width];
        int compared = 0;
        for (int j0 = 0; j0 < n; j0 += width) {
            int nc = Math.min(width, n - j0);
            for (int i = 0; i < m; i++) System.arraycopy(c0, i * n + j0, part, i * width, nc);
            Gemm.sgemmColumns(form, m, n, j0, nc, k, a, 0, lda, b, 0, ldb, part, 0, width, accumulate);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < nc; j++, compared++) {
                    assertEquals(Float.floatToRawIntBits(whole[i * n + j0 + j]), Float.floatToRawIntBits(part[i * width + j]),
                            form + " " + m + "×" + n + "×" + k + (accumulate ? " accumulating" : "") + ", slices of " + width
                                    + ": row " + i + " column " + (j0 + j));
                }
            }
            if (j0 % MicroKernel.Tile.PREFERRED.nr != 0 && (long) m * n * k > 512) slicesCuttingTiles++;
        }
        assertEquals(m * n, compared);
        if ((long) m * n * k <= 512) scalarProducts++;
        else if ((long) m * width * k <= 512) vectorProductsWithTinySlices++;
    }

    private static float[] gauss(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }
}
