package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static saelab.tensor.Props.ints;
import static saelab.tensor.Props.qt;
import static saelab.tensor.Props.seeds;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The reusable-array pool: zeroed takes are zero whatever the last user left, given-back arrays
 * come out again, the idle bytes never pass the cap (least recently given lengths dropped first),
 * a second give of one array is refused, concurrent takers never share an array, and scoped
 * arrays are plain new ones outside a scope and go back when the scope closes.
 */
class ReusableArraysProperties {

    @Test
    void aZeroedTakeIsAllZerosAndTheSameArrayAfterAnyContentsWereGivenBack() {
        qt(0x5EED_A110CL, 60).forAll(ints(0, 5000), seeds()).checkAssert((n, seed) -> {
            ReusableArrays pool = new ReusableArrays(1 << 20);
            SplittableRandom r = new SplittableRandom(seed);
            float[] f = new float[n];
            int[] i = new int[n];
            for (int e = 0; e < n; e++) { f[e] = (float) r.nextGaussian(); i[e] = r.nextInt(); }
            pool.give(f);
            pool.give(i);
            float[] f2 = pool.floatsZeroed(n);
            int[] i2 = pool.intsZeroed(n);
            assertSame(f, f2, "the float array given back is the one taken");
            assertSame(i, i2, "the int array given back is the one taken");
            for (int e = 0; e < n; e++) {
                assertEquals(0, Float.floatToRawIntBits(f2[e]), "float element " + e + " is +0");
                assertEquals(0, i2[e], "int element " + e);
            }
            assertEquals(2, pool.reusedCount());
            assertEquals(0, pool.idleBytes());
        });
    }

    @Test
    void aTakeToBeOverwrittenKeepsContentsAndOnlyAnArrayOfTheExactLengthIsReused() {
        ReusableArrays pool = new ReusableArrays(1 << 20);
        float[] a = {1, 2, 3};
        int[] i = {4, 5, 6};
        pool.give(a);
        pool.give(i);
        assertNotSame(a, pool.floats(4), "a 4-float take is not served by a 3-float array");
        assertSame(i, pool.ints(3), "ints are kept apart from floats of the same length");
        float[] b = pool.floats(3);
        assertSame(a, b);
        assertEquals(2f, b[1], "a to-be-overwritten take is not zeroed");
    }

    @Test
    void idleBytesNeverPassTheCapAndTheLeastRecentlyGivenLengthsGoFirst() {
        qt(0xCA9L, 60).forAll(ints(0, 4096), seeds()).checkAssert((capFloats, seed) -> {
            long cap = 4L * capFloats;
            ReusableArrays pool = new ReusableArrays(cap);
            SplittableRandom r = new SplittableRandom(seed);
            for (int g = 0; g < 40; g++) {
                int n = 1 + r.nextInt(1500);
                pool.give(new float[n]);
                assertTrue(pool.idleBytes() <= cap, "idle " + pool.idleBytes() + " bytes after give " + g + ", cap " + cap);
            }
        });
        // A cap of three 100-float arrays: giving a fourth length drops the one given back least recently.
        ReusableArrays pool = new ReusableArrays(3 * 400);
        float[] a = new float[100], b = new float[101], c = new float[99];
        pool.give(a);
        pool.give(b);
        pool.give(c);
        assertEquals(1200, pool.idleBytes());
        pool.give(new float[100]); // does not fit beside a, b and c (1600 bytes): a's length, the eldest, goes first
        assertTrue(pool.idleBytes() <= 1200);
        assertSame(b, pool.floats(101), "b stayed");
        assertSame(c, pool.floats(99), "c stayed");
        assertNotSame(a, pool.floats(100), "a was dropped");
        // Lowering the cap drops idle arrays down to it, least recently used first.
        pool.capBytes(800);
        assertTrue(pool.idleBytes() <= 800, "idle " + pool.idleBytes());
        pool.capBytes(1200);
        // An array larger than the cap is not kept at all, and a cap of 0 keeps nothing.
        float[] big = new float[400];
        pool.give(big);
        assertNotSame(big, pool.floats(400));
        ReusableArrays none = new ReusableArrays(0);
        float[] x = new float[1];
        none.give(x);
        assertNotSame(x, none.floats(1));
        assertEquals(0, none.idleBytes());
    }

    @Test
    void aSecondGiveOfOneArrayIsRefusedInOneLine() {
        ReusableArrays pool = new ReusableArrays(1 << 20);
        float[] a = new float[8];
        pool.give(a);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.give(a));
        assertEquals("reusable arrays: an array of 8 floats was given back twice", e.getMessage());
        assertSame(a, pool.floats(8));
        assertNotSame(a, pool.floats(8), "held once, handed out once");
        assertThrows(IllegalArgumentException.class, () -> new ReusableArrays(-1));
    }

    /**
     * Threads take, stamp every element with their own mark, check the marks after yielding, and
     * give back: two takers sharing an array would see each other's marks. Few lengths, so takes
     * are mostly served from given-back arrays (asserted).
     */
    @Test
    void concurrentTakersNeverShareAnArray() throws InterruptedException {
        ReusableArrays pool = new ReusableArrays(1 << 22);
        int threads = 4, rounds = 3000;
        AtomicReference<String> failure = new AtomicReference<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int mark = t + 1;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                    SplittableRandom r = new SplittableRandom(mark);
                    for (int i = 0; i < rounds && failure.get() == null; i++) {
                        int n = 64 + r.nextInt(3);
                        boolean zeroed = r.nextBoolean();
                        float[] a = zeroed ? pool.floatsZeroed(n) : pool.floats(n);
                        if (zeroed) for (float v : a) if (v != 0) failure.compareAndSet(null, "a zeroed take held " + v);
                        java.util.Arrays.fill(a, mark);
                        Thread.yield();
                        for (float v : a) if (v != mark) failure.compareAndSet(null, "thread " + mark + " saw mark " + v + " in its own array");
                        pool.give(a);
                    }
                } catch (InterruptedException e) {
                    failure.compareAndSet(null, "interrupted");
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e.getMessage());
                }
            });
            th.start();
            ts.add(th);
        }
        go.countDown();
        for (Thread th : ts) th.join();
        assertEquals(null, failure.get());
        assertTrue(pool.reusedCount() > threads * rounds / 2, "most takes were reused (" + pool.reusedCount() + ")");
        assertTrue(pool.idleBytes() <= 4L * 66 * threads * 3, "at most each thread's arrays stay idle: " + pool.idleBytes());
    }

    @Test
    void scopedArraysAreFreshOutsideAScopeAndGoBackWhenTheScopeCloses() {
        assertFalse(ReusableArrays.inScope());
        float[] outside = ReusableArrays.scopedFloats(33);
        ReusableArrays pool = new ReusableArrays(1 << 20);
        float[] kept;
        int[] keptInts;
        try (ReusableArrays.Scope s = pool.openScope()) {
            assertTrue(ReusableArrays.inScope());
            kept = ReusableArrays.scopedFloats(33);
            keptInts = ReusableArrays.scopedInts(7);
            kept[0] = 5;
            assertEquals(0, pool.idleBytes(), "nothing goes back while the scope is open");
            try (ReusableArrays.Scope inner = pool.openScope()) {
                ReusableArrays.scopedFloats(12);
            }
            assertEquals(48, pool.idleBytes(), "the inner scope gave its array back on closing");
        }
        assertFalse(ReusableArrays.inScope());
        assertEquals(48 + 33 * 4 + 7 * 4, pool.idleBytes());
        try (ReusableArrays.Scope again = pool.openScope()) {
            assertSame(kept, ReusableArrays.scopedFloatsZeroed(33), "the scope's array went back to its pool");
            assertEquals(0f, kept[0], "and a zeroed scoped take is zero again");
        }
        assertSame(kept, pool.floats(33), "back once more when that scope closed");
        assertSame(keptInts, pool.ints(7));
        assertNotSame(outside, pool.floats(33), "an array taken outside a scope never enters a pool");
        // Closing an outer scope before its inner one is refused.
        ReusableArrays.Scope outer = pool.openScope();
        ReusableArrays.Scope inner = pool.openScope();
        assertThrows(IllegalStateException.class, outer::close);
        inner.close();
        outer.close();
        assertFalse(ReusableArrays.inScope());
    }

    @Test
    void poisonFillsIdleArraysAndWhenAskedEveryArrayGivenBack() {
        ReusableArrays pool = new ReusableArrays(1 << 20);
        float[] idle = new float[4];
        int[] idleInts = new int[4];
        float[] onLoan = pool.floatsZeroed(4);
        pool.give(idle);
        pool.give(idleInts);
        pool.poisonIdle();
        assertTrue(Float.isNaN(idle[3]));
        assertEquals(Integer.MIN_VALUE, idleInts[0]);
        assertEquals(0f, onLoan[0], "an array on loan is left alone");
        pool.poisonOnGive(true);
        float[] dropped = new float[1 << 20]; // over the cap: not kept, poisoned all the same
        int[] kept = {1, 2};
        pool.give(dropped);
        pool.give(kept);
        pool.poisonOnGive(false);
        assertTrue(Float.isNaN(dropped[0]) && Float.isNaN(dropped[(1 << 20) - 1]));
        assertEquals(Integer.MIN_VALUE, kept[1]);
        float[] plain = {3f};
        pool.give(plain);
        assertEquals(3f, plain[0], "off again: a give leaves the contents");
    }
}
