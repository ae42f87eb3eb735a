package saelab.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CustomOpTest {

    /** y = a ⊙ b written as a custom op, then summed: the gradients are b and a, and they accumulate with other uses. */
    static Tensor product(Tensor a, Tensor b) {
        float[] y = new float[a.numel()];
        for (int i = 0; i < y.length; i++) y[i] = a.get(i) * b.get(i);
        return CustomOp.record("product", Tensor.wrap(y, 0, a.shape()), (g, grads) -> {
            float[] ga = grads.of(a), gb = grads.of(b);
            for (int i = 0; i < g.length; i++) {
                if (ga != null) ga[i] += g[i] * b.get(i);
                if (gb != null) gb[i] += g[i] * a.get(i);
            }
        }, a, b);
    }

    @Test
    void aCustomOpTakesPartInBackwardLikeABuiltInOne() {
        Tensor a = Tensor.of(new float[] {1, 2, 3}, 3).setRequiresGrad(true);
        Tensor b = Tensor.of(new float[] {4, 5, 6}, 3);
        product(a, b).add(a).sum().backward();
        assertArrayEquals(new float[] {5, 6, 7}, a.grad().toArray()); // b + 1 from the add
        assertNull(b.grad(), "a constant parent gets no gradient buffer");
    }

    @Test
    void outsideRecordingTheOutputIsAConstant() {
        Tensor a = Tensor.of(new float[] {1, 2}, 2).setRequiresGrad(true);
        try (var g = NoGrad.enter()) {
            assertFalse(product(a, a).requiresGrad());
        }
    }

    /** y = a ⊙ b, its rule writing a's gradient whole through {@link CustomOp.Grads#fresh} when it can; records what it got. */
    static Tensor overwritingProduct(Tensor a, Tensor b, boolean[] gotFresh) {
        float[] y = new float[a.numel()];
        for (int i = 0; i < y.length; i++) y[i] = a.get(i) * b.get(i);
        return CustomOp.record("overwritingProduct", Tensor.wrap(y, 0, a.shape()), (g, grads) -> {
            float[] fresh = grads.fresh(a);
            gotFresh[0] = fresh != null;
            if (fresh != null) for (int i = 0; i < g.length; i++) fresh[i] = 0f + g[i] * b.get(i);
            else {
                float[] ga = grads.of(a);
                for (int i = 0; i < g.length; i++) ga[i] += g[i] * b.get(i);
            }
        }, a, b);
    }

    /**
     * zeroGrad writes its zeros lazily: a rule may take the buffer to overwrite (only the first writer of a
     * leaf just zeroed), anyone else sees zeros, never the previous pass's values.
     */
    @Test
    void aZeroedGradientIsOverwrittenByItsFirstWriterAndReadsAsZerosOtherwise() {
        Tensor a = Tensor.of(new float[] {1, 2, 3}, 3).setRequiresGrad(true);
        Tensor b = Tensor.of(new float[] {4, 5, 6}, 3);
        boolean[] got = new boolean[1];
        // First pass: no buffer yet, so nothing to take: the rule adds into a fresh zeroed one.
        overwritingProduct(a, b, got).sum().backward();
        assertFalse(got[0], "a leaf never zeroed has no buffer to overwrite");
        assertArrayEquals(new float[] {4, 5, 6}, a.grad().toArray());
        float[] buffer = a.gradData();
        // Zeroed: the same array, still holding the old values in memory, reads as zeros.
        a.zeroGrad();
        assertArrayEquals(new float[] {0, 0, 0}, a.grad().toArray(), "a zeroed gradient reads as zeros");
        // Zeroed again, then a pass whose only writer overwrites: the old values (4, 5, 6) are not added.
        a.zeroGrad();
        overwritingProduct(a, b, got).mul(2f).sum().backward();
        assertTrue(got[0], "the first writer after zeroGrad takes the buffer");
        assertSame(buffer, a.gradData(), "the optimiser's array is kept");
        assertArrayEquals(new float[] {8, 10, 12}, a.grad().toArray());
        // Two writers in one pass: the later one in backward order adds onto what the first wrote.
        a.zeroGrad();
        boolean[] second = new boolean[1];
        overwritingProduct(a, b, got).add(overwritingProduct(a, b, second)).sum().backward();
        assertTrue(got[0] ^ second[0], "exactly one writer overwrites: " + got[0] + ", " + second[0]);
        assertArrayEquals(new float[] {8, 10, 12}, a.grad().toArray());
        // Without zeroGrad a pass accumulates onto the gradient (and nobody may overwrite it).
        overwritingProduct(a, b, got).sum().backward();
        assertFalse(got[0], "without zeroGrad the gradient is not fresh");
        assertArrayEquals(new float[] {12, 15, 18}, a.grad().toArray());
        // Zeroed, then a pass that does not reach a: its gradient is zeros, not the old sums.
        a.zeroGrad();
        Tensor c = Tensor.of(new float[] {1}, 1).setRequiresGrad(true);
        c.mul(3f).sum().backward();
        assertArrayEquals(new float[] {0, 0, 0}, a.gradData(), "zeroed and untouched");
        assertNotNull(c.grad());
    }

    @Test
    void aRuleMayOnlyAskForItsOwnParents() {
        Tensor a = Tensor.of(new float[] {1}, 1).setRequiresGrad(true);
        Tensor stranger = Tensor.of(new float[] {1}, 1).setRequiresGrad(true);
        Tensor y = CustomOp.record("bad", Tensor.scalar(1), (g, grads) -> grads.of(stranger), a);
        assertThrows(IllegalArgumentException.class, y::backward);
    }
}
