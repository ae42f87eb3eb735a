package saelab.model.gemma2;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * What a forward pass should do with the residual stream after a layer ("resid_post" of layer
 * L, TransformerLens's {@code blocks.L.hook_resid_post}, Hugging Face's hidden_states[L + 1]):
 * capture it, replace it by a function of itself and run on, or stop there.
 *
 * <p>The residual handed to a hook is the [rows × hidden_size] float array of the whole batch,
 * row-major, row = sequence·T + position. A replacement returns an array of the same length (it
 * may be the same array, changed in place). A capture at a layer that also has a replacement
 * records the value before the replacement: what the layer produced.
 */
public final class Hooks {
    private final Set<Integer> captures = new TreeSet<>();
    private final Map<Integer, UnaryOperator<float[]>> replacements = new TreeMap<>();
    private int stopAfter = -1;

    /** A clean run: no capture, no replacement, on to the logits. */
    public static Hooks none() {
        return new Hooks();
    }

    public Hooks capture(int layer) {
        captures.add(layer);
        return this;
    }

    public Hooks replace(int layer, UnaryOperator<float[]> replacement) {
        if (replacements.putIfAbsent(layer, replacement) != null) {
            throw new IllegalArgumentException("layer " + layer + " already has a replacement");
        }
        return this;
    }

    /** Zero-ablation of layer L's output: every later layer sees a zero residual stream from there. */
    public Hooks ablate(int layer) {
        return replace(layer, r -> new float[r.length]);
    }

    /** Runs layers 0..layer only (no final norm, no logits): what harvesting needs. */
    public Hooks stopAfter(int layer) {
        if (layer < 0) throw new IllegalArgumentException("layer must be >= 0: " + layer);
        stopAfter = layer;
        return this;
    }

    boolean captures(int layer) {
        return captures.contains(layer);
    }

    UnaryOperator<float[]> replacement(int layer) {
        return replacements.get(layer);
    }

    /** The last layer to run, or −1 for all of them and the logits. */
    int stopAfter() {
        return stopAfter;
    }

    /** Throws if a hook names a layer the model does not have, or one past the stop. */
    void checkAgainst(int layers) {
        int last = stopAfter >= 0 ? stopAfter : layers - 1;
        if (stopAfter >= layers) throw new IllegalArgumentException("stopAfter(" + stopAfter + "): the model has layers 0.." + (layers - 1));
        for (int l : captures) {
            if (l < 0 || l > last) throw new IllegalArgumentException("capture(" + l + "): layers run are 0.." + last);
        }
        for (int l : replacements.keySet()) {
            if (l < 0 || l > last) throw new IllegalArgumentException("replace(" + l + "): layers run are 0.." + last);
        }
    }
}
