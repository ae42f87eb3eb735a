package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import saelab.tensor.Props;

/** The kernels' thread pool: every index exactly once, nested calls finish, failures surface. */
class GemmParallelProperties {

    /** Outer and inner ranges 0..40 (empty ones included) on 1..4 threads. */
    @Test
    void everyIndexRunsOnceEvenWhenNested() {
        Props.qt(7331, 60).forAll(Props.ints(0, 40), Props.ints(0, 40), Props.ints(1, 4))
                .checkAssert(GemmParallelProperties::everyIndexOnce);
    }

    private static void everyIndexOnce(int outer, int inner, int threads) {
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

    /** n in 1..30 indices on 1..4 threads, the body failing at index failAt. */
    record Failing(int n, int failAt, int threads) {}

    @Test
    void aFailingBodyIsRethrownToTheCaller() {
        Gen<Integer> sizes = Props.ints(1, 30), threadCounts = Props.ints(1, 4);
        Gen<Failing> cases = in -> {
            int n = sizes.generate(in);
            return new Failing(n, Props.ints(0, n - 1).generate(in), threadCounts.generate(in));
        };
        Props.qt(7332, 20).forAll(cases).checkAssert(c -> {
            int n = c.n(), failAt = c.failAt();
            IllegalStateException boom = new IllegalStateException("boom");
            int saved = Parallel.parallelism();
            Parallel.setParallelism(c.threads());
            try {
                IllegalStateException thrown = assertThrows(IllegalStateException.class,
                        () -> Parallel.forRange(n, i -> {
                            if (i == failAt) throw boom;
                        }));
                assertSame(boom, thrown);
            } finally {
                Parallel.setParallelism(saved);
            }
        });
    }
}
