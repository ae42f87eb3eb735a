package saelab.train.sae;

/**
 * For sparse codes (rows × k slots naming latents), the slots of each latent in row order:
 * latent j owns {@code slot[start[j] .. start[j+1])}. Lets backward rules write each latent's
 * gradient row from one thread, so results never depend on scheduling.
 */
record Postings(int[] start, int[] slot) {

    /** Slots whose {@code weight} entry is non-zero (weight null: every slot). */
    static Postings of(int rows, int k, int m, int[] idx, float[] weight) {
        int[] start = new int[m + 1];
        int n = rows * k;
        for (int p = 0; p < n; p++) if (weight == null || weight[p] != 0) start[idx[p] + 1]++;
        for (int j = 0; j < m; j++) start[j + 1] += start[j];
        int[] slot = new int[start[m]];
        int[] fill = java.util.Arrays.copyOf(start, m);
        for (int p = 0; p < n; p++) if (weight == null || weight[p] != 0) slot[fill[idx[p]]++] = p;
        return new Postings(start, slot);
    }
}
