package saelab.train.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import saelab.train.trainer.TrainingLog;

/** What a training run keeps in its output folder, and tidying it: strays of killed runs, or a whole old run. */
public final class RunFolder {
    private RunFolder() {}

    public static final String EVAL = "eval.json";
    /** Every file or folder a run writes (the lock aside, which belongs to whoever holds it). */
    static final List<String> RUN_FILES = List.of(SaeCheckpoint.WEIGHTS, SaeCheckpoint.CONFIG, TrainerState.FILE, TrainingLog.FILE, EVAL,
            CheckpointManifest.FILE, CheckpointManifest.DIR, FeatureSparsity.FILE);

    /** The run files {@code dir} holds (empty for a missing or fresh folder). */
    public static List<String> runFiles(Path dir) {
        return RUN_FILES.stream().filter(f -> Files.exists(dir.resolve(f))).toList();
    }

    /** Removes a run's files from {@code dir} (other files stay), e.g. before a run replaces it. */
    public static void clear(Path dir) {
        for (String f : RUN_FILES) deleteTree(dir.resolve(f));
        removeStrays(dir);
    }

    /** Removes the manifest and the checkpoint folders (a fresh run must not resume into an old run's state). */
    public static void clearCheckpoints(Path dir) {
        deleteTree(dir.resolve(CheckpointManifest.FILE));
        deleteTree(dir.resolve(CheckpointManifest.DIR));
    }

    /**
     * Removes what a killed run leaves: temporary files ({@code .NAME.….tmp}, from an
     * interrupted atomic write) and checkpoint folders the manifest does not name.
     */
    public static void removeStrays(Path dir) {
        if (!Files.isDirectory(dir)) return;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) if (isTemporary(p)) deleteTree(p);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list: " + e.getMessage(), e);
        }
        removeUncommittedCheckpoints(dir);
    }

    /** Deletes every folder under checkpoints/ except the one checkpoint.json names (all of them without a manifest). */
    static void removeUncommittedCheckpoints(Path dir) {
        Path root = dir.resolve(CheckpointManifest.DIR);
        if (!Files.isDirectory(root)) return;
        Path keep = committedDir(dir);
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.toList()) if (!p.normalize().equals(keep)) deleteTree(p);
        } catch (IOException e) {
            throw new UncheckedIOException(root + ": cannot list: " + e.getMessage(), e);
        }
    }

    /** The folder the manifest names, unverified (verifying is resume's job), or null. */
    private static Path committedDir(Path dir) {
        try {
            var m = SaeCheckpoint.JSON.readTree(dir.resolve(CheckpointManifest.FILE).toFile());
            return m.path("dir").isTextual() ? dir.resolve(m.path("dir").asText()).normalize() : null;
        } catch (IOException e) {
            return null; // no manifest, or not one: nothing under checkpoints/ is committed
        }
    }

    static boolean isTemporary(Path p) {
        String n = p.getFileName().toString();
        return n.startsWith(".") && n.endsWith(".tmp");
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        } catch (IOException e) {
            throw new UncheckedIOException(p + ": cannot delete: " + e.getMessage(), e);
        }
    }
}
