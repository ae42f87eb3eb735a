package saelab.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tile of {@link VectorGemm}: an MR×NR block of C updated with kc rank-1 steps from
 * packed panels, in one of two shapes ({@link Tile}) chosen for the machine's vector registers.
 *
 * <p>Why 8×3 (8 rows by 3 vectors): 24 accumulators + 3 B vectors + 1 broadcast A value = 28 of the
 * 32 vector registers of AVX-512 (and of NEON and SVE), leaving C2 room without spilling. Each
 * step does 24 FMAs for 3 vector loads and 8 broadcasts, comfortably inside Zen 5's two loads per
 * cycle while the two FMA pipes stay busy, and 24 independent chains hide the FMA latency (4 cycles
 * × 2 pipes needs at least 8).
 *
 * <p>Measured with panels in L1 on one Zen 5 core (JDK 25, 16-lane vectors): 8×3 runs at ~210
 * GFLOP/s, the core's FMA peak; 12×2, 14×2 and 6×4 the same within 2%; 4×6 and 6×2 ~170.
 * Among the peers 8×3 fits saelab's shapes best: 128-row batches split into whole 8-row tiles
 * (12 would pad 128 to 132) and 48 divides 2304 and 9216.
 *
 * <p>Why 4×2 where there are 16 registers (x86 without AVX-512: C2 then emits AVX2 code, ymm0-15):
 * 8×3 spills its accumulators to the stack there. {@code bench gemm} under {@code -XX:UseAVX=2} on a
 * Zen 5 (2 threads, 8 lanes), 2048×2304×16384 and the others: 8×3 120-142 GFLOP/s, 4×2 165-236.
 * Shapes with more accumulators ran faster in a small harness (5×2 127-133 on one thread, 4×2 127,
 * 3×3 130, the core's AVX2 peak ~141) but not reliably inside the GEMM: C2 may hoist a step's
 * broadcasts all at once, and 10 accumulators + 2 B vectors + 5 broadcasts are 17 values. In the
 * code it emitted for 5×2 two accumulators lived on the stack, loaded and stored at every step, and
 * whole runs took 85-98 GFLOP/s (which runs did depended on what the JVM compiled first; 3×3 too:
 * 144-179). 4×2 needs at most 8 + 2 + 4 = 14, so it has no such mode; its 8 chains are just what
 * the FMA latency needs (4 cycles × 2 pipes), and its 2 loads and 4 broadcasts a step fit two load
 * ports. 16 divides the widths saelab meets (2304, 9216, 16384), 4 the usual batch sizes.
 *
 * <p>Both shapes compute every C element as the same fma chain over p, starting from C when adding:
 * the shape never changes a bit of the result ({@code GemmProperties}).
 *
 * <p>The accumulators are named locals rather than an array: C2 keeps locals in registers,
 * while an array of vectors would be boxed and reloaded on every step. For the same reason
 * nothing after the loop passes them to a helper: a first version storing rows through a helper
 * ran at 13 GFLOP/s, because C2 hit its inlining node limit and boxed the vectors.
 *
 * <p>Packed layouts (see {@link GemmPacking}): the A sliver holds, for each p, the MR values
 * A[i..i+MR)[p] contiguously; the B sliver holds, for each p, the NR values B[p][j..j+NR).
 */
final class MicroKernel {
    private MicroKernel() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();

    /** A register tile's shape: {@code mr} rows of C by {@code nr} columns ({@code nr / VL} vectors). */
    enum Tile {
        EIGHT_BY_THREE(8, 3), FOUR_BY_TWO(4, 2);

        final int mr, nr;

        Tile(int mr, int vectors) {
            this.mr = mr;
            this.nr = vectors * VL;
        }

        /**
         * The tile for this machine: 4×2 where C2 has 16 vector registers, else 8×3. For tuning,
         * {@code -Dsaelab.gemm.tile=8x3|4x2} chooses; another value is ignored, as an unparsable
         * {@code saelab.gemm.kc} is ({@code bench gemm} prints the tile that ran).
         */
        static final Tile PREFERRED = preferred(System.getProperty("saelab.gemm.tile"));

        static Tile preferred(String forced) {
            for (Tile t : values()) if (t.toString().equals(forced)) return t;
            return VectorOps.registers() >= 32 ? EIGHT_BY_THREE : FOUR_BY_TWO;
        }

        @Override
        public String toString() {
            return mr + "x" + nr / VL;
        }

        /** Floats of the largest tile: the size of an edge scratch tile that serves every shape. */
        static int maxFloats() {
            int most = 0;
            for (Tile t : values()) most = Math.max(most, t.mr * t.nr);
            return most;
        }
    }

    /**
     * C[0..mr)[0..nr) at {@code c[cIdx + r*ldc + j]} becomes (add ? C : 0) + Σ_p a_p ⊗ b_p, for
     * the given tile's shape. The whole tile must lie inside C; edge tiles go through a scratch
     * tile (see VectorGemm).
     */
    static void tile(Tile shape, int kc, float[] ap, int aBase, float[] bp, int bBase,
                     float[] c, int cIdx, int ldc, boolean add) {
        if (shape == Tile.FOUR_BY_TWO) tile4x2(kc, ap, aBase, bp, bBase, c, cIdx, ldc, add);
        else tile8x3(kc, ap, aBase, bp, bBase, c, cIdx, ldc, add);
    }

    /** The 8×3 tile (MR 8, NR 3 vectors). */
    static void tile8x3(int kc, float[] ap, int aBase, float[] bp, int bBase,
                     float[] c, int cIdx, int ldc, boolean add) {
        // Start from C when adding (a masked load: all lanes, or none, giving zeros), so the loop's
        // result is stored as is. No helper call takes vectors after the loop: C2 stops inlining
        // in a method this size and would box them.
        VectorMask<Float> keep = S.maskAll(add);
        int r0 = cIdx;
        int r1 = cIdx + 1 * ldc;
        int r2 = cIdx + 2 * ldc;
        int r3 = cIdx + 3 * ldc;
        int r4 = cIdx + 4 * ldc;
        int r5 = cIdx + 5 * ldc;
        int r6 = cIdx + 6 * ldc;
        int r7 = cIdx + 7 * ldc;
        FloatVector c00 = FloatVector.fromArray(S, c, r0, keep), c01 = FloatVector.fromArray(S, c, r0 + VL, keep),
                c02 = FloatVector.fromArray(S, c, r0 + 2 * VL, keep);
        FloatVector c10 = FloatVector.fromArray(S, c, r1, keep), c11 = FloatVector.fromArray(S, c, r1 + VL, keep),
                c12 = FloatVector.fromArray(S, c, r1 + 2 * VL, keep);
        FloatVector c20 = FloatVector.fromArray(S, c, r2, keep), c21 = FloatVector.fromArray(S, c, r2 + VL, keep),
                c22 = FloatVector.fromArray(S, c, r2 + 2 * VL, keep);
        FloatVector c30 = FloatVector.fromArray(S, c, r3, keep), c31 = FloatVector.fromArray(S, c, r3 + VL, keep),
                c32 = FloatVector.fromArray(S, c, r3 + 2 * VL, keep);
        FloatVector c40 = FloatVector.fromArray(S, c, r4, keep), c41 = FloatVector.fromArray(S, c, r4 + VL, keep),
                c42 = FloatVector.fromArray(S, c, r4 + 2 * VL, keep);
        FloatVector c50 = FloatVector.fromArray(S, c, r5, keep), c51 = FloatVector.fromArray(S, c, r5 + VL, keep),
                c52 = FloatVector.fromArray(S, c, r5 + 2 * VL, keep);
        FloatVector c60 = FloatVector.fromArray(S, c, r6, keep), c61 = FloatVector.fromArray(S, c, r6 + VL, keep),
                c62 = FloatVector.fromArray(S, c, r6 + 2 * VL, keep);
        FloatVector c70 = FloatVector.fromArray(S, c, r7, keep), c71 = FloatVector.fromArray(S, c, r7 + VL, keep),
                c72 = FloatVector.fromArray(S, c, r7 + 2 * VL, keep);
        for (int p = 0; p < kc; p++) {
            // Indices are linear in p so that C2 can hoist the bounds checks out of the loop.
            int ai = aBase + p * 8;
            int bi = bBase + p * 3 * VL;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * VL);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01); c02 = a.fma(b2, c02);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11); c12 = a.fma(b2, c12);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21); c22 = a.fma(b2, c22);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31); c32 = a.fma(b2, c32);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41); c42 = a.fma(b2, c42);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a.fma(b0, c50); c51 = a.fma(b1, c51); c52 = a.fma(b2, c52);
            a = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a.fma(b0, c60); c61 = a.fma(b1, c61); c62 = a.fma(b2, c62);
            a = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a.fma(b0, c70); c71 = a.fma(b1, c71); c72 = a.fma(b2, c72);
        }
        c00.intoArray(c, r0); c01.intoArray(c, r0 + VL); c02.intoArray(c, r0 + 2 * VL);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + VL); c12.intoArray(c, r1 + 2 * VL);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + VL); c22.intoArray(c, r2 + 2 * VL);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + VL); c32.intoArray(c, r3 + 2 * VL);
        c40.intoArray(c, r4); c41.intoArray(c, r4 + VL); c42.intoArray(c, r4 + 2 * VL);
        c50.intoArray(c, r5); c51.intoArray(c, r5 + VL); c52.intoArray(c, r5 + 2 * VL);
        c60.intoArray(c, r6); c61.intoArray(c, r6 + VL); c62.intoArray(c, r6 + 2 * VL);
        c70.intoArray(c, r7); c71.intoArray(c, r7 + VL); c72.intoArray(c, r7 + 2 * VL);
    }

    /** The 4×2 tile (MR 4, NR 2 vectors): {@link #tile8x3}'s loop for 16 vector registers. */
    static void tile4x2(int kc, float[] ap, int aBase, float[] bp, int bBase,
                        float[] c, int cIdx, int ldc, boolean add) {
        VectorMask<Float> keep = S.maskAll(add);
        int r0 = cIdx + 0 * ldc;
        int r1 = cIdx + 1 * ldc;
        int r2 = cIdx + 2 * ldc;
        int r3 = cIdx + 3 * ldc;
        FloatVector c00 = FloatVector.fromArray(S, c, r0, keep), c01 = FloatVector.fromArray(S, c, r0 + VL, keep);
        FloatVector c10 = FloatVector.fromArray(S, c, r1, keep), c11 = FloatVector.fromArray(S, c, r1 + VL, keep);
        FloatVector c20 = FloatVector.fromArray(S, c, r2, keep), c21 = FloatVector.fromArray(S, c, r2 + VL, keep);
        FloatVector c30 = FloatVector.fromArray(S, c, r3, keep), c31 = FloatVector.fromArray(S, c, r3 + VL, keep);
        for (int p = 0; p < kc; p++) {
            int ai = aBase + p * 4;
            int bi = bBase + p * 2 * VL;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
        }
        c00.intoArray(c, r0); c01.intoArray(c, r0 + VL);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + VL);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + VL);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + VL);
    }

}
