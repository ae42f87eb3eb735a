package saelab.eval;

import java.util.Arrays;

/**
 * How often the true features fire together on a batch: for every unordered pair {i, j} of true
 * features that fire together in at least one row, n_ij = rows where both fire / rows. The seed's
 * penalty weighs a latent pair only when its n_ij &gt; threshold(p) (CoFiring's c_ij), so
 * {@link #pairsAbove} says how many true pairs a dictionary that recovered the features one to one
 * would have penalised at that threshold, and {@link #parentChildAbove} how many of the hierarchy's
 * parent/child pairs. The latent pairs' own n_ij come from the experiment's Separation histogram.
 *
 * @param rows           rows of the batch
 * @param features       n, the true features
 * @param pairKey        co-firing pairs as i·n + j with i &lt; j, ascending
 * @param count          rows where the pair fired together, aligned with pairKey
 * @param parentChild    whether the pair is a (parent, child) edge of the hierarchy, aligned with pairKey
 * @param hierarchyPairs (parent, child) edges in the hierarchy, co-firing or not
 */
public record TrueCoFiring(int rows, int features, long[] pairKey, int[] count, boolean[] parentChild, int hierarchyPairs) {

    /** Up to this many features the pairs are counted in an n × n table (16 MiB); above, by sorting the pair keys. */
    static final int TABLE_LIMIT = 2048;

    /**
     * @param rowStart,feature the truth: row r fired feature[rowStart[r] .. rowStart[r+1])
     * @param parentOf         true parent of each feature, −1 for a root (n = parentOf.length)
     */
    public static TrueCoFiring of(int rows, int[] rowStart, int[] feature, int[] parentOf) {
        int n = parentOf.length;
        Truth.checkTruth(rows, rowStart, feature, n);
        Truth.checkParents(parentOf, n);
        long[] keys;
        int[] counts;
        if (n <= TABLE_LIMIT) {
            int[] table = new int[n * n];
            forEachPair(rows, rowStart, feature, n, key -> table[(int) key]++);
            int distinct = 0;
            for (int v : table) if (v > 0) distinct++;
            keys = new long[distinct];
            counts = new int[distinct];
            for (int key = 0, at = 0; key < table.length; key++) {
                if (table[key] > 0) { keys[at] = key; counts[at++] = table[key]; }
            }
        } else {
            long[][] all = {new long[1024]};
            int[] size = {0};
            forEachPair(rows, rowStart, feature, n, key -> {
                if (size[0] == all[0].length) all[0] = Arrays.copyOf(all[0], 2 * size[0]);
                all[0][size[0]++] = key;
            });
            long[] sorted = Arrays.copyOf(all[0], size[0]);
            Arrays.sort(sorted);
            int distinct = 0;
            for (int i = 0; i < sorted.length; i++) if (i == 0 || sorted[i] != sorted[i - 1]) distinct++;
            keys = new long[distinct];
            counts = new int[distinct];
            for (int i = 0, at = -1; i < sorted.length; i++) {
                if (i == 0 || sorted[i] != sorted[i - 1]) keys[++at] = sorted[i];
                counts[at]++;
            }
        }
        boolean[] edge = new boolean[keys.length];
        for (int a = 0; a < keys.length; a++) {
            int i = (int) (keys[a] / n), j = (int) (keys[a] % n);
            edge[a] = parentOf[j] == i || parentOf[i] == j;
        }
        int hierarchy = 0;
        for (int p : parentOf) if (p >= 0) hierarchy++;
        return new TrueCoFiring(rows, n, keys, counts, edge, hierarchy);
    }

    private interface PairSink { void add(long key); }

    private static void forEachPair(int rows, int[] rowStart, int[] feature, int n, PairSink sink) {
        int[] row = new int[0];
        for (int r = 0; r < rows; r++) {
            int from = rowStart[r], len = rowStart[r + 1] - from;
            if (len < 2) continue;
            if (row.length < len) row = new int[len];
            System.arraycopy(feature, from, row, 0, len);
            Arrays.sort(row, 0, len);
            for (int a = 0; a < len; a++) for (int b = a + 1; b < len; b++) sink.add((long) row[a] * n + row[b]);
        }
    }

    /** Pairs that fired together in at least one row. */
    public int coFiringPairs() { return pairKey.length; }

    /** Parent/child pairs that fired together in at least one row. */
    public int parentChildCoFiring() {
        int c = 0;
        for (boolean e : parentChild) if (e) c++;
        return c;
    }

    /** True pairs with n_ij &gt; t, the pairs the penalty would weigh at threshold t (t ≤ 0: every co-firing pair). */
    public int pairsAbove(double t) { return above(t, false); }

    /** Parent/child pairs with n_ij &gt; t. */
    public int parentChildAbove(double t) { return above(t, true); }

    private int above(double t, boolean edgesOnly) {
        if (Double.isNaN(t)) throw new IllegalArgumentException("co-firing threshold is NaN");
        int c = 0;
        for (int a = 0; a < count.length; a++) {
            if ((!edgesOnly || parentChild[a]) && (double) count[a] / rows > t) c++;
        }
        return c;
    }

    /**
     * Co-firing pairs by log10 n_ij in {@code bins} equal bins over [{@code log10Min}, 0], the
     * lowest and highest bins taking what falls outside (the binning of the latent-pair histogram).
     */
    public long[] log10Histogram(int bins, double log10Min, boolean parentChildOnly) {
        if (bins < 1 || !(log10Min < 0)) throw new IllegalArgumentException("need ≥ 1 bin and log10Min < 0, got " + bins + " bins from " + log10Min);
        long[] h = new long[bins];
        for (int a = 0; a < count.length; a++) {
            if (parentChildOnly && !parentChild[a]) continue;
            double pos = (Math.log10((double) count[a] / rows) - log10Min) / -log10Min * bins;
            h[Math.max(0, Math.min(bins - 1, (int) Math.floor(pos)))]++;
        }
        return h;
    }
}
