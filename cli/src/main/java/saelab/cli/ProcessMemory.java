package saelab.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The process's resident memory from /proc/self/status (Linux), split the way a memory-mapped
 * model needs it: RssFile is the checkpoint's pages (plus the JVM's own mapped files), RssAnon
 * is everything the JVM allocated (heap, metaspace, code cache, thread stacks, native buffers).
 * VmHWM, the kernel's peak of their sum, is exact; the peaks of the two parts are sampled by a
 * daemon thread, since the kernel keeps no peak for them.
 */
final class ProcessMemory implements AutoCloseable {
    private static final Path STATUS = Path.of("/proc/self/status");

    /** One reading, in bytes; -1 where the line is absent (not Linux, or an old kernel). */
    record Reading(long peakTotal, long anon, long file) {
        static Reading parse(String status) {
            long hwm = -1, anon = -1, file = -1;
            for (String line : status.split("\n")) {
                if (line.startsWith("VmHWM:")) hwm = kilobytes(line);
                else if (line.startsWith("RssAnon:")) anon = kilobytes(line);
                else if (line.startsWith("RssFile:")) file = kilobytes(line);
            }
            return new Reading(hwm, anon, file);
        }

        /** "VmHWM:\t  6258000 kB" → 6258000 × 1024. */
        private static long kilobytes(String line) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length != 3 || !parts[2].equals("kB")) {
                throw new IllegalArgumentException("unexpected line in /proc/self/status: '" + line + "' (expected 'Name: N kB')");
            }
            return Long.parseLong(parts[1]) * 1024;
        }
    }

    static Reading read() {
        try {
            return Reading.parse(Files.readString(STATUS));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + STATUS + " (peak RSS is measured on Linux only)", e);
        }
    }

    /**
     * The kernel's peak resident memory (VmHWM) of process {@code pid} so far, in bytes; -1 once the process
     * is gone (its /proc entry with it) or where there is no /proc.
     */
    static long peakOf(long pid) {
        try {
            return Reading.parse(Files.readString(Path.of("/proc", Long.toString(pid), "status"))).peakTotal();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    static boolean available() {
        return Files.isReadable(STATUS);
    }

    private final AtomicLong peakAnon = new AtomicLong(), peakFile = new AtomicLong();
    private final Thread sampler;
    private volatile boolean running = true;

    /** Starts sampling RssAnon and RssFile every {@code periodMillis}. */
    ProcessMemory(long periodMillis) {
        sample();
        sampler = Thread.ofPlatform().daemon().name("saelab-rss-sampler").start(() -> {
            while (running) {
                sample();
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    private void sample() {
        Reading r = read();
        peakAnon.accumulateAndGet(r.anon(), Math::max);
        peakFile.accumulateAndGet(r.file(), Math::max);
    }

    /** The largest RssAnon seen so far (sampled: a spike shorter than the period may be missed). */
    long peakAnon() {
        sample();
        return peakAnon.get();
    }

    long peakFile() {
        sample();
        return peakFile.get();
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }
}
