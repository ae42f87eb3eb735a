package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.harvest.FileFingerprint;
import saelab.model.harvest.HarvestManifest;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.SafetensorsWriter;
import saelab.model.safetensors.TensorData;
import saelab.train.checkpoint.SaeCheckpoint;

/** `saelab train` on shards with bad numbers: one line naming the place, and no NaN written anywhere. */
class TrainNonFiniteTest {
    static final int DIM = 8, CONTEXT = 8, SHARDS = 3, ROWS = 64;

    /** A harvest of SHARDS × ROWS Gaussian rows; shard {@code badShard}'s row {@code badRow} column {@code badCol} set to {@code bad} (or that whole row scaled by it when badCol < 0). */
    static Path harvest(Path dir, int badShard, int badRow, int badCol, float bad) throws Exception {
        Files.createDirectories(dir);
        SplittableRandom r = new SplittableRandom(21);
        List<HarvestManifest.Shard> shards = new ArrayList<>();
        for (int s = 0; s < SHARDS; s++) {
            float[] a = new float[ROWS * DIM];
            int[] ids = new int[ROWS], pos = new int[ROWS];
            long[] seq = new long[ROWS];
            for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
            for (int row = 0; row < ROWS; row++) {
                long g = (long) s * ROWS + row;
                ids[row] = (int) (g % 97);
                seq[row] = g / CONTEXT;
                pos[row] = (int) (g % CONTEXT);
            }
            if (s == badShard) {
                if (badCol >= 0) a[badRow * DIM + badCol] = bad;
                else for (int c = 0; c < DIM; c++) a[badRow * DIM + c] *= bad;
            }
            String name = HarvestManifest.shardFileName(s);
            SafetensorsWriter.write(dir.resolve(name), Map.of(
                    HarvestManifest.ACTIVATIONS, TensorData.f32(new long[] {ROWS, DIM}, a),
                    HarvestManifest.TOKEN_IDS, TensorData.i32(new long[] {ROWS}, ids),
                    HarvestManifest.SEQUENCE, TensorData.i64(new long[] {ROWS}, seq),
                    HarvestManifest.POSITION, TensorData.i32(new long[] {ROWS}, pos)));
            shards.add(new HarvestManifest.Shard(name, (long) s * ROWS, ROWS));
        }
        new HarvestManifest("/models/tiny", "c0ffee", "beef", 1, DIM, CONTEXT, Dtype.F32, 64, 2, "/data/docs.txt",
                new FileFingerprint(123, "abc"), (long) SHARDS * ROWS, false, shards).write(dir);
        return dir;
    }

    static CliFixtures.Run train(Path shards, Path out) {
        return CliFixtures.saelab("train", "--quiet", "--source", "shards:" + shards, "--m", "16", "--k", "2", "--steps", "40", "--batch", "16",
                "--checkpoint-every", "2", "--out", out.toString());
    }

    static List<String> errorLines(CliFixtures.Run run) {
        return run.err().lines().filter(l -> l.startsWith("saelab train:")).toList();
    }

    @Test void aNaNInAShardStopsTrainingNamingTheFileRowAndColumn(@TempDir Path dir) throws Exception {
        // Row 13 of shard 1 is at position (64 + 13) % 8 = 5: a trained row, not a skipped <bos> row.
        Path shards = harvest(dir.resolve("acts"), 1, 13, 6, Float.NaN);
        Path out = dir.resolve("run");
        CliFixtures.Run run = train(shards, out);
        assertEquals(2, run.exitCode(), run.toString());
        assertEquals(List.of("saelab train: " + shards.resolve("shard-00001.safetensors") + ": tensor 'activations' row 13 (harvest row 77), column 6 is NaN;"
                + " activations must be finite (re-harvest this shard)"), errorLines(run), run.toString());
        assertFalse(run.err().contains("Exception") || run.err().contains("\tat "), run.toString());
        assertFalse(Files.exists(out.resolve("eval.json")), "no evaluation of a run that stopped");
    }

    @Test void activationsOverflowingTheLossStopTrainingWithExitOneKeepingTheLastGoodCheckpoint(@TempDir Path dir) throws Exception {
        // One row at ±1e30 (position (128 + 20) % 8 = 4, a trained row): the geometric median of the first batch shrugs it off,
        // the step whose batch holds it squares it past float's range.
        Path shards = harvest(dir.resolve("acts"), 2, 20, -1, 1e30f);
        Path out = dir.resolve("run");
        CliFixtures.Run run = train(shards, out);
        assertEquals(1, run.exitCode(), run.toString());
        List<String> lines = errorLines(run);
        assertEquals(1, lines.size(), run.toString());
        assertTrue(lines.getFirst().matches("saelab train: step \\d+: the loss term recon is Infinity .*; training stopped; "
                + "the checkpoint after \\d+ steps in " + java.util.regex.Pattern.quote(out.toString()) + " is kept"), run.toString());
        assertFalse(Files.exists(out.resolve("eval.json")), "no NaN eval.json");
        long step = Long.parseLong(lines.getFirst().replaceAll("saelab train: step (\\d+):.*", "$1"));
        SaeCheckpoint.Loaded ck = SaeCheckpoint.read(out);
        assertEquals(step / 2 * 2, ck.step(), "the last checkpoint before the bad step");
        assertTrue(lines.getFirst().contains("the checkpoint after " + ck.step() + " steps"), lines.getFirst());
        for (var t : ck.params().list()) for (float v : t.toArray()) assertTrue(Float.isFinite(v), "kept weights are finite");
    }
}
