package saelab.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * In-register transpose of a 16×16 float block, for packing operands whose stored layout is the
 * transpose of the panel layout (B in the NT form, bf16 weights). Only for 16-lane vectors
 * (AVX-512); {@link #AVAILABLE} says whether it applies, callers fall back to a scalar copy.
 *
 * <p>Why: a scalar transposing copy costs ~1.4 cycles per element, which for a 128-row product is
 * a third of the multiply time; this one costs ~0.6 (16 loads, 64 two-source permutes, 16 stores
 * per 256 elements, measured on Zen 5 with the source in L3).
 *
 * <p>How: four butterfly stages; stage w (w = 1, 2, 4, 8) swaps bit w of the row index with bit w
 * of the lane index between rows i and i+w (i with bit w clear):
 * lo[l] = (l & w) == 0 ? x[l] : y[l - w] and hi[l] = (l & w) == 0 ? x[l + w] : y[l], each a
 * two-vector {@code selectFrom}. After all four stages row q holds column q. The 16 rows are
 * named locals so that C2 keeps them in registers.
 */
final class BlockTranspose {
    private BlockTranspose() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final boolean AVAILABLE = S.length() == 16;

    private static final VectorMask<Float> LOW_HALF = AVAILABLE ? S.indexInRange(0, 8) : null;
    private static final VectorMask<Float> HIGH_HALF = AVAILABLE ? S.indexInRange(0, 8).not() : null;
    private static final FloatVector LO1 = index(1, true), HI1 = index(1, false);
    private static final FloatVector LO2 = index(2, true), HI2 = index(2, false);
    private static final FloatVector LO4 = index(4, true), HI4 = index(4, false);
    private static final FloatVector LO8 = index(8, true), HI8 = index(8, false);

    /** Lane indices into the concatenation (x, y) for one butterfly stage (see class comment). */
    private static FloatVector index(int w, boolean lo) {
        if (!AVAILABLE) return null;
        float[] idx = new float[16];
        for (int l = 0; l < 16; l++) {
            boolean low = (l & w) == 0;
            idx[l] = lo ? (low ? l : 16 + l - w) : (low ? l + w : 16 + l);
        }
        return FloatVector.fromArray(S, idx, 0);
    }

    /**
     * Transposes {@code blocks} consecutive 16×16 blocks of 16 rows: row r at {@code src[s + r*lds]},
     * block b covering its floats [16b, 16b+16). Column q of block b (16 values, one per row)
     * goes to {@code dst[d + (16b + q)*ldd .. +16)}.
     */
    static void transpose16(float[] src, int s, int lds, int blocks, float[] dst, int d, int ldd) {
        transpose16(src, s, lds, blocks, dst, d, ldd, d + 8);
    }

    /**
     * As above, but the two halves of each column go to different places: rows 0..7 of column
     * 16b + q to {@code dst[d + (16b + q)*ldd .. +8)}, rows 8..15 to {@code dst[dHigh + (16b + q)*ldd
     * .. +8)}. Packing A uses this to fill two MR = 8 row slivers from one 16-row strip.
     *
     * <p>The loop over blocks is inside so that the method has a back edge: it is too large for
     * C1 ("out of virtual registers"), and without a loop C2 would only pick it up after thousands
     * of interpreted calls, each costing tens of microseconds.
     */
    static void transpose16(float[] src, int s, int lds, int blocks, float[] dst, int d, int ldd, int dHigh) {
        boolean split = dHigh != d + 8;
        for (int blk = 0; blk < blocks; blk++) {
            int sb = s + 16 * blk, db = d + 16 * blk * ldd, hb = dHigh + 16 * blk * ldd - 8;
            FloatVector v0 = FloatVector.fromArray(S, src, sb);
            FloatVector v1 = FloatVector.fromArray(S, src, sb + 1 * lds);
            FloatVector v2 = FloatVector.fromArray(S, src, sb + 2 * lds);
            FloatVector v3 = FloatVector.fromArray(S, src, sb + 3 * lds);
            FloatVector v4 = FloatVector.fromArray(S, src, sb + 4 * lds);
            FloatVector v5 = FloatVector.fromArray(S, src, sb + 5 * lds);
            FloatVector v6 = FloatVector.fromArray(S, src, sb + 6 * lds);
            FloatVector v7 = FloatVector.fromArray(S, src, sb + 7 * lds);
            FloatVector v8 = FloatVector.fromArray(S, src, sb + 8 * lds);
            FloatVector v9 = FloatVector.fromArray(S, src, sb + 9 * lds);
            FloatVector v10 = FloatVector.fromArray(S, src, sb + 10 * lds);
            FloatVector v11 = FloatVector.fromArray(S, src, sb + 11 * lds);
            FloatVector v12 = FloatVector.fromArray(S, src, sb + 12 * lds);
            FloatVector v13 = FloatVector.fromArray(S, src, sb + 13 * lds);
            FloatVector v14 = FloatVector.fromArray(S, src, sb + 14 * lds);
            FloatVector v15 = FloatVector.fromArray(S, src, sb + 15 * lds);
            FloatVector t;
            t = LO1.selectFrom(v0, v1); v1 = HI1.selectFrom(v0, v1); v0 = t;
            t = LO1.selectFrom(v2, v3); v3 = HI1.selectFrom(v2, v3); v2 = t;
            t = LO1.selectFrom(v4, v5); v5 = HI1.selectFrom(v4, v5); v4 = t;
            t = LO1.selectFrom(v6, v7); v7 = HI1.selectFrom(v6, v7); v6 = t;
            t = LO1.selectFrom(v8, v9); v9 = HI1.selectFrom(v8, v9); v8 = t;
            t = LO1.selectFrom(v10, v11); v11 = HI1.selectFrom(v10, v11); v10 = t;
            t = LO1.selectFrom(v12, v13); v13 = HI1.selectFrom(v12, v13); v12 = t;
            t = LO1.selectFrom(v14, v15); v15 = HI1.selectFrom(v14, v15); v14 = t;
            t = LO2.selectFrom(v0, v2); v2 = HI2.selectFrom(v0, v2); v0 = t;
            t = LO2.selectFrom(v1, v3); v3 = HI2.selectFrom(v1, v3); v1 = t;
            t = LO2.selectFrom(v4, v6); v6 = HI2.selectFrom(v4, v6); v4 = t;
            t = LO2.selectFrom(v5, v7); v7 = HI2.selectFrom(v5, v7); v5 = t;
            t = LO2.selectFrom(v8, v10); v10 = HI2.selectFrom(v8, v10); v8 = t;
            t = LO2.selectFrom(v9, v11); v11 = HI2.selectFrom(v9, v11); v9 = t;
            t = LO2.selectFrom(v12, v14); v14 = HI2.selectFrom(v12, v14); v12 = t;
            t = LO2.selectFrom(v13, v15); v15 = HI2.selectFrom(v13, v15); v13 = t;
            t = LO4.selectFrom(v0, v4); v4 = HI4.selectFrom(v0, v4); v0 = t;
            t = LO4.selectFrom(v1, v5); v5 = HI4.selectFrom(v1, v5); v1 = t;
            t = LO4.selectFrom(v2, v6); v6 = HI4.selectFrom(v2, v6); v2 = t;
            t = LO4.selectFrom(v3, v7); v7 = HI4.selectFrom(v3, v7); v3 = t;
            t = LO4.selectFrom(v8, v12); v12 = HI4.selectFrom(v8, v12); v8 = t;
            t = LO4.selectFrom(v9, v13); v13 = HI4.selectFrom(v9, v13); v9 = t;
            t = LO4.selectFrom(v10, v14); v14 = HI4.selectFrom(v10, v14); v10 = t;
            t = LO4.selectFrom(v11, v15); v15 = HI4.selectFrom(v11, v15); v11 = t;
            t = LO8.selectFrom(v0, v8); v8 = HI8.selectFrom(v0, v8); v0 = t;
            t = LO8.selectFrom(v1, v9); v9 = HI8.selectFrom(v1, v9); v1 = t;
            t = LO8.selectFrom(v2, v10); v10 = HI8.selectFrom(v2, v10); v2 = t;
            t = LO8.selectFrom(v3, v11); v11 = HI8.selectFrom(v3, v11); v3 = t;
            t = LO8.selectFrom(v4, v12); v12 = HI8.selectFrom(v4, v12); v4 = t;
            t = LO8.selectFrom(v5, v13); v13 = HI8.selectFrom(v5, v13); v5 = t;
            t = LO8.selectFrom(v6, v14); v14 = HI8.selectFrom(v6, v14); v6 = t;
            t = LO8.selectFrom(v7, v15); v15 = HI8.selectFrom(v7, v15); v7 = t;
            if (!split) {
                v0.intoArray(dst, db + 0 * ldd);
                v1.intoArray(dst, db + 1 * ldd);
                v2.intoArray(dst, db + 2 * ldd);
                v3.intoArray(dst, db + 3 * ldd);
                v4.intoArray(dst, db + 4 * ldd);
                v5.intoArray(dst, db + 5 * ldd);
                v6.intoArray(dst, db + 6 * ldd);
                v7.intoArray(dst, db + 7 * ldd);
                v8.intoArray(dst, db + 8 * ldd);
                v9.intoArray(dst, db + 9 * ldd);
                v10.intoArray(dst, db + 10 * ldd);
                v11.intoArray(dst, db + 11 * ldd);
                v12.intoArray(dst, db + 12 * ldd);
                v13.intoArray(dst, db + 13 * ldd);
                v14.intoArray(dst, db + 14 * ldd);
                v15.intoArray(dst, db + 15 * ldd);
            } else {
                // Masked stores: lanes 0..7 at db, lanes 8..15 shifted down to dHigh (hb is dHigh - 8).
                v0.intoArray(dst, db + 0 * ldd, LOW_HALF); v0.intoArray(dst, hb + 0 * ldd, HIGH_HALF);
                v1.intoArray(dst, db + 1 * ldd, LOW_HALF); v1.intoArray(dst, hb + 1 * ldd, HIGH_HALF);
                v2.intoArray(dst, db + 2 * ldd, LOW_HALF); v2.intoArray(dst, hb + 2 * ldd, HIGH_HALF);
                v3.intoArray(dst, db + 3 * ldd, LOW_HALF); v3.intoArray(dst, hb + 3 * ldd, HIGH_HALF);
                v4.intoArray(dst, db + 4 * ldd, LOW_HALF); v4.intoArray(dst, hb + 4 * ldd, HIGH_HALF);
                v5.intoArray(dst, db + 5 * ldd, LOW_HALF); v5.intoArray(dst, hb + 5 * ldd, HIGH_HALF);
                v6.intoArray(dst, db + 6 * ldd, LOW_HALF); v6.intoArray(dst, hb + 6 * ldd, HIGH_HALF);
                v7.intoArray(dst, db + 7 * ldd, LOW_HALF); v7.intoArray(dst, hb + 7 * ldd, HIGH_HALF);
                v8.intoArray(dst, db + 8 * ldd, LOW_HALF); v8.intoArray(dst, hb + 8 * ldd, HIGH_HALF);
                v9.intoArray(dst, db + 9 * ldd, LOW_HALF); v9.intoArray(dst, hb + 9 * ldd, HIGH_HALF);
                v10.intoArray(dst, db + 10 * ldd, LOW_HALF); v10.intoArray(dst, hb + 10 * ldd, HIGH_HALF);
                v11.intoArray(dst, db + 11 * ldd, LOW_HALF); v11.intoArray(dst, hb + 11 * ldd, HIGH_HALF);
                v12.intoArray(dst, db + 12 * ldd, LOW_HALF); v12.intoArray(dst, hb + 12 * ldd, HIGH_HALF);
                v13.intoArray(dst, db + 13 * ldd, LOW_HALF); v13.intoArray(dst, hb + 13 * ldd, HIGH_HALF);
                v14.intoArray(dst, db + 14 * ldd, LOW_HALF); v14.intoArray(dst, hb + 14 * ldd, HIGH_HALF);
                v15.intoArray(dst, db + 15 * ldd, LOW_HALF); v15.intoArray(dst, hb + 15 * ldd, HIGH_HALF);
            }
        }
    }
}
