package saelab.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Storage, views, creation and printing. */
class TensorTest {

    @Test
    void rowViewsShareStorage() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        Tensor mid = x.rows(1, 3);
        assertSame(x.data(), mid.data());
        assertEquals(2, mid.offset());
        assertArrayEquals(new int[] {2, 2}, mid.shape());
        assertEquals(5f, mid.get(1, 0));
        x.data()[2] = 30; // a write through the parent is seen by the view
        assertEquals(30f, mid.get(0, 0));
        // Views of views compose offsets.
        assertArrayEquals(new float[] {5, 6}, mid.rows(1, 2).toArray());
    }

    @Test
    void reshapeSharesStorageAndInfersOneDimension() {
        Tensor x = Tensor.randn(7, 4, 6);
        Tensor y = x.rows(1, 3).reshape(-1, 4);
        assertSame(x.data(), y.data());
        assertArrayEquals(new int[] {3, 4}, y.shape());
        assertArrayEquals(x.rows(1, 3).toArray(), y.toArray());
        assertThrows(IllegalArgumentException.class, () -> x.reshape(5, -1));
        assertThrows(IllegalArgumentException.class, () -> x.reshape(-1, -1));
    }

    @Test
    void creationIsSeededAndCopies() {
        assertArrayEquals(Tensor.randn(42, 3, 5).toArray(), Tensor.randn(42, 3, 5).toArray());
        assertTrue(!java.util.Arrays.equals(Tensor.randn(42, 3, 5).toArray(), Tensor.randn(43, 3, 5).toArray()));
        for (float v : Tensor.rand(1, 100).toArray()) assertTrue(v >= 0 && v < 1);
        float[] src = {1, 2};
        Tensor t = Tensor.of(src, 2);
        src[0] = 9;
        assertEquals(1f, t.get(0), "of() copies");
        assertNotSame(src, t.data());
        assertSame(src, Tensor.wrap(src, 0, 2).data(), "wrap() shares");
        assertEquals(0f, Tensor.zeros(2, 2).get(1, 1));
        assertEquals(1f, Tensor.ones(3).get(2));
    }

    @Test
    void invalidShapesAndAccessAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[3], 2, 2));
        assertThrows(IllegalStateException.class, () -> Tensor.zeros(2).item());
        assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(2, 2).get(2, 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3, 2).rows(2, 2));
        assertEquals(3.5f, Tensor.scalar(3.5f).item());
    }

    @Test
    void sumShapesFollowKeepdim() {
        Tensor x = Tensor.ones(3, 4);
        assertArrayEquals(new int[] {1, 4}, x.sum(0, true).shape());
        assertArrayEquals(new int[] {4}, x.sum(0, false).shape());
        assertArrayEquals(new int[] {3, 1}, x.sum(1, true).shape());
        assertArrayEquals(new int[] {3}, x.sum(1, false).shape());
        assertArrayEquals(new int[] {1}, x.sum().shape());
        assertArrayEquals(new int[] {1}, Tensor.ones(5).sum(0, true).shape());
        assertEquals(12f, x.sum().item());
    }

    @Test
    void logSoftmaxIsStableForHugeLogits() {
        float[] y = Tensor.of(new float[] {1000f, 1001f, -1000f}, 3).logSoftmax().toArray();
        double lse = 1001 + Math.log(Math.exp(-1) + 1);
        assertEquals(1000 - lse, y[0], 1e-4);
        assertEquals(1001 - lse, y[1], 1e-4);
        assertTrue(Float.isFinite(y[2]));
    }

    @Test
    void toStringShowsShapeFlagsAndValues() {
        Tensor x = Tensor.of(new float[] {1, 2.5f, 3, 4}, 2, 2).setRequiresGrad(true);
        assertEquals("Tensor[2, 2] requiresGrad [[1, 2.5], [3, 4]]", x.toString());
        assertEquals("Tensor[2] grad(mul) [2, 5]", x.rows(0, 1).reshape(2).mul(2f).toString());
        assertTrue(Tensor.zeros(10, 10).toString().contains("..."));
    }
}
