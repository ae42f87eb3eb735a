package saelab.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reverse-mode engine, micrograd style: every op output that needs a gradient remembers its
 * parents and a {@link Backward} rule; {@link #backward} walks the graph in reverse topological
 * order and runs each rule once.
 *
 * <p>Gradient lifetime: leaves (tensors with no rule, e.g. parameters marked requiresGrad)
 * ACCUMULATE across backward calls until {@link Tensor#zeroGrad()}. Interior nodes get a fresh
 * zeroed buffer at the start of each backward and drop it at the end; otherwise a second
 * backward over the same graph would push the first pass's interior gradients through again.
 * The graph itself is kept (rules are closures over their inputs), so backward may run again.
 */
final class Autograd {
    private Autograd() {}

    /**
     * A local backward rule: given the gradient of the loss w.r.t. this op's output (contiguous,
     * output's shape), ADD the gradient w.r.t. each parent that requires grad into that parent's
     * {@link Tensor#gradBuffer()}. Rules must add, never assign: a parent can feed several ops.
     */
    @FunctionalInterface
    interface Backward {
        void apply(float[] gradOut);
    }

    /**
     * Attaches {@code rule} to {@code out} if a graph is being recorded and some parent requires
     * grad; otherwise leaves {@code out} a plain constant. Every op ends with this call.
     */
    static Tensor record(Tensor out, String op, Backward rule, Tensor... parents) {
        if (!NoGrad.isRecording()) return out;
        boolean any = false;
        for (Tensor p : parents) any |= p.requiresGrad();
        if (!any) return out;
        out.attach(op, rule, parents);
        return out;
    }

    static void backward(Tensor root) {
        if (root.numel() != 1) {
            throw new IllegalStateException("backward() starts from a scalar (1 element), got shape "
                    + Shape.str(root.shape()) + "; reduce first, e.g. with sum() or mean()");
        }
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward(): this tensor does not require grad (no input requires grad, "
                    + "or it was computed inside a NoGrad scope)");
        }
        List<Tensor> order = topologicalOrder(root);
        // This pass's gradients go into fresh buffers; a leaf's earlier gradient is set aside and
        // added back at the end, so accumulation is one rounding per element: backward twice
        // gives exactly twice the gradient (adding each rule's terms onto the old sum would not).
        // A leaf whose gradient was just zeroed (the training step's case) has no earlier sum to
        // add back: its zeroed buffer is this pass's fresh buffer already, so an element ends as
        // the pass's own sum, exactly as a fresh buffer would leave it.
        Map<Tensor, float[]> earlier = new IdentityHashMap<>();
        for (Tensor t : order) {
            if (t.isLeaf() && t.takeZeroedGrad()) continue;
            if (t.isLeaf() && t.gradData() != null) earlier.put(t, t.gradData());
            t.resetGrad();
        }
        root.gradBuffer()[0] += 1f;
        // Reverse topological order: a node's gradient is complete before its rule runs,
        // because every consumer of it comes later in `order`.
        for (int i = order.size() - 1; i >= 0; i--) {
            Tensor t = order.get(i);
            if (!t.isLeaf()) t.backwardRule().apply(t.gradBuffer());
        }
        for (Tensor t : order) {
            if (!t.isLeaf()) t.releaseGrad();
        }
        earlier.forEach((leaf, sum) -> {
            float[] g = leaf.gradData();
            for (int i = 0; i < sum.length; i++) sum[i] += g[i];
            leaf.setGrad(sum); // keep the old array: optimizers may hold it
        });
    }

    /**
     * Post-order DFS over the nodes that require grad, parents before children. Iterative, so a
     * deep graph (a long training unroll) cannot overflow the Java stack.
     */
    static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        Set<Tensor> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Tensor> stack = new ArrayDeque<>();
        ArrayDeque<Integer> nextParent = new ArrayDeque<>();
        stack.push(root);
        nextParent.push(0);
        visited.add(root);
        while (!stack.isEmpty()) {
            Tensor t = stack.peek();
            int i = nextParent.pop();
            Tensor[] parents = t.parents();
            // Skip parents already seen or that take no gradient.
            while (i < parents.length && (!parents[i].requiresGrad() || visited.contains(parents[i]))) i++;
            if (i < parents.length) {
                nextParent.push(i + 1);
                Tensor p = parents[i];
                visited.add(p);
                stack.push(p);
                nextParent.push(0);
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }
}
