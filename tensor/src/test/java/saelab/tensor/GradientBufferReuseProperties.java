package saelab.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static saelab.tensor.Props.ints;
import static saelab.tensor.Props.qt;
import static saelab.tensor.Props.seeds;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import saelab.tensor.kernels.ReusableArrays;

/**
 * Autograd takes op outputs' gradient buffers from the shared {@link ReusableArrays} and gives
 * them back when backward ends. Two ways that could go wrong, each checked here:
 * <ul>
 *   <li>a reused buffer carrying the last pass's values into the next (it must be taken zeroed);</li>
 *   <li>a backward rule (or a forward output) still holding a gradient array after backward
 *       returned: {@link #leak} poisons every idle array with NaN, keeps the poisoned ones out of
 *       the next pass's reach, and runs backward again; any rule reading an array it kept, or any
 *       output or leaf gradient sharing one, then shows NaN or changed bits. Every op of the
 *       library passes it; a rule that stashes its gradOut fails it.</li>
 * </ul>
 */
class GradientBufferReuseProperties {

    private static final ReusableArrays POOL = ReusableArrays.shared();

    /** A graph over leaves that require grad: its scalar root. */
    private record Graph(Tensor root, List<Tensor> leaves) {}

    @Test
    void aReusedGradientBufferNeverCarriesStaleValuesIntoTheNextBackward() {
        qt(0xB0FF_E25L, 40).forAll(ints(1, 24), ints(1, 24), seeds()).checkAssert((r, c, seed) -> {
            Tensor w = Tensor.randn(seed, r, c).setRequiresGrad(true);
            Tensor x = Tensor.randn(seed + 1, r, c);
            Function<Tensor, Tensor> f = in -> w.mul(in).tanh().add(w).square().sum(1, false).sum();
            f.apply(x).backward();
            float[] first = w.grad().toArray();
            // Against float64: d/dw Σ (tanh(w·x) + w)² = 2(tanh(w·x) + w)(x(1 − tanh²(w·x)) + 1). The float chain rounds
            // each of its ~8 operations once (tanh within a few ulps), so the error stays within ~16ε of the terms' sizes
            // before t + w and x(1 − t²) + 1 cancel; asserted within 64ε of them.
            float[] wd = w.toArray(), xd = x.toArray();
            for (int i = 0; i < first.length; i++) {
                double t = Math.tanh((double) wd[i] * xd[i]), u = t + wd[i], dv = xd[i] * (1 - t * t) + 1;
                double scale = 2 * (Math.abs(t) + Math.abs(wd[i])) * (Math.abs(xd[i]) + 1); // the sizes before cancellation
                assertTrue(Math.abs(first[i] - 2 * u * dv) <= 64 * 0x1p-24 * scale,
                        "element " + i + ": " + first[i] + " against " + 2 * u * dv + " (a reused buffer was not zeroed?)");
            }
            // Another graph of the same shapes with much larger gradients: its buffers go back holding them.
            Tensor big = Tensor.randn(seed + 2, r, c).mul(1000f);
            w.zeroGrad();
            w.mul(big).add(w).square().mul(1e3f).sum(1, false).sum().backward();
            POOL.poisonIdle(); // and now NaN: a buffer not zeroed on reuse would spread it
            long reusedBefore = POOL.reusedCount();
            w.zeroGrad();
            f.apply(x).backward();
            assertTrue(POOL.reusedCount() > reusedBefore, "the second pass reused given-back buffers");
            assertArrayEquals(bits(first), bits(w.grad().toArray()), "the same graph's gradient, bit for bit, after buffers were reused");
        });
    }

    @Test
    void interiorGradientsAreGoneAfterBackwardAndLeafGradientsStay() {
        Tensor w = Tensor.randn(3, 4, 5).setRequiresGrad(true);
        Tensor y = w.tanh();
        y.square().sum().backward();
        assertNull(y.grad(), "an op output's gradient buffer was given back");
        assertNotNull(w.grad(), "a leaf keeps its own");
        float[] before = w.grad().toArray();
        POOL.poisonIdle();
        assertArrayEquals(bits(before), bits(w.grad().toArray()), "a leaf's gradient shares no given-back array");
    }

    @Test
    void noBackwardRuleOfTheLibraryKeepsItsGradientArray() {
        Map<String, Function<Long, Graph>> ops = new LinkedHashMap<>();
        ops.put("add", s -> binary(s, Tensor::add));
        ops.put("sub", s -> binary(s, Tensor::sub));
        ops.put("mul", s -> binary(s, Tensor::mul));
        ops.put("div", s -> binary(s, (a, b) -> a.div(b.abs().add(1f))));
        ops.put("broadcast add", s -> {
            Tensor a = leaf(s, 5, 7), b = leaf(s + 1, 7);
            return new Graph(a.add(b).square().sum(), List.of(a, b));
        });
        ops.put("relu", s -> unary(s, Tensor::relu));
        ops.put("abs", s -> unary(s, Tensor::abs));
        ops.put("sqrt", s -> unary(s, t -> t.abs().add(1f).sqrt()));
        ops.put("exp", s -> unary(s, Tensor::exp));
        ops.put("log", s -> unary(s, t -> t.abs().add(1f).log()));
        ops.put("tanh", s -> unary(s, Tensor::tanh));
        ops.put("clamp", s -> unary(s, t -> t.clamp(-0.5f, 0.5f)));
        ops.put("gelu", s -> unary(s, Tensor::gelu));
        ops.put("softmax", s -> unary(s, Tensor::softmax));
        ops.put("logSoftmax", s -> unary(s, Tensor::logSoftmax));
        ops.put("neg, scalar ops", s -> unary(s, t -> t.neg().add(2f).mul(3f).div(4f).sub(1f)));
        ops.put("sum rows", s -> unary(s, t -> t.sum(0, true)));
        ops.put("sum columns", s -> unary(s, t -> t.sum(1, false)));
        ops.put("mean", s -> unary(s, t -> t.mean(1, true)));
        ops.put("reshape", s -> unary(s, t -> t.reshape(7, 5)));
        ops.put("rows", s -> unary(s, t -> t.rows(1, 4)));
        ops.put("transpose", s -> unary(s, Tensor::transpose));
        ops.put("topk", s -> unary(s, t -> t.topk(3)));
        ops.put("gatherRows", s -> unary(s, t -> t.gatherRows(4, 0, 4, 2)));
        ops.put("maskMul", s -> unary(s, t -> t.maskMul(Tensor.rand(s + 9, 5, 7))));
        ops.put("crossEntropy", s -> {
            Tensor a = leaf(s, 5, 7);
            return new Graph(a.mul(a).crossEntropy(0, 3, 6, 2, 1), List.of(a));
        });
        ops.put("squaredErrorRowMean", s -> unary(s, t -> t.squaredErrorRowMean(Tensor.randn(s + 5, 5, 7))));
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                ops.put("matmul " + ta + " " + tb, s -> {
                    Tensor a = ta ? leaf(s, 6, 5) : leaf(s, 5, 6), b = tb ? leaf(s + 1, 4, 6) : leaf(s + 1, 6, 4);
                    return new Graph(a.mul(a).matmul(b.mul(2f), ta, tb).square().sum(), List.of(a, b));
                });
            }
        }
        ops.put("custom op", s -> {
            Tensor a = leaf(s, 5, 7);
            Tensor y = a.square();
            Tensor out = CustomOp.record("double", Tensor.wrap(y.toArray(), 0, 5, 7), (g, grads) -> {
                float[] gy = grads.of(y);
                for (int i = 0; i < g.length; i++) gy[i] += 2 * g[i];
            }, y);
            return new Graph(out.tanh().sum(), List.of(a));
        });
        qt(0x1EA7L, 3).forAll(seeds()).checkAssert(seed -> {
            for (Map.Entry<String, Function<Long, Graph>> op : ops.entrySet()) {
                assertNull(leak(() -> op.getValue().apply(seed)), op.getKey());
            }
        });
    }

    @Test
    void aRuleThatStashesItsGradOutIsCaught() {
        String found = leak(() -> {
            Tensor a = leaf(7, 5, 7);
            Tensor y = a.tanh();
            float[][] stash = new float[1][];
            // Keeps the first gradOut it is handed and reads that one ever after: the bug the audit looks for.
            Tensor out = CustomOp.record("stashing", Tensor.wrap(y.toArray(), 0, 5, 7), (g, grads) -> {
                if (stash[0] == null) stash[0] = g;
                float[] gy = grads.of(y);
                for (int i = 0; i < g.length; i++) gy[i] += stash[0][i];
            }, y);
            return new Graph(out.square().sum(), List.of(a));
        });
        assertNotNull(found, "the stashing rule was caught");
        assertTrue(found.contains("gradient"), found);
    }

    /**
     * Runs the graph's backward twice: after the first, poisons the pool's idle arrays and takes
     * as many of them as the graph has op outputs of each size (so the second pass gets other
     * arrays, and a rule still pointing into a given-back one reads NaN). Returns null when the
     * leaves' gradients and every node's value are bit for bit those of the first pass, else what differs.
     */
    static String leak(java.util.function.Supplier<Graph> build) {
        Graph g = build.get();
        g.root().backward();
        List<float[]> grads = new ArrayList<>();
        for (Tensor l : g.leaves()) grads.add(l.grad().toArray());
        for (float[] gr : grads) for (float v : gr) if (!Float.isFinite(v)) return "the first pass's gradient is not finite (a reused buffer was not zeroed?)";
        List<Tensor> nodes = Autograd.topologicalOrder(g.root());
        List<float[]> values = new ArrayList<>();
        for (Tensor t : nodes) values.add(t.toArray());
        POOL.poisonIdle();
        List<float[]> held = new ArrayList<>();
        for (Tensor t : nodes) if (!t.isLeaf()) held.add(POOL.floats(t.numel()));
        try {
            for (Tensor l : g.leaves()) l.zeroGrad();
            g.root().backward();
            for (int i = 0; i < g.leaves().size(); i++) {
                if (!Arrays.equals(bits(grads.get(i)), bits(g.leaves().get(i).grad().toArray()))) {
                    return "leaf " + i + "'s gradient differs after given-back arrays were poisoned";
                }
            }
            for (int i = 0; i < nodes.size(); i++) {
                if (!Arrays.equals(bits(values.get(i)), bits(nodes.get(i).toArray()))) return "the value of " + nodes.get(i).op() + " changed (it shares a gradient array)";
            }
            return null;
        } finally {
            for (float[] h : held) POOL.give(h);
        }
    }

    private static Tensor leaf(long seed, int... shape) {
        return Tensor.randn(seed, shape).setRequiresGrad(true);
    }

    private static Graph unary(long seed, Function<Tensor, Tensor> op) {
        Tensor a = leaf(seed, 5, 7);
        return new Graph(op.apply(a.mul(a).add(a)).square().sum(), List.of(a));
    }

    private static Graph binary(long seed, java.util.function.BinaryOperator<Tensor> op) {
        Tensor a = leaf(seed, 5, 7), b = leaf(seed + 1, 5, 7);
        return new Graph(op.apply(a.mul(b), b.tanh()).square().sum(), List.of(a, b));
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) b[i] = Float.floatToRawIntBits(a[i]);
        return b;
    }
}
