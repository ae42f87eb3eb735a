package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import saelab.tensor.Props;

/**
 * {@link Gemm#sgemmRows}: a product computed a block of rows at a time is the whole product's bits,
 * in every form, accumulating or not, with blocks of 1 row up to all of them, and on both sides of
 * the scalar kernel's cut (m·n·k ≤ 512 for the whole product, which a block alone may fall under
 * while the whole does not: the case a plain {@link Gemm#sgemm} of the block gets wrong).
 */
class GemmRowBlockProperties {
    private int scalarProducts, vectorProductsWithTinyBlocks;

    @Test
    void blocksOfRowsEqualTheWholeProductBitForBit() {
        Props.qt(20261204L, 200)
                .forAll(Props.ints(0, 2), Props.oneOf(Gemm.Form.class), Props.bools(), Props.seeds())
                .checkAssert(this::blocksAgree);
        // Both kernels were reached, and blocks that alone would have taken the scalar kernel.
        assertTrue(scalarProducts > 10 && vectorProductsWithTinyBlocks > 10, scalarProducts + " scalar products, "
                + vectorProductsWithTinyBlocks + " vector products split into blocks of ≤ 512 multiply-adds");
    }

    /**
     * Sizes: 0, a whole product of at most 8·8·8 = 512 multiply-adds; 1, 20 to 40 rows of at most
     * 8·8 in blocks of 1 to 4 rows (mostly a vector product cut into scalar-sized blocks); 2, k past kc (768).
     */
    private void blocksAgree(int sizes, Gemm.Form form, boolean accumulate, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int m, n, k, block;
        if (sizes == 0) { m = 1 + r.nextInt(8); n = 1 + r.nextInt(8); k = 1 + r.nextInt(8); block = 1 + r.nextInt(m); }
        else if (sizes == 1) { m = 20 + r.nextInt(21); n = 4 + r.nextInt(5); k = 4 + r.nextInt(5); block = 1 + r.nextInt(4); }
        else { m = 1 + r.nextInt(40); n = 1 + r.nextInt(70); k = 1 + r.nextInt(900); block = 1 + r.nextInt(m); }
        float[] a = gauss(r, m * k), b = gauss(r, k * n), c0 = gauss(r, m * n);
        int lda = form == Gemm.Form.TN ? m : k, ldb = form == Gemm.Form.NT ? k : n;
        float[] whole = c0.clone();
        Gemm.sgemm(form, m, n, k, a, 0, lda, b, 0, ldb, whole, 0, n, accumulate);
        float[] part = new float[block * n];
        int compared = 0;
        for (int r0 = 0; r0 < m; r0 += block) {
            int nr = Math.min(block, m - r0);
            System.arraycopy(c0, r0 * n, part, 0, nr * n);
            Gemm.sgemmRows(form, m, r0, nr, n, k, a, 0, lda, b, 0, ldb, part, 0, n, accumulate);
            for (int i = 0; i < nr * n; i++, compared++) {
                assertEquals(Float.floatToRawIntBits(whole[r0 * n + i]), Float.floatToRawIntBits(part[i]),
                        form + " " + m + "×" + n + "×" + k + (accumulate ? " accumulating" : "") + ", blocks of " + block
                                + ": row " + (r0 + i / n) + " column " + i % n);
            }
        }
        assertEquals(m * n, compared);
        if ((long) m * n * k <= 512) scalarProducts++;
        else if ((long) block * n * k <= 512) vectorProductsWithTinyBlocks++;
    }

    private static float[] gauss(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }
}
