package saelab.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.safetensors.SafetensorsFile;
import saelab.train.trainer.SaeTrainer;
import saelab.train.trainer.TrainConfig;
import saelab.train.trainer.TrainingRun;

/**
 * Kills a child JVM while it trains (a checkpoint after every step, so most kills land inside
 * one), resumes in this JVM, and compares with an uninterrupted run bit for bit.
 */
class CheckpointCrashTest {
    static final long SEED = 20261204L;
    static final int TRIALS = 6;

    @Test
    void aRunKilledAtRandomPointsResumesToTheUninterruptedWeights(@TempDir Path tmp) throws Exception {
        System.out.println("CheckpointCrashTest seed " + SEED);
        TrainConfig cfg = CrashChild.config();
        SaeTrainer whole = TrainingRun.start(cfg, CrashChild.source(), TrainingRun.Options.to(tmp.resolve("whole")));
        byte[] wholeWeights = Files.readAllBytes(tmp.resolve("whole").resolve(SaeCheckpoint.WEIGHTS));
        SplittableRandom rnd = new SplittableRandom(SEED);
        int tornTopLevel = 0, strayTrials = 0;
        for (int trial = 0; trial < TRIALS; trial++) {
            Path dir = tmp.resolve("run" + trial);
            long killAfter = rnd.nextLong(2, cfg.steps() - 8);
            long delayNanos = rnd.nextLong(0, 25_000_000); // a checkpoint takes a few ms (three fsyncs and renames): spread over several
            int exit;
            try (ChildJvm child = ChildJvm.start("train", dir.toString())) {
                for (String line; ; ) {
                    line = child.readLine();
                    if (line == null) fail("trial " + trial + ": the child ended before step " + killAfter);
                    if (line.equals("step " + killAfter)) break;
                }
                LockSupport.parkNanos(delayNanos);
                child.process.destroyForcibly();
                exit = child.process.waitFor();
            }
            assertNotEquals(0, exit, "trial " + trial + ": the child finished before the kill; nothing was interrupted");
            // What the kill left: a torn top level (files from two steps), temporaries, an uncommitted folder.
            long committed = CheckpointManifest.find(dir).orElseThrow().step();
            assertTrue(committed >= killAfter && committed <= cfg.steps() - 1, "trial " + trial + ": committed step " + committed);
            boolean torn = topLevelStepsDisagree(dir);
            long strays = strays(dir);
            String uncommitted = uncommitted(dir);
            if (torn) tornTopLevel++;
            if (strays > 0) strayTrials++;
            SaeTrainer resumed = TrainingRun.resume(CrashChild.source(), TrainingRun.Options.to(dir));
            System.out.printf("trial %d: killed %.2f ms after step %d (exit %d), committed step %d, top level torn %s, %d strays%s; resumed to step %d%n",
                    trial, delayNanos / 1e6, killAfter, exit, committed, torn, strays, uncommitted, resumed.step());
            assertEquals(cfg.steps(), resumed.step());
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(whole.params().list().get(i).toArray(), resumed.params().list().get(i).toArray(), "trial " + trial + ", parameter " + i);
            }
            assertArrayEquals(wholeWeights, Files.readAllBytes(dir.resolve(SaeCheckpoint.WEIGHTS)), "trial " + trial + ": the published weights");
            assertEquals(0, strays(dir), "trial " + trial + ": strays left after the resume");
        }
        // Most kills land inside the next checkpoint's writes; had none, the atomicity was not tested.
        assertTrue(strayTrials >= 1, "no kill interrupted a checkpoint");
        System.out.println("CheckpointCrashTest: " + TRIALS + " kills, top level torn at the kill in " + tornTopLevel + ", strays in " + strayTrials);
    }

    /** Whether the top-level trainer state and weights carry different steps (what used to make a run unresumable). */
    static boolean topLevelStepsDisagree(Path dir) {
        if (!Files.exists(dir.resolve(TrainerState.FILE)) || !Files.exists(dir.resolve(SaeCheckpoint.WEIGHTS))) return false;
        try (SafetensorsFile s = SafetensorsFile.open(dir.resolve(TrainerState.FILE)); SafetensorsFile w = SafetensorsFile.open(dir.resolve(SaeCheckpoint.WEIGHTS))) {
            return !s.metadata().get("step").equals(w.metadata().get("saelab_step"));
        }
    }

    /** The files of the checkpoint folders the manifest does not name (the one the kill interrupted), for the trial's line. */
    static String uncommitted(Path dir) throws IOException {
        Path keep = CheckpointManifest.find(dir).orElseThrow().dir();
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.list(dir.resolve(CheckpointManifest.DIR))) {
            for (Path p : s.filter(p -> !p.equals(keep)).sorted().toList()) {
                try (Stream<Path> f = Files.list(p)) {
                    sb.append(", uncommitted ").append(p.getFileName()).append(" holds ")
                            .append(f.map(q -> q.getFileName().toString().replaceAll("\\.\\d+\\.tmp$", ".tmp")).sorted().toList());
                }
            }
        }
        return sb.toString();
    }

    /** Temporary files anywhere in the run, plus checkpoint folders besides the committed one. */
    static long strays(Path dir) throws IOException {
        long tmp;
        try (Stream<Path> s = Files.walk(dir)) {
            tmp = s.filter(RunFolder::isTemporary).count();
        }
        long folders;
        try (Stream<Path> s = Files.list(dir.resolve(CheckpointManifest.DIR))) {
            folders = s.count();
        }
        return tmp + folders - 1;
    }

    @Test
    void aRunWrittenBeforeManifestsResumesFromItsTopLevelFiles(@TempDir Path tmp) throws Exception {
        TrainConfig cfg = CrashChild.config();
        SaeTrainer whole = TrainingRun.start(cfg, CrashChild.source(), TrainingRun.Options.to(tmp.resolve("whole")));
        Path split = tmp.resolve("split"), legacy = tmp.resolve("legacy");
        TrainingRun.start(cfg, CrashChild.source(), new TrainingRun.Options(split, 11, null));
        Files.createDirectories(legacy);
        for (String f : List.of(SaeCheckpoint.WEIGHTS, SaeCheckpoint.CONFIG, TrainerState.FILE)) Files.copy(split.resolve(f), legacy.resolve(f));
        assertTrue(CheckpointManifest.find(legacy).isEmpty());
        SaeTrainer resumed = TrainingRun.resume(CrashChild.source(), TrainingRun.Options.to(legacy));
        for (int i = 0; i < 4; i++) assertArrayEquals(whole.params().list().get(i).toArray(), resumed.params().list().get(i).toArray(), "parameter " + i);
        assertEquals(cfg.steps(), CheckpointManifest.find(legacy).orElseThrow().step(), "its next checkpoint has a manifest");
    }

    @Test
    void resumingRemovesStraysAndRefusesADamagedCheckpointNamingTheFile(@TempDir Path dir) throws Exception {
        TrainConfig cfg = CrashChild.config();
        TrainingRun.start(cfg, CrashChild.source(), new TrainingRun.Options(dir, 7, null));
        Path committed = CheckpointManifest.find(dir).orElseThrow().dir();
        assertEquals(7, CheckpointManifest.find(dir).orElseThrow().step());
        Files.writeString(dir.resolve(".sae_weights.safetensors.123.tmp"), "half");
        Files.createDirectories(dir.resolve(CheckpointManifest.DIR).resolve("step-8-42"));
        Files.writeString(dir.resolve(CheckpointManifest.DIR).resolve("step-8-42").resolve(".trainer_state.safetensors.9.tmp"), "half");
        assertEquals(3, strays(dir), "a temporary at the top, an uncommitted folder and a temporary in it");
        // Resuming with nothing left to do (stop after step 7) removes them and writes no checkpoint.
        assertEquals(7, TrainingRun.resume(CrashChild.source(), new TrainingRun.Options(dir, 7, null)).step());
        assertEquals(0, strays(dir));
        assertTrue(Files.isDirectory(committed), "the committed checkpoint stays");

        // One flipped byte in the committed weights: refused in one line naming the file.
        Path w = committed.resolve(SaeCheckpoint.WEIGHTS);
        byte[] b = Files.readAllBytes(w);
        b[b.length - 3] ^= 1;
        Files.write(w, b);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> TrainingRun.resume(CrashChild.source(), TrainingRun.Options.to(dir)));
        assertTrue(e.getMessage().startsWith(w + ": sha256 ") && e.getMessage().contains("checkpoint.json says"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }
}
