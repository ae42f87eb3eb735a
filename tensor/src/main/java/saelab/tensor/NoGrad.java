package saelab.tensor;

/**
 * A scope in which ops record no graph: outputs never require grad, so inference allocates no
 * backward closures and keeps nothing alive.
 *
 * <pre>{@code
 * try (var g = NoGrad.enter()) {
 *     Tensor codes = encoder.forward(x);   // no graph
 * }
 * }</pre>
 *
 * <p>The state is per thread (each thread has its own forward passes) and scopes nest: a depth
 * counter, so an inner scope closing does not turn recording back on for the outer one.
 */
public final class NoGrad implements AutoCloseable {
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private final Thread owner = Thread.currentThread();
    private boolean closed;

    private NoGrad() {
        DEPTH.get()[0]++;
    }

    public static NoGrad enter() {
        return new NoGrad();
    }

    /** Whether ops on this thread record a graph right now. */
    public static boolean isRecording() {
        return DEPTH.get()[0] == 0;
    }

    @Override
    public void close() {
        if (closed) return; // closing twice must not pop an enclosing scope
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("NoGrad scope closed on a different thread than the one that entered it");
        }
        closed = true;
        DEPTH.get()[0]--;
    }
}
