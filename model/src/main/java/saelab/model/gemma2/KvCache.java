package saelab.model.gemma2;

import java.util.Arrays;

/**
 * Keys and values of the positions already seen, per layer, for generation: prefill writes the
 * prompt's, each step appends one position per sequence. Layout per layer:
 * [batch][num_key_value_heads][capacity][head_dim], so one head's keys are contiguous.
 * Keys are stored after the rotary embedding, as attention reads them.
 */
public final class KvCache {
    final int batch, capacity, kvHeads, headDim;
    final float[][] keys, values; // [layer][...]
    private int length;

    KvCache(int layers, int batch, int capacity, int kvHeads, int headDim) {
        long perLayer = (long) batch * kvHeads * capacity * headDim;
        if (perLayer > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("KV cache of " + batch + " sequences × " + capacity
                    + " positions is too large for one array per layer; use fewer sequences or positions");
        }
        this.batch = batch;
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.keys = new float[layers][(int) perLayer];
        this.values = new float[layers][(int) perLayer];
    }

    /** Positions filled so far (the same for every sequence). */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    public int batch() {
        return batch;
    }

    /** Forgets every position, keeping the memory. */
    public void clear() {
        length = 0;
        for (float[] k : keys) Arrays.fill(k, 0f);
        for (float[] v : values) Arrays.fill(v, 0f);
    }

    void advance(int positions) {
        length += positions;
    }

    /** A layer's keys; a cache with one slot (a forward pass without generation) reuses it for every layer. */
    float[] keys(int layer) {
        return keys[keys.length == 1 ? 0 : layer];
    }

    float[] values(int layer) {
        return values[values.length == 1 ? 0 : layer];
    }

    /** Index of (sequence b, kv head g, position p, element 0) in a layer's array. */
    int offset(int b, int g, int p) {
        return ((b * kvHeads + g) * capacity + p) * headDim;
    }
}
