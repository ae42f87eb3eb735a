package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The kernels' thread pool: every index exactly once, nested calls finish, failures surface. */
class GemmParallelProperties {

    @Property(tries = 60, seed = "7331")
    void everyIndexRunsOnceEvenWhenNested(@ForAll @IntRange(max = 40) int outer, @ForAll @IntRange(max = 40) int inner,
                                          @ForAll @IntRange(min = 1, max = 4) int threads) {
        int saved = Parallel.parallelism();
        Parallel.setParallelism(threads);
        try {
            AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, outer * inner));
            // An inner call from a pool thread must run inline rather than wait for busy helpers.
            Parallel.forRange(outer, i -> Parallel.forRange(inner, j -> hits.incrementAndGet(i * inner + j)));
            for (int x = 0; x < outer * inner; x++) assertEquals(1, hits.get(x), "index " + x);
        } finally {
            Parallel.setParallelism(saved);
        }
    }

    @Property(tries = 20, seed = "7332")
    void aFailingBodyIsRethrownToTheCaller(@ForAll @IntRange(min = 1, max = 30) int n, @ForAll @IntRange(max = 29) int bad) {
        IllegalStateException boom = new IllegalStateException("boom");
        int failAt = bad % n;
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> Parallel.forRange(n, i -> {
                    if (i == failAt) throw boom;
                }));
        assertSame(boom, thrown);
    }
}
