package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The vector GEMM ({@link VectorGemm}, and {@link Gemm} which dispatches to it) against the
 * scalar oracle, for all three forms, with shapes that hit the tails of the register tile
 * (MR = 8 rows, NR = 3 vectors), empty dimensions, offsets and padded leading dimensions.
 * Tolerances are explained in {@link GemmCheck}. Seeds are fixed; jqwik prints the seed and the
 * shrunk sample when a property fails.
 */
class GemmProperties {

    @Provide
    Arbitrary<Integer> dim() {
        return GemmCheck.dims();
    }

    @Property(tries = 200, seed = "7301")
    void vectorEqualsScalar(@ForAll Gemm.Form form, @ForAll("dim") int m, @ForAll("dim") int n,
                            @ForAll("dim") int k, @ForAll @IntRange(max = 7) int offset,
                            @ForAll @IntRange(max = 5) int pad, @ForAll boolean accumulate,
                            @ForAll long seed) {
        Case t = new Case(form, m, n, k, offset, pad, seed);
        t.check("Gemm", accumulate, (c) -> Gemm.sgemm(form, m, n, k, t.a, t.aOff, t.lda, t.b, t.bOff, t.ldb,
                c, t.cOff, t.ldc, accumulate));
        if (m > 0 && n > 0 && k > 0) {
            // Directly, so that tiny shapes (which Gemm sends to the scalar loop) exercise the tails too.
            t.check("VectorGemm", accumulate, (c) -> VectorGemm.sgemm(form, m, n, k, t.a, t.aOff, t.lda,
                    t.b, t.bOff, t.ldb, c, t.cOff, t.ldc, accumulate));
        }
    }

    /** Shapes past the default blocks (kc = 768, mc = 96) and wide enough to split over 1 to 3 threads. */
    @Property(tries = 25, seed = "7302")
    void vectorEqualsScalarAcrossBlocks(@ForAll Gemm.Form form, @ForAll @IntRange(min = 100, max = 290) int m,
                                        @ForAll @IntRange(min = 1, max = 230) int n,
                                        @ForAll @IntRange(min = 200, max = 1000) int k,
                                        @ForAll @IntRange(min = 1, max = 3) int threads,
                                        @ForAll boolean accumulate, @ForAll long seed) {
        Case t = new Case(form, m, n, k, 3, 1, seed);
        int saved = Parallel.parallelism();
        Parallel.setParallelism(threads);
        try {
            t.check("VectorGemm threads=" + threads, accumulate, (c) -> VectorGemm.sgemm(form, m, n, k,
                    t.a, t.aOff, t.lda, t.b, t.bOff, t.ldb, c, t.cOff, t.ldc, accumulate));
        } finally {
            Parallel.setParallelism(saved);
        }
    }

    /** Tiny block sizes, so that modest shapes run every level of the loop nest many times. */
    @Property(tries = 60, seed = "7303")
    void anyBlockingGivesTheSameProduct(@ForAll Gemm.Form form, @ForAll @IntRange(min = 1, max = 90) int m,
                                        @ForAll @IntRange(min = 1, max = 150) int n,
                                        @ForAll @IntRange(min = 1, max = 120) int k,
                                        @ForAll @IntRange(min = 1, max = 40) int kc, @ForAll @IntRange(min = 1, max = 40) int mc,
                                        @ForAll @IntRange(min = 1, max = 120) int nc,
                                        @ForAll boolean accumulate, @ForAll long seed) {
        Case t = new Case(form, m, n, k, 1, 2, seed);
        VectorGemm.Blocking blocking = new VectorGemm.Blocking(kc, mc, nc);
        t.check("VectorGemm " + blocking, accumulate, (c) -> VectorGemm.sgemm(form, m, n, k,
                t.a, t.aOff, t.lda, t.b, t.bOff, t.ldb, c, t.cOff, t.ldc, accumulate, blocking));
    }

    /** One random problem: operands with offsets and padded rows, and C with sentinel padding. */
    static final class Case {
        final Gemm.Form form;
        final int m, n, k, aOff, lda, bOff, ldb, cOff, ldc;
        final float[] a, b, c0;

        Case(Gemm.Form form, int m, int n, int k, int offset, int pad, long seed) {
            this.form = form;
            this.m = m;
            this.n = n;
            this.k = k;
            Random r = new Random(seed);
            int aRows = form == Gemm.Form.TN ? k : m, aCols = form == Gemm.Form.TN ? m : k;
            int bRows = form == Gemm.Form.NT ? n : k, bCols = form == Gemm.Form.NT ? k : n;
            aOff = offset;
            lda = aCols + pad;
            bOff = (offset * 3) % 5;
            ldb = bCols + (pad + 1) % 4;
            cOff = (offset + 2) % 6;
            ldc = n + pad % 3;
            a = GemmCheck.random(r, GemmCheck.extent(aOff, aRows, aCols, lda));
            b = GemmCheck.random(r, GemmCheck.extent(bOff, bRows, bCols, ldb));
            // The whole of C, padding included, starts random: untouched cells must keep it.
            c0 = GemmCheck.random(r, GemmCheck.extent(cOff, m, n, ldc) + 3);
        }

        void check(String what, boolean accumulate, java.util.function.Consumer<float[]> product) {
            float[] got = c0.clone();
            float[] want = c0.clone();
            product.accept(got);
            ScalarGemm.sgemm(form, m, n, k, a, aOff, lda, b, bOff, ldb, want, cOff, ldc, accumulate);
            boolean[] inside = new boolean[c0.length];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int ci = cOff + i * ldc + j;
                    inside[ci] = true;
                    double mag = GemmCheck.magnitude(form, i, j, k, a, aOff, lda, b, bOff, ldb)
                            + (accumulate ? Math.abs(c0[ci]) : 0);
                    GemmCheck.assertClose(what + " " + form + " " + m + "x" + n + "x" + k + " C[" + i + "][" + j + "]",
                            got[ci], want[ci], k + 1, mag);
                }
            }
            for (int x = 0; x < c0.length; x++) {
                if (!inside[x]) assertEquals(c0[x], got[x], what + " wrote outside C at array index " + x);
            }
        }
    }
}
