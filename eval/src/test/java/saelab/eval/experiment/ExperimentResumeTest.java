package saelab.eval.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code experiment --resume}: finished runs (their record written last) are reused untouched, an
 * interrupted run (no record) is trained again from its start, and the resumed experiment's numbers
 * equal an uninterrupted one's exactly; a record of other settings is not reused.
 */
class ExperimentResumeTest {

    @Test
    void resumeReusesFinishedRunsAndRetrainsTheInterruptedOneToTheSameNumbers(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = ExperimentEndToEndTest.tiny(dir, Variant.select(List.of("topk", "adaptive")));
        Experiment.Result full = Experiment.run(cfg, null);

        // An interruption: adaptive seed 1 was cut short (no record, a half-written log); the other runs had finished.
        Path cut = Experiment.runDir(cfg, Variant.select(List.of("adaptive")).getFirst(), 1);
        Files.delete(cut.resolve(RunRecord.FILE));
        Files.writeString(cut.resolve("log.jsonl"), "{\"step\": 0, \"loss\": 1.0}\n{\"step\": 1, \"lo");
        Path kept = Experiment.runDir(cfg, Variant.select(List.of("topk")).getFirst(), 0);
        FileTime keptTime = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(kept.resolve("log.jsonl"), keptTime);

        assertThrows(IllegalArgumentException.class, () -> Experiment.prepareOutput(dir, false, false), "a used folder is refused without --resume");
        assertThrows(IllegalArgumentException.class, () -> Experiment.prepareOutput(dir, true, true));
        Experiment.prepareOutput(dir, false, true);
        Experiment.Result resumed = Experiment.run(cfg, null);

        assertEquals(keptTime, Files.getLastModifiedTime(kept.resolve("log.jsonl")), "a finished run is reused, not trained again");
        assertTrue(Files.isRegularFile(cut.resolve(RunRecord.FILE)), "the interrupted run finished this time");
        assertFalse(Files.readString(cut.resolve("log.jsonl")).contains("\"lo\n") || Files.readString(cut.resolve("log.jsonl")).endsWith("\"lo"),
                "the interrupted run's torn log was replaced");
        assertEquals(full.runs().size(), resumed.runs().size());
        for (int i = 0; i < full.runs().size(); i++) {
            Experiment.RunResult a = full.runs().get(i), b = resumed.runs().get(i);
            assertEquals(a.variant(), b.variant());
            assertEquals(a.seed(), b.seed());
            assertEquals(a.phases().size(), b.phases().size());
            for (int p = 0; p < a.phases().size(); p++) {
                Snapshot x = a.phases().get(p), y = b.phases().get(p);
                assertEquals(x.metrics().keySet(), y.metrics().keySet());
                // Bit for bit: reused runs come back from the record exactly, the retrained one is deterministic.
                for (String k : x.metrics().keySet()) {
                    assertEquals(Double.doubleToLongBits(x.get(k)), Double.doubleToLongBits(y.get(k)), a.variant() + " seed " + a.seed() + " " + k);
                }
                assertArrayEquals(x.coFiringHistogram(), y.coFiringHistogram());
                assertArrayEquals(x.densityHistogram(), y.densityHistogram());
            }
            assertEquals(a.curve(), b.curve(), a.variant() + " seed " + a.seed() + " curve");
        }
    }

    @Test
    void aRecordOfOtherSettingsIsNotReused(@TempDir Path dir) {
        ExperimentConfig cfg = ExperimentEndToEndTest.tiny(dir, Variant.select(List.of("topk")));
        Experiment.Result first = Experiment.run(cfg, null);
        ExperimentConfig longer = ExperimentConfig.synthetic(dir, cfg.variants(), cfg.seeds(), 14, cfg.batch(), cfg.phases(), cfg.evalRows(),
                cfg.m(), cfg.k(), cfg.preset(), cfg.dataSeed(), cfg.recoveryBar(), cfg.evMargin());
        Experiment.prepareOutput(dir, false, true);
        Experiment.Result second = Experiment.run(longer, null);
        for (int i = 0; i < first.runs().size(); i++) {
            assertEquals(12, (long) first.runs().get(i).last().get(Snapshot.STEP));
            assertEquals(14, (long) second.runs().get(i).last().get(Snapshot.STEP), "trained again with the new step count");
            assertNotEquals(first.runs().get(i).curve().size(), 0);
        }
    }
}
