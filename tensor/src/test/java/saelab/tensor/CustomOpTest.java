package saelab.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

    @Test
    void aRuleMayOnlyAskForItsOwnParents() {
        Tensor a = Tensor.of(new float[] {1}, 1).setRequiresGrad(true);
        Tensor stranger = Tensor.of(new float[] {1}, 1).setRequiresGrad(true);
        Tensor y = CustomOp.record("bad", Tensor.scalar(1), (g, grads) -> grads.of(stranger), a);
        assertThrows(IllegalArgumentException.class, y::backward);
    }
}
