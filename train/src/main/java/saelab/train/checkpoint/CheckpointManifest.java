package saelab.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import saelab.model.AtomicFiles;
import saelab.train.trainer.SaeTrainer;

/**
 * Makes a checkpoint one atomic step. Its files (trainer state, weights, cfg.json) go into a new
 * folder {@code checkpoints/step-N-…}; then {@code checkpoint.json}, naming that folder, the step
 * and each file's size and SHA-256, replaces the previous one atomically: that rename is the
 * commit. Only then are the files linked (or copied) to the run folder's top level, where
 * SAELens and saelab's readers expect {@code sae_weights.safetensors} and {@code cfg.json}, and
 * the older checkpoint folders removed. A kill at any point leaves the previous manifest or the
 * new one, each naming complete files; resuming reads only what the manifest names.
 */
public final class CheckpointManifest {
    private CheckpointManifest() {}

    public static final String FILE = "checkpoint.json";
    public static final String DIR = "checkpoints";
    /** What every checkpoint holds (a resume needs each). */
    static final List<String> FILES = List.of(TrainerState.FILE, SaeCheckpoint.WEIGHTS, SaeCheckpoint.CONFIG);
    /** What a checkpoint written since sparsity.safetensors exists holds too: checked when the manifest lists it. */
    static final List<String> WRITTEN = List.of(TrainerState.FILE, SaeCheckpoint.WEIGHTS, SaeCheckpoint.CONFIG, FeatureSparsity.FILE);

    /** A committed checkpoint: its folder (all files verified against the manifest) and step. */
    public record Committed(Path dir, long step) {}

    /**
     * Writes the trainer's current state as the run's checkpoint in {@code out}, with {@code
     * sparsity} ({@link FeatureSparsity}: log10 firing density per latent over {@code rows} rows)
     * beside the weights.
     */
    public static void write(Path out, SaeTrainer t, float[] sparsity, int rows) {
        long step = t.step();
        Path stepDir;
        try {
            Files.createDirectories(out.resolve(DIR));
            stepDir = Files.createTempDirectory(out.resolve(DIR), "step-" + step + "-");
            try { // created owner-only; a checkpoint is not secret
                Files.setPosixFilePermissions(stepDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (UnsupportedOperationException ignored) {
                // Not a POSIX file system: its defaults apply.
            }
        } catch (IOException e) {
            throw new UncheckedIOException(out.resolve(DIR) + ": cannot create a checkpoint folder: " + e.getMessage(), e);
        }
        TrainerState.write(stepDir, t);
        SaeCheckpoint.write(stepDir, t.sae(), t.config(), step);
        FeatureSparsity.write(stepDir, sparsity, step, rows);
        ObjectNode m = SaeCheckpoint.JSON.createObjectNode();
        m.put("step", step);
        m.put("dir", DIR + "/" + stepDir.getFileName());
        ObjectNode files = m.putObject("files");
        for (String name : WRITTEN) {
            Path f = stepDir.resolve(name);
            ObjectNode e = files.putObject(name);
            e.put("size", size(f));
            e.put("sha256", sha256(f));
        }
        SaeCheckpoint.writeJson(out.resolve(FILE), m); // the commit
        for (String name : WRITTEN) publish(stepDir.resolve(name), out.resolve(name));
        RunFolder.removeUncommittedCheckpoints(out);
    }

    /**
     * The checkpoint the manifest in {@code out} names, its files checked; empty when there is
     * no manifest (a run written before manifests, whose top-level files are then the checkpoint).
     *
     * @throws IllegalArgumentException naming the file and what was expected when the manifest or
     *         a file it names is damaged
     */
    public static Optional<Committed> find(Path out) {
        Path file = out.resolve(FILE);
        if (!Files.isRegularFile(file)) return Optional.empty();
        JsonNode m;
        try {
            m = SaeCheckpoint.JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + "); expected a checkpoint manifest");
        }
        JsonNode step = m.path("step"), dir = m.path("dir"), files = m.path("files");
        if (!step.isIntegralNumber() || step.asLong() < 0) throw new IllegalArgumentException(file + ": \"step\" must be a non-negative integer");
        if (!dir.isTextual() || !dir.asText().matches(DIR + "/step-[0-9]+-[0-9]+")) {
            throw new IllegalArgumentException(file + ": \"dir\" must name a folder " + DIR + "/step-N-…, got " + dir);
        }
        Path stepDir = out.resolve(dir.asText());
        for (String name : WRITTEN) {
            JsonNode e = files.path(name);
            if (!FILES.contains(name) && e.isMissingNode()) continue; // a checkpoint from before the file existed
            if (!e.path("size").isIntegralNumber() || !e.path("sha256").isTextual()) {
                throw new IllegalArgumentException(file + ": \"files\" must give the size and sha256 of " + name);
            }
            Path f = stepDir.resolve(name);
            if (!Files.isRegularFile(f)) throw new IllegalArgumentException(f + ": missing, but " + file + " names it; the checkpoint is damaged");
            long size = size(f);
            if (size != e.get("size").asLong()) {
                throw new IllegalArgumentException(f + ": " + size + " bytes, but " + file + " says " + e.get("size").asLong() + "; the checkpoint is damaged");
            }
            String hash = sha256(f);
            if (!hash.equals(e.get("sha256").asText())) {
                throw new IllegalArgumentException(f + ": sha256 " + hash + ", but " + file + " says " + e.get("sha256").asText() + "; the checkpoint is damaged");
            }
        }
        return Optional.of(new Committed(stepDir, step.asLong()));
    }

    /** Where a resume reads the checkpoint: the committed folder, or {@code out} itself for a run without a manifest. */
    public static Path resumeFrom(Path out) {
        return find(out).map(Committed::dir).orElse(out);
    }

    /** Replaces {@code target} atomically by {@code source}'s content: a hard link where the file system allows, else a copy. */
    private static void publish(Path source, Path target) {
        Path link = target.resolveSibling("." + target.getFileName() + "." + Long.toUnsignedString(System.nanoTime(), 36) + ".tmp");
        try {
            Files.createLink(link, source);
            try {
                Files.move(link, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(link, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return;
        } catch (IOException | UnsupportedOperationException e) {
            try {
                Files.deleteIfExists(link);
            } catch (IOException ignored) {
                // The copy below replaces the target anyway; a leftover is removed at the next start.
            }
        }
        AtomicFiles.write(target, channel -> {
            try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
                long done = 0, n = in.size();
                while (done < n) done += in.transferTo(done, n - done, channel);
            }
        });
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": cannot read its size: " + e.getMessage(), e);
        }
    }

    static String sha256(Path f) {
        try (InputStream in = Files.newInputStream(f)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": cannot read: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
