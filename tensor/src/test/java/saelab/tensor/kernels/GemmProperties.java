package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import saelab.tensor.Props;

/**
 * The vector GEMM ({@link VectorGemm}, and {@link Gemm} which dispatches to it) against the
 * scalar oracle, for all three forms, with shapes that hit the tails of the register tiles
 * (8 rows by 3 vectors, and 4 by 2 where there are 16 vector registers), empty dimensions, offsets
 * and padded leading dimensions.
 * Tolerances are explained in {@link GemmCheck}. Seeds are fixed; QuickTheories prints the seed
 * and the shrunk sample when a property fails.
 */
class GemmProperties {

    /** A product's form and sizes, operand offset and row padding, whether C accumulates, a data seed. */
    record Sizes(Gemm.Form form, int m, int n, int k, int offset, int pad, boolean accumulate, long seed) {}

    /** m, n, k from {@link GemmCheck#dims()} (0 to 300, mostly small), offset 0..7, padding 0..5. */
    private static Gen<Sizes> shapes() {
        Gen<Gemm.Form> forms = Props.oneOf(Gemm.Form.class);
        Gen<Integer> dim = GemmCheck.dims(), offsets = Props.ints(0, 7), pads = Props.ints(0, 5);
        Gen<Boolean> flags = Props.bools();
        Gen<Long> seeds = Props.seeds();
        return in -> new Sizes(forms.generate(in), dim.generate(in), dim.generate(in), dim.generate(in),
                offsets.generate(in), pads.generate(in), flags.generate(in), seeds.generate(in));
    }

    @Test
    void vectorEqualsScalar() {
        Props.qt(7301, 200).forAll(shapes()).checkAssert(s -> {
            Gemm.Form form = s.form();
            int m = s.m(), n = s.n(), k = s.k();
            boolean accumulate = s.accumulate();
            Case t = new Case(form, m, n, k, s.offset(), s.pad(), s.seed());
            t.check("Gemm", accumulate, (c) -> Gemm.sgemm(form, m, n, k, t.a, t.aOff, t.lda, t.b, t.bOff, t.ldb,
                    c, t.cOff, t.ldc, accumulate));
            if (m > 0 && n > 0 && k > 0) {
                // Directly, so that tiny shapes (which Gemm sends to the scalar loop) exercise the tails too.
                t.check("VectorGemm", accumulate, (c) -> VectorGemm.sgemm(form, m, n, k, t.a, t.aOff, t.lda,
                        t.b, t.bOff, t.ldb, c, t.cOff, t.ldc, accumulate));
            }
        });
    }

    /** A large product split over 1 to 3 threads. */
    record Threaded(Gemm.Form form, int m, int n, int k, int threads, boolean accumulate, long seed) {}

    /** Shapes past the default blocks (kc = 768, mc = 96) and wide enough to split over 1 to 3 threads. */
    @Test
    void vectorEqualsScalarAcrossBlocks() {
        Gen<Gemm.Form> forms = Props.oneOf(Gemm.Form.class);
        Gen<Integer> ms = Props.ints(100, 290), ns = Props.ints(1, 230), ks = Props.ints(200, 1000), threadCounts = Props.ints(1, 3);
        Gen<Boolean> flags = Props.bools();
        Gen<Long> seeds = Props.seeds();
        Gen<Threaded> cases = in -> new Threaded(forms.generate(in), ms.generate(in), ns.generate(in), ks.generate(in),
                threadCounts.generate(in), flags.generate(in), seeds.generate(in));
        Props.qt(7302, 25).forAll(cases).checkAssert(s -> {
            Gemm.Form form = s.form();
            int m = s.m(), n = s.n(), k = s.k(), threads = s.threads();
            boolean accumulate = s.accumulate();
            Case t = new Case(form, m, n, k, 3, 1, s.seed());
            int saved = Parallel.parallelism();
            Parallel.setParallelism(threads);
            try {
                t.check("VectorGemm threads=" + threads, accumulate, (c) -> VectorGemm.sgemm(form, m, n, k,
                        t.a, t.aOff, t.lda, t.b, t.bOff, t.ldb, c, t.cOff, t.ldc, accumulate));
            } finally {
                Parallel.setParallelism(saved);
            }
        });
    }

    /** A product under explicit block sizes and register tile. */
    record Blocked(Gemm.Form form, int m, int n, int k, int kc, int mc, int nc, MicroKernel.Tile tile, boolean accumulate, long seed) {}

    /** Tiny block sizes (kc, mc 1..40, nc 1..120), so that modest shapes (m 1..90, n 1..150, k 1..120) run every level of the loop nest many times. */
    private static Gen<Blocked> blockedCases() {
        Gen<Gemm.Form> forms = Props.oneOf(Gemm.Form.class);
        Gen<Integer> ms = Props.ints(1, 90), ns = Props.ints(1, 150), ks = Props.ints(1, 120);
        Gen<Integer> kcs = Props.ints(1, 40), mcs = Props.ints(1, 40), ncs = Props.ints(1, 120);
        Gen<MicroKernel.Tile> tiles = Props.oneOf(MicroKernel.Tile.class);
        Gen<Boolean> flags = Props.bools();
        Gen<Long> seeds = Props.seeds();
        return in -> new Blocked(forms.generate(in), ms.generate(in), ns.generate(in), ks.generate(in),
                kcs.generate(in), mcs.generate(in), ncs.generate(in), tiles.generate(in), flags.generate(in), seeds.generate(in));
    }

    @Test
    void anyBlockingGivesTheSameProduct() {
        Props.qt(7303, 60).forAll(blockedCases()).checkAssert(s -> {
            Gemm.Form form = s.form();
            int m = s.m(), n = s.n(), k = s.k();
            boolean accumulate = s.accumulate();
            Case t = new Case(form, m, n, k, 1, 2, s.seed());
            VectorGemm.Blocking blocking = new VectorGemm.Blocking(s.kc(), s.mc(), s.nc(), s.tile());
            t.check("VectorGemm " + blocking, accumulate, (c) -> VectorGemm.sgemm(form, m, n, k,
                    t.a, t.aOff, t.lda, t.b, t.bOff, t.ldb, c, t.cOff, t.ldc, accumulate, blocking));
        });
    }

    /**
     * The register tile's shape never changes a bit: each C element is the same fma chain over the
     * inner dimension whichever tile holds it, so a machine with 16 vector registers (4×2) computes
     * what one with 32 (8×3) does. Every case runs both tiles under the same blocking.
     */
    @Test
    void everyTileComputesTheSameBits() {
        int[] bothFull = {0};
        Props.qt(7304, 60).forAll(blockedCases()).checkAssert(s -> {
            Gemm.Form form = s.form();
            int m = s.m(), n = s.n(), k = s.k();
            Case t = new Case(form, m, n, k, 1, 2, s.seed());
            float[][] results = new float[MicroKernel.Tile.values().length][];
            for (MicroKernel.Tile tile : MicroKernel.Tile.values()) {
                VectorGemm.Blocking blocking = new VectorGemm.Blocking(s.kc(), s.mc(), s.nc(), tile);
                float[] c = t.c0.clone();
                VectorGemm.sgemm(form, m, n, k, t.a, t.aOff, t.lda, t.b, t.bOff, t.ldb, c, t.cOff, t.ldc, s.accumulate(), blocking);
                results[tile.ordinal()] = c;
            }
            for (int other = 1; other < results.length; other++) {
                for (int i = 0; i < t.c0.length; i++) {
                    assertEquals(Float.floatToRawIntBits(results[0][i]), Float.floatToRawIntBits(results[other][i]),
                            form + " " + m + "x" + n + "x" + k + ": C element " + i + " under " + MicroKernel.Tile.values()[0] + " and " + MicroKernel.Tile.values()[other]);
                }
            }
            if (m >= 8 && n >= 3 * MicroKernel.VL) bothFull[0]++;
        });
        // Both kernels ran whole tiles (not only the edge path) in a good share of the cases.
        org.junit.jupiter.api.Assertions.assertTrue(bothFull[0] >= 10, "cases with whole tiles of both shapes: " + bothFull[0]);
    }

    /** The tile follows the registers (4×2 with 16, 8×3 with 32) unless saelab.gemm.tile names one; other names are ignored. */
    @Test
    void theTileFollowsTheRegistersUnlessNamed() {
        MicroKernel.Tile machine = VectorOps.registers() >= 32 ? MicroKernel.Tile.EIGHT_BY_THREE : MicroKernel.Tile.FOUR_BY_TWO;
        assertEquals(machine, MicroKernel.Tile.preferred(null));
        assertEquals(machine, MicroKernel.Tile.preferred("9x9"));
        assertEquals(MicroKernel.Tile.EIGHT_BY_THREE, MicroKernel.Tile.preferred("8x3"));
        assertEquals(MicroKernel.Tile.FOUR_BY_TWO, MicroKernel.Tile.preferred("4x2"));
        assertEquals(8, MicroKernel.Tile.EIGHT_BY_THREE.mr);
        assertEquals(2 * MicroKernel.VL, MicroKernel.Tile.FOUR_BY_TWO.nr);
        if (System.getProperty("saelab.gemm.tile") == null) assertEquals(machine, MicroKernel.Tile.PREFERRED);
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
