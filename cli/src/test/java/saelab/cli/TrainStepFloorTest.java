package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The floor's parts: what it counts, that its measurements ran, and the CPU line. */
class TrainStepFloorTest {

    @Test
    void floorIsTheGemmPlusSevenArraysAtTheCopyBandwidth() {
        int rows = 64, d = 48, m = 256;
        TrainStepFloor f = TrainStepFloor.measure(rows, d, m, 8, 2, 1 << 22);
        long params = 2L * d * m + m + d;
        assertEquals(7 * 4 * params, f.streamBytes(), "w, g, m, v read and w, m, v written, 4 bytes each");
        assertTrue(f.gemmSeconds() > 0 && f.copyBytesPerSec() > 0, "both parts were measured: " + f);
        assertEquals(f.streamBytes() / f.copyBytesPerSec(), f.streamSeconds(), 1e-15);
        assertEquals(f.gemmSeconds() + f.streamSeconds(), f.seconds(), 1e-15);
        assertTrue(f.gatherSeconds() > 0, "the gather pass was timed: " + f);
        assertEquals(f.seconds() + 3 * f.gatherSeconds(), f.boundSeconds(), 1e-15, "the bound adds the step's three gather passes to the floor");
        // A copy faster than 10 TB/s or slower than 10 MB/s would mean the timing measured something else.
        assertTrue(f.copyBytesPerSec() > 1e7 && f.copyBytesPerSec() < 1e13, "copy bandwidth " + f.copyBytesPerSec());
    }

    @Test
    void theMeterKeepsTheBestOfItsTimedRoundsOnly() {
        int rows = 64, d = 48, m = 256;
        TrainStepFloor.Meter meter = new TrainStepFloor.Meter(rows, d, m, 8, 1 << 22);
        assertThrows(IllegalStateException.class, meter::floor, "no floor before a timed round");
        meter.round(false);
        assertEquals(0, meter.rounds(), "a warm-up round is not counted");
        for (int r = 0; r < 3; r++) meter.round(true);
        assertEquals(3, meter.rounds());
        TrainStepFloor f = meter.floor();
        assertEquals(TrainStepFloor.measure(rows, d, m, 8, 1, 1 << 22).streamBytes(), f.streamBytes(), "the same seven arrays as measure()");
        assertTrue(f.gemmSeconds() > 0 && f.copyBytesPerSec() > 1e7 && f.copyBytesPerSec() < 1e13 && f.gatherSeconds() > 0, "every part was measured: " + f);
        meter.drop();
        assertThrows(NullPointerException.class, () -> meter.round(true), "dropped: its arrays are gone");
    }

    @Test
    void cpuModelIsTheModelNameLine() {
        String info = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9R14 96-Core Processor\nflags\t\t: fpu\n";
        assertEquals("AMD EPYC 9R14 96-Core Processor", TrainStepFloor.cpuModel(info));
        assertTrue(TrainStepFloor.cpuModel("processor : 0\n").contains("no model name"), "a cpuinfo without the line says so");
    }
}
