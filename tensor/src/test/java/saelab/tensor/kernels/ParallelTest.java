package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** forRange covers its range once, and calls nested in any share of it (the caller's too) run inline. */
class ParallelTest {

    @Test
    void nestedCallsRunInlineOnEveryThreadTheCallersShareIncluded() {
        Parallel.withParallelism(2, () -> {
            int n = 64, inner = 16;
            AtomicInteger[] hits = new AtomicInteger[n * inner];
            for (int i = 0; i < hits.length; i++) hits[i] = new AtomicInteger();
            Set<Thread> outerThreads = ConcurrentHashMap.newKeySet(), nestedThreads = ConcurrentHashMap.newKeySet();
            AtomicInteger notInline = new AtomicInteger();
            Thread caller = Thread.currentThread();
            AtomicInteger callerShare = new AtomicInteger();
            Parallel.forRange(n, i -> {
                Thread outer = Thread.currentThread();
                outerThreads.add(outer);
                if (outer == caller) callerShare.incrementAndGet();
                if (!Parallel.inPool()) notInline.incrementAndGet();
                Parallel.forRange(inner, j -> {
                    nestedThreads.add(Thread.currentThread());
                    if (Thread.currentThread() != outer) notInline.incrementAndGet();
                    hits[i * inner + j].incrementAndGet();
                    // Some work, so that the helper takes part of the outer range.
                    double x = 0;
                    for (int k = 0; k < 20_000; k++) x += Math.sqrt(k + j);
                    if (x < 0) throw new AssertionError();
                });
            });
            for (AtomicInteger h : hits) assertEquals(1, h.get(), "every (i, j) ran once");
            assertTrue(callerShare.get() > 0, "the caller took part in the outer range");
            assertEquals(0, notInline.get(), "a nested call left the thread it was called on");
            assertTrue(outerThreads.containsAll(nestedThreads), "nested work ran on a thread of its own: " + nestedThreads);
            assertFalse(Parallel.inPool(), "the caller is a plain thread again afterwards");
            return null;
        });
    }
}
