package saelab.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The lock a process holds on an output folder while it writes there: an OS lock on
 * {@code DIR/.lock} with the holder's pid inside, so a second writer fails at once with a line
 * naming the holder instead of mixing its files into the first one's. The OS releases the lock
 * when the holder dies, however it dies; the file itself stays (deleting it would race a
 * process that has just opened it).
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = ".lock";
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code dir} (created if missing) for this process.
     *
     * @throws IllegalStateException naming the holder's pid when another process (or another
     *         holder in this one) has it
     * @throws IllegalArgumentException when the folder cannot be created or the lock file opened
     */
    public static RunLock acquire(Path dir) {
        Path file = dir.resolve(FILE);
        FileChannel ch;
        try {
            if (Files.exists(dir) && !Files.isDirectory(dir)) throw new IllegalArgumentException(dir + ": is a file, expected an output folder");
            Files.createDirectories(dir);
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot create the folder's lock file (" + saelab.model.IoErrors.reason(e) + "); expected a writable output folder");
        }
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this JVM holds it already
        } catch (IOException e) {
            closeQuietly(ch);
            throw new IllegalArgumentException(file + ": cannot lock (" + saelab.model.IoErrors.reason(e) + ")");
        }
        if (lock == null) {
            String holder = holder(ch);
            closeQuietly(ch);
            throw new IllegalStateException(dir + ": another saelab process (pid " + holder + ") is writing this folder; wait for it to end or choose another folder");
        }
        try {
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(pid), 0);
            ch.force(false);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new IllegalArgumentException(file + ": cannot write the pid into the lock file (" + saelab.model.IoErrors.reason(e) + ")");
        }
        return new RunLock(ch, lock);
    }

    /** The pid written in the lock file, or "unknown" while the holder has not written it yet. */
    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            ch.read(b, 0);
            String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
            return s.matches("\\d+") ? s : "unknown";
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // Already failing with a better message.
        }
    }

    @Override public void close() {
        try {
            if (lock.isValid()) lock.release();
            channel.close();
        } catch (IOException ignored) {
            // Closing the channel releases the lock whatever happens here.
        }
    }
}
