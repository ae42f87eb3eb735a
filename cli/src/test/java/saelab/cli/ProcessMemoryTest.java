package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

class ProcessMemoryTest {

    /** The lines of a real /proc/self/status around the ones read, in the kernel's format. */
    private static final String STATUS = """
            Name:\tjava
            VmPeak:\t12012340 kB
            VmHWM:\t 6258000 kB
            VmRSS:\t 5900012 kB
            RssAnon:\t  640012 kB
            RssFile:\t 5260000 kB
            RssShmem:\t       0 kB
            Threads:\t21
            """;

    @Test
    void readsThePeakAndTheAnonymousAndFileParts() {
        ProcessMemory.Reading r = ProcessMemory.Reading.parse(STATUS);
        assertEquals(6258000L * 1024, r.peakTotal());
        assertEquals(640012L * 1024, r.anon());
        assertEquals(5260000L * 1024, r.file());
    }

    @Test
    void absentLinesReadAsMinusOne() {
        ProcessMemory.Reading r = ProcessMemory.Reading.parse("Name:\tjava\nVmHWM:\t 100 kB\n");
        assertEquals(100L * 1024, r.peakTotal());
        assertEquals(-1, r.anon());
        assertEquals(-1, r.file());
    }

    @Test
    void aLineInAnotherUnitIsRejectedNamingIt() {
        var e = assertThrows(IllegalArgumentException.class, () -> ProcessMemory.Reading.parse("RssAnon:\t 12 MB\n"));
        assertTrue(e.getMessage().contains("RssAnon:\t 12 MB"), e.getMessage());
    }

    @Test
    void thisProcessesPeakCoversItsCurrentParts() {
        assumeTrue(ProcessMemory.available(), "/proc/self/status is Linux only");
        try (ProcessMemory memory = new ProcessMemory(5)) {
            long[] touched = new long[16 << 20]; // 128 MB, written so that its pages become resident
            java.util.Arrays.fill(touched, 1L);
            ProcessMemory.Reading now = ProcessMemory.read();
            // VmHWM is the peak of VmRSS = RssAnon + RssFile + RssShmem, so it cannot be below their sum.
            assertTrue(now.peakTotal() >= now.anon() + now.file(), now.toString());
            // The array's pages are anonymous memory: the sampled peak must have seen at least them.
            assertTrue(memory.peakAnon() >= 8L * touched.length, "peak anon " + memory.peakAnon() + " < the array's " + 8L * touched.length);
            java.lang.ref.Reference.reachabilityFence(touched);
        }
    }

    @Test
    void anotherProcessesPeakIsReadByItsIdAndAFinishedOneReadsMinusOne() throws Exception {
        assumeTrue(ProcessMemory.available(), "/proc is Linux only");
        // This process by its id: the same kernel peak as /proc/self (it can only have grown between the reads).
        long self = ProcessHandle.current().pid(), before = ProcessMemory.read().peakTotal(), byId = ProcessMemory.peakOf(self);
        assertTrue(byId >= before && before > 0, before + " then " + byId);
        Process child = new ProcessBuilder("sleep", "5").start();
        try {
            long peak = ProcessMemory.peakOf(child.pid());
            assertTrue(peak > 0 && peak < before, "a sleeping child's peak " + peak + " against this JVM's " + before);
        } finally {
            child.destroy();
            child.waitFor();
        }
        assertEquals(-1, ProcessMemory.peakOf(child.pid()), "gone with its /proc entry");
    }
}
