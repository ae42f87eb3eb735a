package saelab.model.gemma2;

import java.util.Map;

/**
 * What a forward pass produced. {@code logits} is [logitRows × vocab_size], row-major: every
 * position of every sequence ({@code logitRows = batch·length}, row = sequence·length + position),
 * or only the last position of each sequence ({@code logitRows = batch}) when asked; null when
 * the pass stopped early. {@code residuals} maps each captured layer to its
 * [batch·length × hidden_size] resid_post. {@code layersRun} counts the decoder layers the pass
 * computed (layers 0..layersRun−1): fewer than the model has when a hook stopped it early.
 */
public record ForwardResult(int batch, int length, int vocab, float[] logits, int logitRows, Map<Integer, float[]> residuals,
                            int layersRun) {

    public ForwardResult {
        residuals = Map.copyOf(residuals);
    }

    /** The captured residual after {@code layer}; throws naming the captured layers if it was not captured. */
    public float[] residual(int layer) {
        float[] r = residuals.get(layer);
        if (r == null) throw new IllegalArgumentException("layer " + layer + " was not captured (captured: " + residuals.keySet() + ")");
        return r;
    }

    public boolean hasLogits() {
        return logits != null;
    }

    /** The logits; throws if the pass stopped before them. */
    public float[] logits() {
        if (logits == null) throw new IllegalStateException("this forward pass stopped before the logits");
        return logits;
    }
}
