package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import saelab.tensor.Props;

/**
 * The bf16 GEMM against the float32 oracle run on the widened (bf16-valued) operand: both sum the
 * same k products in float32, in different orders, so the bound of {@link GemmCheck} applies
 * unchanged. Covers both paths (m ≤ {@link Bf16Gemm#GEMV_MAX_ROWS} dot products, larger m packed),
 * odd byte offsets (mapped weights need not be aligned), padded rows, heap, confined and shared
 * segments.
 */
class Bf16GemmProperties {

    /** A bf16 product: sizes, B's byte offset, row padding, where B lives, accumulation, a data seed. */
    record Case(int m, int n, int k, int byteOff, int pad, Storage storage, boolean accumulate, long seed) {}

    /** m, n, k from {@link GemmCheck#dims()} (0 to 300, mostly small), byte offset 0..7, padding 0..5. */
    @Test
    void equalsFloatGemmOnWidenedOperand() {
        Gen<Integer> dim = GemmCheck.dims(), offsets = Props.ints(0, 7), pads = Props.ints(0, 5);
        Gen<Storage> storages = Props.oneOf(Storage.class);
        Gen<Boolean> flags = Props.bools();
        Gen<Long> seeds = Props.seeds();
        Gen<Case> cases = in -> new Case(dim.generate(in), dim.generate(in), dim.generate(in), offsets.generate(in),
                pads.generate(in), storages.generate(in), flags.generate(in), seeds.generate(in));
        Props.qt(7311, 150).forAll(cases).checkAssert(Bf16GemmProperties::check);
    }

    /** The few-rows path (m 1..4) with enough work to be split over threads (n 200..700, k 300..700). */
    @Test
    void gemvEqualsFloatGemm() {
        Gen<Integer> ms = Props.ints(1, 4), ns = Props.ints(200, 700), ks = Props.ints(300, 700), offsets = Props.ints(0, 3);
        Gen<Storage> storages = Props.oneOf(Storage.class);
        Gen<Boolean> flags = Props.bools();
        Gen<Long> seeds = Props.seeds();
        Gen<Case> cases = in -> new Case(ms.generate(in), ns.generate(in), ks.generate(in), offsets.generate(in), 1,
                storages.generate(in), flags.generate(in), seeds.generate(in));
        Props.qt(7312, 30).forAll(cases).checkAssert(Bf16GemmProperties::check);
    }

    /** The scalar twin is the float32 scalar loop on widened values, bit for bit (same order). */
    @Test
    void scalarTwinEqualsScalarFloatGemmExactly() {
        // m, n 0..9, k 0..40.
        Props.qt(7313, 60).forAll(Props.ints(0, 9), Props.ints(0, 9), Props.ints(0, 40), Props.seeds())
                .checkAssert(Bf16GemmProperties::scalarTwinExact);
    }

    private static void scalarTwinExact(int m, int n, int k, long seed) {
        Random r = new Random(seed);
        float[] a = GemmCheck.random(r, m * k);
        float[] bf = new float[n * k];
        MemorySegment b = MemorySegment.ofArray(new byte[2 * n * k + 1]);
        fillBf16(r, b, 1, bf, n, k, k);
        float[] want = new float[m * n], got = new float[m * n];
        ScalarGemm.sgemm(Gemm.Form.NT, m, n, k, a, 0, k, bf, 0, k, want, 0, n, false);
        ScalarBf16Gemm.gemmNT(m, n, k, a, 0, k, b, 1, k, got, 0, n, false);
        for (int x = 0; x < got.length; x++) {
            assertEquals(Float.floatToRawIntBits(want[x]), Float.floatToRawIntBits(got[x]), "C index " + x);
        }
    }

    /** Where B lives: a confined arena's segment must be read on the calling thread only. */
    enum Storage { HEAP, CONFINED, SHARED }

    private static void check(Case t) {
        int m = t.m(), n = t.n(), k = t.k(), byteOff = t.byteOff(), pad = t.pad();
        Storage storage = t.storage();
        boolean accumulate = t.accumulate();
        long seed = t.seed();
        Random r = new Random(seed);
        int lda = k + pad % 3, ldb = k + pad, ldc = n + (pad + 1) % 4;
        int aOff = pad, cOff = (pad + 3) % 5;
        float[] a = GemmCheck.random(r, GemmCheck.extent(aOff, m, k, lda));
        int bElems = GemmCheck.extent(0, n, k, ldb);
        float[] bf = new float[bElems];
        try (Arena arena = storage == Storage.SHARED ? Arena.ofShared() : Arena.ofConfined()) {
            long bytes = byteOff + 2L * bElems;
            MemorySegment b = storage == Storage.HEAP ? MemorySegment.ofArray(new byte[(int) bytes])
                    : arena.allocate(Math.max(1, bytes));
            fillBf16(r, b, byteOff, bf, n, k, ldb);
            float[] c0 = GemmCheck.random(r, GemmCheck.extent(cOff, m, n, ldc) + 2);
            float[] got = c0.clone(), want = c0.clone();
            Bf16Gemm.gemmNT(m, n, k, a, aOff, lda, b, byteOff, ldb, got, cOff, ldc, accumulate);
            ScalarGemm.sgemm(Gemm.Form.NT, m, n, k, a, aOff, lda, bf, 0, ldb, want, cOff, ldc, accumulate);
            boolean[] inside = new boolean[c0.length];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int ci = cOff + i * ldc + j;
                    inside[ci] = true;
                    double mag = GemmCheck.magnitude(Gemm.Form.NT, i, j, k, a, aOff, lda, bf, 0, ldb)
                            + (accumulate ? Math.abs(c0[ci]) : 0);
                    GemmCheck.assertClose("bf16 " + m + "x" + n + "x" + k + " C[" + i + "][" + j + "]",
                            got[ci], want[ci], k + 1, mag);
                }
            }
            for (int x = 0; x < c0.length; x++) {
                if (!inside[x]) assertEquals(c0[x], got[x], "wrote outside C at array index " + x);
            }
        }
    }

    /** Random finite bf16s (floats in [-1, 1) and a few integers, truncated) into seg and, widened, into bf. */
    private static void fillBf16(Random r, MemorySegment seg, long byteOff, float[] bf, int n, int k, int ldb) {
        float[] src = GemmCheck.random(r, bf.length);
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < k; p++) {
                int e = j * ldb + p;
                short bits = (short) (Float.floatToRawIntBits(src[e]) >>> 16);
                seg.set(Bf16.LE_SHORT, byteOff + 2L * e, bits);
                bf[e] = Float.intBitsToFloat(bits << 16);
            }
        }
    }
}
