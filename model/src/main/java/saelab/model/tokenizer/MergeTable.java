package saelab.model.tokenizer;

/**
 * BPE merges: (left id, right id) → (rank, merged id), in an open-addressing table keyed by the
 * pair packed into a long. A HashMap of boxed pairs would cost ~100 bytes per merge; gemma has
 * 580 000 merges and looks one up for every pair of neighbours.
 */
final class MergeTable {
    private static final long EMPTY = -1L;

    private final long[] keys;
    private final long[] values;
    private final int mask;
    private int size;

    MergeTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        java.util.Arrays.fill(keys, EMPTY);
        mask = capacity - 1;
    }

    static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** Adds or replaces (a merge listed twice keeps its later rank, as Hugging Face's map does). */
    void put(int left, int right, int rank, int mergedId) {
        long key = pair(left, right);
        int i = slot(key);
        if (keys[i] == EMPTY) {
            if (++size * 2 > keys.length) throw new IllegalStateException("MergeTable sized for fewer merges");
            keys[i] = key;
        }
        values[i] = ((long) rank << 32) | (mergedId & 0xFFFFFFFFL);
    }

    /** rank << 32 | merged id, or -1 when the pair does not merge. */
    long get(int left, int right) {
        long key = pair(left, right);
        int i = slot(key);
        return keys[i] == EMPTY ? -1 : values[i];
    }

    static int rank(long entry) {
        return (int) (entry >>> 32);
    }

    static int mergedId(long entry) {
        return (int) entry;
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        int i = (int) (h ^ (h >>> 29)) & mask;
        while (keys[i] != EMPTY && keys[i] != key) i = (i + 1) & mask;
        return i;
    }
}
