package saelab.model.gemma2;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.TensorStore;
import saelab.model.safetensors.TensorView;

/**
 * Every weight of a Gemma-2 checkpoint, checked against the config on load: each expected
 * tensor present, floating-point, and of the shape the config implies. All problems are
 * collected and reported together, each naming the tensor, the shape expected and why.
 * Norm weights are kept as (1 + w) in float32, the factor Gemma's RMSNorm multiplies by.
 */
record Gemma2Weights(WeightMatrix embedding, WeightMatrix unembedding, float[] finalNorm, List<Layer> layers) {

    /** One decoder layer: four norms (as 1 + w), the attention and the gated MLP projections. */
    record Layer(float[] inputNorm, float[] postAttentionNorm, float[] preFeedforwardNorm, float[] postFeedforwardNorm,
                 WeightMatrix q, WeightMatrix k, WeightMatrix v, WeightMatrix o,
                 WeightMatrix gate, WeightMatrix up, WeightMatrix down) {}

    static Gemma2Weights load(Path checkpoint, TensorStore store, GemmaConfig c) {
        var check = new Checker(checkpoint, store);
        int h = c.hiddenSize(), q = c.numAttentionHeads() * c.headDim(), kv = c.numKeyValueHeads() * c.headDim();
        int ffn = c.intermediateSize();
        String vh = "[vocab_size, hidden_size]", qh = "[num_attention_heads·head_dim, hidden_size]";
        String kvh = "[num_key_value_heads·head_dim, hidden_size]";
        TensorView embed = check.matrix("model.embed_tokens.weight", c.vocabSize(), h, vh);
        TensorView lmHead = c.tieWordEmbeddings() ? embed : check.matrix("lm_head.weight", c.vocabSize(), h, vh);
        TensorView norm = check.vector("model.norm.weight", h);
        List<TensorView[]> layerViews = new ArrayList<>();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            layerViews.add(new TensorView[] {
                    check.vector(p + "input_layernorm.weight", h),
                    check.vector(p + "post_attention_layernorm.weight", h),
                    check.vector(p + "pre_feedforward_layernorm.weight", h),
                    check.vector(p + "post_feedforward_layernorm.weight", h),
                    check.matrix(p + "self_attn.q_proj.weight", q, h, qh),
                    check.matrix(p + "self_attn.k_proj.weight", kv, h, kvh),
                    check.matrix(p + "self_attn.v_proj.weight", kv, h, kvh),
                    check.matrix(p + "self_attn.o_proj.weight", h, q, "[hidden_size, num_attention_heads·head_dim]"),
                    check.matrix(p + "mlp.gate_proj.weight", ffn, h, "[intermediate_size, hidden_size]"),
                    check.matrix(p + "mlp.up_proj.weight", ffn, h, "[intermediate_size, hidden_size]"),
                    check.matrix(p + "mlp.down_proj.weight", h, ffn, "[hidden_size, intermediate_size]")});
        }
        check.throwIfAnyProblem();

        WeightMatrix embedding = WeightMatrix.of(embed);
        WeightMatrix unembedding = lmHead == embed ? embedding : WeightMatrix.of(lmHead);
        List<Layer> layers = new ArrayList<>();
        for (TensorView[] t : layerViews) {
            layers.add(new Layer(onePlus(t[0]), onePlus(t[1]), onePlus(t[2]), onePlus(t[3]),
                    WeightMatrix.of(t[4]), WeightMatrix.of(t[5]), WeightMatrix.of(t[6]), WeightMatrix.of(t[7]),
                    WeightMatrix.of(t[8]), WeightMatrix.of(t[9]), WeightMatrix.of(t[10])));
        }
        return new Gemma2Weights(embedding, unembedding, onePlus(norm), List.copyOf(layers));
    }

    private static float[] onePlus(TensorView w) {
        return normScale(w.toFloatArray());
    }

    /** Gemma's RMSNorm scales by (1 + w), not w: the factor, computed in float32 as transformers does, in place. */
    static float[] normScale(float[] w) {
        for (int i = 0; i < w.length; i++) w[i] = 1f + w[i];
        return w;
    }

    /** Looks tensors up and records what is wrong with them instead of stopping at the first. */
    private static final class Checker {
        private final Path checkpoint;
        private final TensorStore store;
        private final List<String> problems = new ArrayList<>();

        Checker(Path checkpoint, TensorStore store) {
            this.checkpoint = checkpoint;
            this.store = store;
        }

        TensorView matrix(String name, int rows, int cols, String meaning) {
            return check(name, new long[] {rows, cols}, meaning);
        }

        TensorView vector(String name, int size) {
            return check(name, new long[] {size}, "[hidden_size]");
        }

        private TensorView check(String name, long[] shape, String meaning) {
            String expected = Arrays.toString(shape) + " " + meaning;
            var found = store.find(name);
            if (found.isEmpty()) {
                problems.add("tensor '" + name + "' is missing (expected " + expected + ")");
                return null;
            }
            TensorView t = found.get();
            if (!t.dtype().isFloatingPoint()) {
                problems.add("tensor '" + name + "' in " + t.file().getFileName() + " has dtype " + t.dtype()
                        + ", expected BF16, F32 or F16");
            } else if (!Arrays.equals(t.shape(), shape)) {
                problems.add("tensor '" + name + "' in " + t.file().getFileName() + " has shape "
                        + Arrays.toString(t.shape()) + ", expected " + expected);
            }
            return t;
        }

        void throwIfAnyProblem() {
            if (problems.isEmpty()) return;
            int shown = Math.min(problems.size(), 20);
            StringBuilder msg = new StringBuilder(checkpoint + ": checkpoint does not match its config.json ("
                    + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "):");
            for (String p : problems.subList(0, shown)) msg.append("\n  ").append(p);
            if (shown < problems.size()) msg.append("\n  ... and ").append(problems.size() - shown).append(" more");
            throw new CheckpointException(msg.toString());
        }
    }
}
