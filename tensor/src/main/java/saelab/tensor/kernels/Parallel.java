package saelab.tensor.kernels;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * A shared pool of daemon threads for the kernels, with one operation: run {@code body(i)} for
 * every i in [0, n) on up to {@link #parallelism()} threads and return when all are done.
 *
 * <p>The caller takes part: it claims indices from the same counter as the helpers, so a call
 * finishes even when every helper is busy elsewhere (two unrelated callers, or a pool thread
 * calling in again). Calls made from inside a share of another call (on a pool thread, or on
 * the caller while it runs its own share) run inline, one index after another, because the outer
 * call has already spread the work over the cores.
 */
public final class Parallel {
    private Parallel() {}

    private static final ThreadLocal<Boolean> IN_POOL = ThreadLocal.withInitial(() -> false);

    /** Grows on demand (cached), so raising the parallelism never starves a call of helpers. */
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(() -> {
            IN_POOL.set(true);
            r.run();
        }, "saelab-kernel");
        t.setDaemon(true);
        return t;
    });

    private static volatile int parallelism = initialParallelism();

    private static int initialParallelism() {
        String prop = System.getProperty("saelab.threads");
        if (prop != null) {
            try {
                int t = Integer.parseInt(prop.trim());
                if (t >= 1) return t;
            } catch (NumberFormatException ignored) {
                // fall through to the number of cores
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /** Threads a call may use (the caller included): {@code saelab.threads} or the cores. */
    public static int parallelism() {
        return parallelism;
    }

    public static void setParallelism(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1: " + threads);
        parallelism = threads;
    }

    /**
     * Runs {@code body} on the calling thread with every kernel call inside it inline, as on a
     * pool thread: for callers that already keep the cores busy with independent work (several
     * training runs at once), where splitting each kernel again would only add contention. Results
     * are the same, as no kernel's result depends on how many threads ran it.
     */
    public static void inline(Runnable body) {
        boolean was = IN_POOL.get();
        IN_POOL.set(true);
        try {
            body.run();
        } finally {
            IN_POOL.set(was);
        }
    }

    /**
     * Runs {@code body} with {@link #parallelism()} set to {@code threads}, then restores it: for
     * checks that a kernel gives the same bits on any thread count. Not for concurrent callers (the
     * setting is process-wide).
     */
    public static <T> T withParallelism(int threads, java.util.function.Supplier<T> body) {
        int saved = parallelism;
        setParallelism(threads);
        try {
            return body.get();
        } finally {
            parallelism = saved;
        }
    }

    /** True on a pool thread, where nested calls run inline. */
    public static boolean inPool() {
        return IN_POOL.get();
    }

    /** A range [from, to) of a chunked loop. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    /**
     * Runs body over [0, n) in ranges of {@code chunk} (the last one shorter), in any order, on up to
     * {@link #parallelism()} threads. The ranges depend on n and chunk only, so per-range results
     * combined in range order do not depend on the thread count.
     */
    public static void forChunks(int n, int chunk, Range body) {
        if (chunk < 1) throw new IllegalArgumentException("chunks of " + chunk + ", expected at least 1");
        forRange((n + chunk - 1) / chunk, c -> body.run(c * chunk, Math.min(n, c * chunk + chunk)));
    }

    /** Runs body(i) for i in [0, n), in any order, on up to {@link #parallelism()} threads. */
    public static void forRange(int n, IntConsumer body) {
        forRange(n, parallelism, body);
    }

    /** As {@link #forRange(int, IntConsumer)}, on at most maxThreads threads (1: the caller alone). */
    public static void forRange(int n, int maxThreads, IntConsumer body) {
        if (n <= 0) return;
        int threads = Math.min(n, Math.min(maxThreads, parallelism));
        if (threads == 1 || inPool()) {
            for (int i = 0; i < n; i++) body.accept(i);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(n);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable worker = () -> {
            for (int i; (i = next.getAndIncrement()) < n; ) {
                try {
                    if (failure.get() == null) body.accept(i);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            }
        };
        for (int h = 1; h < threads; h++) POOL.execute(worker);
        // The caller's share runs as a pool thread's does: its nested calls inline too. Otherwise each
        // nested call from the caller handed work to yet another pool thread, a third on two cores.
        IN_POOL.set(true);
        try {
            worker.run();
        } finally {
            IN_POOL.set(false);
        }
        boolean interrupted = false;
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the helpers still write into the caller's arrays: wait for them
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error err) throw err;
        if (t != null) throw new RuntimeException(t);
    }
}
