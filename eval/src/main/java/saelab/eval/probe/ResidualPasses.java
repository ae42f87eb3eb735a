package saelab.eval.probe;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntConsumer;
import saelab.model.gemma2.ForwardResult;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.gemma2.Hooks;

/**
 * Runs token sequences through the model to layer L (capture + stop there: nothing after L is
 * computed) and hands each sequence's residual after L to a consumer. Sequences are batched by
 * equal length (no padding, so no attention mask is needed), in the order of their first
 * occurrence per length.
 */
public final class ResidualPasses {
    private ResidualPasses() {}

    /** Receives sequence {@code index}'s residual: rows residual[rowOffset .. rowOffset + length) of width hidden. */
    public interface Consumer {
        void accept(int index, float[] residual, int rowOffset, int length);
    }

    /**
     * @param sequences token ids, each with its <bos> first
     * @param batch     sequences per forward pass at most
     * @param done      told the number of sequences finished so far, after each pass
     */
    public static void run(Gemma2Model model, int layer, List<int[]> sequences, int batch, Consumer consumer, IntConsumer done) {
        int layers = model.config().numHiddenLayers();
        if (layer < 0 || layer >= layers) throw new IllegalArgumentException("layer " + layer + ": the model has layers 0.." + (layers - 1));
        if (batch < 1) throw new IllegalArgumentException("batch must be ≥ 1: " + batch);
        Map<Integer, List<Integer>> byLength = new TreeMap<>();
        for (int i = 0; i < sequences.size(); i++) byLength.computeIfAbsent(sequences.get(i).length, n -> new ArrayList<>()).add(i);
        int finished = 0;
        for (var group : byLength.entrySet()) {
            int length = group.getKey();
            List<Integer> members = group.getValue();
            for (int from = 0; from < members.size(); from += batch) {
                List<Integer> part = members.subList(from, Math.min(members.size(), from + batch));
                int[] ids = new int[part.size() * length];
                for (int b = 0; b < part.size(); b++) System.arraycopy(sequences.get(part.get(b)), 0, ids, b * length, length);
                ForwardResult r = model.forward(ids, part.size(), Hooks.none().capture(layer).stopAfter(layer));
                float[] residual = r.residual(layer);
                for (int b = 0; b < part.size(); b++) consumer.accept(part.get(b), residual, b * length, length);
                finished += part.size();
                done.accept(finished);
            }
        }
    }
}
