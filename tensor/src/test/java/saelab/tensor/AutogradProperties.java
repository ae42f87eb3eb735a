package saelab.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static saelab.tensor.Props.ints;
import static saelab.tensor.Props.qt;
import static saelab.tensor.Props.seeds;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The engine's contract: accumulation, zeroGrad, no-grad scopes, scalar roots, error messages. */
@SuppressWarnings("try") // NoGrad scopes are entered for their effect, never referenced
class AutogradProperties {

    /** A small loss touching matmul, broadcast, a nonlinearity and a reduction. */
    private static Tensor loss(Tensor w, Tensor b, Tensor x) {
        return x.matmul(w).add(b).tanh().square().mean();
    }

    @Test
    void backwardTwiceDoublesTheGradient() {
        qt(7701, 50).forAll(ints(1, 7), ints(1, 19), ints(1, 19), seeds()).checkAssert(AutogradProperties::backwardTwice);
    }

    private static void backwardTwice(int n, int d, int h, long seed) {
        Tensor w = Tensor.randn(seed, d, h).setRequiresGrad(true);
        Tensor b = Tensor.randn(seed + 1, h).setRequiresGrad(true);
        Tensor x = Tensor.randn(seed + 2, n, d);
        Tensor l = loss(w, b, x);
        l.backward();
        float[] once = w.grad().toArray(), onceB = b.grad().toArray();
        assertTrue(anyNonZero(once) && anyNonZero(onceB), "the loss reaches both parameters"); // else 2·0 = 0 proves nothing
        l.backward(); // same graph again: interior gradients start from zero, leaves accumulate, exactly
        float[] twice = w.grad().toArray(), twiceB = b.grad().toArray();
        for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], twice[i], 0f, "w grad " + i);
        for (int i = 0; i < onceB.length; i++) assertEquals(2 * onceB[i], twiceB[i], 0f, "b grad " + i);

        // A fresh forward pass after zeroGrad gives the single gradient again, summed into the
        // zeroed buffer itself (no fresh buffer, no add-back pass): the same array afterwards.
        float[] wBuffer = w.gradData();
        w.zeroGrad();
        b.zeroGrad();
        float[][] seen = new float[1][];
        Tensor probe = CustomOp.record("probe", Tensor.wrap(new float[] {0f}, 0, 1), (g, grads) -> seen[0] = grads.of(w), w);
        loss(w, b, x).add(probe.sum()).backward();
        assertArrayEquals(once, w.grad().toArray());
        assertArrayEquals(onceB, b.grad().toArray());
        assertSame(wBuffer, seen[0], "the backward rules sum into the zeroed buffer itself");
        assertNull(x.gradData(), "a constant input gets no gradient buffer");

        // Whatever is written into the zeroed buffer before backward is kept and added to.
        w.zeroGrad();
        w.gradData()[0] = 3f;
        loss(w, b, x).backward();
        assertEquals(3f + once[0], w.grad().toArray()[0], 0f, "a write after zeroGrad is accumulated, not overwritten");
    }

    @Test
    void noGradRecordsNothing() {
        qt(7702, 30).forAll(ints(1, 7), ints(1, 19), seeds()).checkAssert(AutogradProperties::noGradRecordsNothing);
    }

    private static void noGradRecordsNothing(int n, int d, long seed) {
        Tensor w = Tensor.randn(seed, d, d).setRequiresGrad(true);
        Tensor x = Tensor.randn(seed + 1, n, d);
        Tensor recorded = loss(w, w.rows(0, 1), x);
        try (var outer = NoGrad.enter()) {
            Tensor y;
            try (var inner = NoGrad.enter()) {
                y = loss(w, w.rows(0, 1), x);
                assertFalse(y.requiresGrad());
                assertTrue(y.isLeaf());
            }
            // Still inside the outer scope: closing the inner one must not resume recording.
            Tensor z = x.matmul(w).topk(1).gatherRows(0).softmax();
            assertFalse(z.requiresGrad());
            assertTrue(z.isLeaf());
            assertThrows(IllegalStateException.class, y::backward);
            // Same value with and without the graph.
            assertEquals(recorded.item(), y.item(), 0f);
        }
        assertTrue(loss(w, w.rows(0, 1), x).requiresGrad(), "recording resumes after the outer scope closes");
    }

    @Test
    void noGradIsPerThread() throws InterruptedException {
        Tensor w = Tensor.randn(1, 3, 3).setRequiresGrad(true);
        AtomicBoolean otherThreadRecords = new AtomicBoolean();
        try (var g = NoGrad.enter()) {
            Thread t = new Thread(() -> otherThreadRecords.set(w.mul(2f).requiresGrad()));
            t.start();
            t.join();
            assertFalse(w.mul(2f).requiresGrad());
        }
        assertTrue(otherThreadRecords.get(), "a NoGrad scope on one thread does not affect another");
    }

    @Test
    void closingAScopeTwiceDoesNotPopTheEnclosingOne() {
        try (var outer = NoGrad.enter()) {
            var inner = NoGrad.enter();
            inner.close();
            inner.close();
            assertFalse(NoGrad.isRecording());
        }
        assertTrue(NoGrad.isRecording());
    }

    @Test
    void backwardRejectsNonScalars() {
        Tensor x = Tensor.randn(3, 2, 3).setRequiresGrad(true);
        var e = assertThrows(IllegalStateException.class, () -> x.mul(2f).backward());
        assertTrue(e.getMessage().contains("scalar") && e.getMessage().contains("[2, 3]"), e.getMessage());
    }

    @Test
    void shapeErrorsNameTheOpAndBothShapes() {
        Tensor a = Tensor.zeros(2, 3), b = Tensor.zeros(3, 2);
        for (var op : new String[] {"add", "sub", "mul", "div"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> {
                Tensor unused = switch (op) {
                    case "add" -> a.add(b);
                    case "sub" -> a.sub(b);
                    case "mul" -> a.mul(b);
                    default -> a.div(b);
                };
            });
            assertTrue(e.getMessage().startsWith(op + ":") && e.getMessage().contains("[2, 3]")
                    && e.getMessage().contains("[3, 2]"), e.getMessage());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> a.matmul(a));
        assertTrue(e.getMessage().startsWith("matmul:") && e.getMessage().contains("[2, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.matmul(Tensor.zeros(4, 5), true, false));
        assertTrue(e.getMessage().contains("[2, 3]ᵀ") && e.getMessage().contains("[4, 5]"), e.getMessage());
    }

    @Test
    void aTensorUsedTwiceGetsBothContributions() {
        // y = x·x + x: dy/dx = 2x + 1, reached through two paths into the same leaf.
        Tensor x = Tensor.of(new float[] {3, -2}, 2).setRequiresGrad(true);
        x.mul(x).add(x).sum().backward();
        assertArrayEquals(new float[] {7, -3}, x.gradData());
    }

    @Test
    void deepGraphsDoNotOverflowTheStack() {
        Tensor x = Tensor.of(new float[] {1f}, 1).setRequiresGrad(true);
        Tensor y = x;
        for (int i = 0; i < 100_000; i++) y = y.add(0f);
        y.backward();
        assertEquals(1f, x.gradData()[0]);
    }

    @Test
    void onlyLeavesCanBeMarked() {
        Tensor x = Tensor.zeros(2).setRequiresGrad(true);
        assertThrows(IllegalStateException.class, () -> x.mul(2f).setRequiresGrad(false));
        assertFalse(x.mul(2f).detach().requiresGrad());
    }

    @Test
    void maskMustBeConstant() {
        Tensor x = Tensor.zeros(2).setRequiresGrad(true);
        assertThrows(IllegalArgumentException.class, () -> x.maskMul(x));
    }

    private static boolean anyNonZero(float[] x) {
        for (float v : x) if (v != 0) return true;
        return false;
    }
}
