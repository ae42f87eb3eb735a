package saelab.train.arch;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import saelab.train.sae.SaeParams;

/** Checks checkpoint tensors by name against the shapes an architecture expects, one line per problem. */
public final class CheckpointTensors {
    private CheckpointTensors() {}

    /** W_enc [d, m], b_enc [m], W_dec [m, d], b_dec [d] (TopK and standard). */
    public static SaeParams fourTensorLayout(Map<String, float[]> tensors, int d, int m) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("W_enc", new int[] {d, m});
        shapes.put("b_enc", new int[] {m});
        shapes.put("W_dec", new int[] {m, d});
        shapes.put("b_dec", new int[] {d});
        return params(tensors, shapes);
    }

    /** These parameters, when they are W_enc, b_enc, W_dec, b_dec in that order; one line naming what they are otherwise. */
    public static SaeParams requireFourTensorLayout(SaeParams p) {
        if (!p.names().equals(SaeParams.NAMES)) {
            throw new IllegalArgumentException("expected the parameters " + String.join(", ", SaeParams.NAMES) + ", got " + String.join(", ", p.names()));
        }
        return p;
    }

    /** The named tensors in the order of {@code shapes}, each checked for presence and size. */
    public static SaeParams params(Map<String, float[]> tensors, Map<String, int[]> shapes) {
        Map<String, float[]> ordered = new LinkedHashMap<>();
        for (var e : shapes.entrySet()) {
            float[] a = tensors.get(e.getKey());
            if (a == null) throw new IllegalArgumentException("SAE checkpoint lacks the tensor '" + e.getKey() + "' (expected " + Arrays.toString(e.getValue()) + ")");
            long n = 1;
            for (int s : e.getValue()) n *= s;
            if (a.length != n) throw new IllegalArgumentException("SAE checkpoint tensor '" + e.getKey() + "' has " + a.length + " values, expected " + Arrays.toString(e.getValue()));
            ordered.put(e.getKey(), a);
        }
        return SaeParams.of(ordered, shapes);
    }
}
