package saelab.train.source;

/** How the sources derive the seed of one stream (a batch, a side stream, a window) from theirs. */
final class Seeds {
    private Seeds() {}

    /** The seed for stream {@code index} of a source seeded with {@code seed}: a Weyl step per index. */
    static long stream(long seed, long index) {
        return seed * 0x9E3779B97F4A7C15L + index;
    }

    /**
     * SplitMix64's finaliser: spreads a seed's bits, so small or consecutive seeds still give
     * generator states far apart (and never the all-zero state a raw 0 would).
     */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** {@link #stream} then {@link #mix64}: well-spread seeds from nearby (seed, index) pairs. */
    static long mixed(long seed, long index) {
        return mix64(stream(seed, index));
    }
}
