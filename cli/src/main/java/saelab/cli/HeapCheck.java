package saelab.cli;

/**
 * Refuses up front what would end in an OutOfMemoryError halfway: the launcher caps the heap of
 * the inference commands (see ./saelab), and a long prompt or a large --tokens can outgrow it.
 */
final class HeapCheck {
    private HeapCheck() {}

    /**
     * Null when {@code bytes} fit in half the maximum heap (the rest is for the work buffers and
     * the garbage collector's room to move), else a message saying how to raise the maximum.
     */
    static String tooLarge(String what, long bytes) {
        return tooLarge(what, bytes, Runtime.getRuntime().maxMemory());
    }

    static String tooLarge(String what, long bytes, long maxHeap) {
        if (bytes <= maxHeap / 2) return null;
        long suggestedMb = (4 * bytes >> 20) + 1;
        return String.format("%s needs %.0f MB, more than half the Java heap of %.0f MB; "
                + "raise it with SAELAB_JAVA_OPTS=-Xmx%dm", what, bytes / 1e6, maxHeap / 1e6, suggestedMb);
    }
}
