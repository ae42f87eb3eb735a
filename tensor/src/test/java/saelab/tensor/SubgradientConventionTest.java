package saelab.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/**
 * The choices at kinks, asserted exactly (finite differences cannot see them): relu'(0) = 0,
 * abs'(0) = 0, clamp passes gradient only strictly inside (lo, hi), TopK gives 0 to every entry
 * it did not keep, and ties go to the lower index.
 */
class SubgradientConventionTest {

    /** d(Σ op(x))/dx for one input row. */
    private static float[] gradOfSum(float[] x, java.util.function.UnaryOperator<Tensor> op) {
        Tensor t = Tensor.of(x, x.length).setRequiresGrad(true);
        op.apply(t).sum().backward();
        return t.gradData();
    }

    @Test
    void reluIsFlatAtZero() {
        assertArrayEquals(new float[] {0, 0, 1, 0}, gradOfSum(new float[] {-1, 0, 2, -0f}, Tensor::relu));
    }

    @Test
    void absIsFlatAtZero() {
        assertArrayEquals(new float[] {-1, 0, 1, 0}, gradOfSum(new float[] {-3, 0, 0.5f, -0f}, Tensor::abs));
    }

    @Test
    void clampPassesGradientOnlyStrictlyInside() {
        // lo = -1, hi = 2: below, at lo, inside, at hi, above.
        assertArrayEquals(new float[] {0, 0, 1, 0, 0},
                gradOfSum(new float[] {-5, -1, 0.5f, 2, 7}, t -> t.clamp(-1, 2)));
    }

    @Test
    void clampWithEqualBoundsPassesNothing() {
        assertArrayEquals(new float[] {0, 0, 0}, gradOfSum(new float[] {-1, 1, 3}, t -> t.clamp(1, 1)));
    }

    @Test
    void topkGivesZeroToDroppedEntries() {
        assertArrayEquals(new float[] {0, 1, 0, 1, 0},
                gradOfSum(new float[] {0.1f, 5, -2, 3, 2.9f}, t -> t.topk(2)));
    }

    @Test
    void topkTiesKeepTheLowerIndex() {
        // Three equal maxima, k = 2: columns 1 and 2 win, column 4 loses, in value and in gradient.
        float[] x = {1, 4, 4, 0, 4};
        Tensor t = Tensor.of(x, 1, 5).setRequiresGrad(true);
        TopKSelection sel = t.topkSelect(2);
        assertArrayEquals(new int[] {1, 2}, sel.indices());
        assertArrayEquals(new float[] {0, 4, 4, 0, 0}, sel.dense().toArray());
        sel.dense().sum().backward();
        assertArrayEquals(new float[] {0, 1, 1, 0, 0}, t.gradData());
    }

    @Test
    void topkOfZeroKeepsNothing() {
        assertArrayEquals(new float[] {0, 0, 0}, gradOfSum(new float[] {1, 2, 3}, t -> t.topk(0)));
    }
}
