package saelab.train.sae;

import saelab.tensor.kernels.ReusableArrays;

/**
 * For sparse codes (rows × k slots naming latents), the slots of each latent in row order:
 * latent j owns {@code slot[start[j] .. start[j+1])}. Lets backward rules write each latent's
 * gradient row from one thread, so results never depend on scheduling.
 */
record Postings(int[] start, int[] slot) {

    /**
     * Slots whose {@code weight} entry is non-zero (weight null: every slot), in arrays taken from
     * {@code pool}: the caller gives them back with {@link #giveTo} once it no longer reads them.
     */
    static Postings of(int rows, int k, int m, int[] idx, float[] weight, ReusableArrays pool) {
        int[] start = pool.intsZeroed(m + 1);
        int n = rows * k;
        for (int p = 0; p < n; p++) if (weight == null || weight[p] != 0) start[idx[p] + 1]++;
        for (int j = 0; j < m; j++) start[j + 1] += start[j];
        int[] slot = pool.ints(start[m]); // every element written below
        int[] fill = pool.ints(m);
        System.arraycopy(start, 0, fill, 0, m);
        for (int p = 0; p < n; p++) if (weight == null || weight[p] != 0) slot[fill[idx[p]]++] = p;
        pool.give(fill);
        return new Postings(start, slot);
    }

    /** Gives both arrays back to the pool they were taken from; nothing reads them afterwards. */
    void giveTo(ReusableArrays pool) {
        pool.give(start);
        pool.give(slot);
    }
}
