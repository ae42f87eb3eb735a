package saelab.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.RunLock;

class RunLockTest {

    @Test
    void aSecondHolderInThisJvmIsRefusedNamingThePidUntilTheFirstLetsGo(@TempDir Path dir) throws Exception {
        long me = ProcessHandle.current().pid();
        try (RunLock first = RunLock.acquire(dir)) {
            assertEquals(me + "", Files.readString(dir.resolve(RunLock.FILE)).strip(), "the holder's pid is in the lock file");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> RunLock.acquire(dir));
            assertTrue(e.getMessage().contains("(pid " + me + ")"), e.getMessage());
            assertEquals(1, e.getMessage().lines().count());
        }
        try (RunLock again = RunLock.acquire(dir)) {
            assertEquals(me + "", Files.readString(dir.resolve(RunLock.FILE)).strip());
        }
    }

    @Test
    void anotherProcessHoldingTheFolderIsNamedByItsPidAndItsDeathFreesTheFolder(@TempDir Path dir) throws Exception {
        long childPid;
        try (ChildJvm child = ChildJvm.start("lock", dir.toString())) {
            assertEquals("locked", child.readLine());
            childPid = child.process.pid();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> RunLock.acquire(dir));
            assertTrue(e.getMessage().contains("another saelab process (pid " + childPid + ")"), e.getMessage());
        } // killed: the OS drops its lock
        try (RunLock mine = RunLock.acquire(dir)) {
            assertEquals(ProcessHandle.current().pid() + "", Files.readString(dir.resolve(RunLock.FILE)).strip(), "the pid is rewritten by the new holder");
        }
    }

    @Test
    void aFileInsteadOfAFolderIsRefusedInOneLine(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("notafolder"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunLock.acquire(file));
        assertEquals(file + ": is a file, expected an output folder", e.getMessage());
    }
}
