package saelab.train.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static saelab.train.Props.qt;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import saelab.model.harvest.HarvestException;
import saelab.model.harvest.HarvestManifest;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.SafetensorsFile;
import saelab.model.safetensors.SafetensorsWriter;
import saelab.model.safetensors.TensorData;

/** A NaN or ±Inf anywhere in a harvest stops the stream with the shard file, its row and column named. */
class ShardSourceNonFiniteProperties {
    static final long SEED = 0x5EED_14_01L;
    static final float[] POISONS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};

    /** Replaces activations[localRow, col] of shard {@code shard} with {@code v}, keeping the other tensors. */
    static void poison(Path dir, int shard, int localRow, int col, float v, Dtype dtype) throws Exception {
        Path file = dir.resolve(HarvestManifest.shardFileName(shard));
        float[] a;
        int[] ids, pos;
        long[] seq;
        long n;
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            a = f.tensor(HarvestManifest.ACTIVATIONS).toFloatArray();
            ids = f.tensor(HarvestManifest.TOKEN_IDS).toIntArray();
            seq = f.tensor(HarvestManifest.SEQUENCE).toLongArray();
            pos = f.tensor(HarvestManifest.POSITION).toIntArray();
            n = ids.length;
        }
        a[localRow * ShardSourceProperties.DIM + col] = v;
        SafetensorsWriter.write(file, Map.of(
                HarvestManifest.ACTIVATIONS, TensorData.of(dtype, new long[] {n, ShardSourceProperties.DIM}, a),
                HarvestManifest.TOKEN_IDS, TensorData.i32(new long[] {n}, ids),
                HarvestManifest.SEQUENCE, TensorData.i64(new long[] {n}, seq),
                HarvestManifest.POSITION, TensorData.i32(new long[] {n}, pos)));
    }

    @Test void anyNonFiniteValueIsReportedWithItsShardRowAndColumn() {
        System.out.println("ShardSourceNonFiniteProperties seed " + SEED);
        int[] reported = {0};
        qt(SEED, 60).forAll(lists().of(integers().between(1, 12)).ofSizeBetween(1, 4), integers().between(0, 10_000),
                        integers().between(0, ShardSourceProperties.DIM - 1), integers().between(0, 5))
                .checkAssert((shardRows, rowPick, col, kindAndDtype) -> {
                    int total = shardRows.stream().mapToInt(Integer::intValue).sum();
                    int g = rowPick % total;
                    int shard = 0, local = g;
                    while (local >= shardRows.get(shard)) local -= shardRows.get(shard++);
                    float v = POISONS[kindAndDtype % 3];
                    Dtype dtype = kindAndDtype < 3 ? Dtype.F32 : Dtype.BF16;
                    try {
                        Path dir = ShardSourceProperties.writeHarvest(ShardSourceProperties.tempDir(), shardRows, 4, dtype);
                        poison(dir, shard, local, col, v, dtype);
                        // Position 0 is not skipped, so every row, the poisoned one included, is delivered in one epoch.
                        try (ShardSource src = new ShardSource(dir, new ShardSource.Options(3, 7, false))) {
                            float[] x = new float[total * ShardSourceProperties.DIM];
                            HarvestException e = assertThrows(HarvestException.class, () -> src.nextBatch(x, total));
                            String m = e.getMessage();
                            String expected = HarvestManifest.shardFileName(shard) + ": tensor 'activations' row " + local
                                    + " (harvest row " + g + "), column " + col + " is " + v;
                            assertTrue(m.contains(expected), () -> "expected '" + expected + "' in: " + m);
                            assertEquals(1, m.lines().count(), "one line");
                        } finally {
                            ShardSourceProperties.deleteTree(dir);
                        }
                        reported[0]++;
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
        assertTrue(reported[0] >= 30, "examples run: " + reported[0]);
    }

    /** A skipped row (position 0, the <bos> sink) is never delivered, so its value cannot stop a run. */
    @Test void aPoisonedSkippedRowIsNeverRead() throws Exception {
        List<Integer> shardRows = List.of(8, 8);
        Path dir = ShardSourceProperties.writeHarvest(ShardSourceProperties.tempDir(), shardRows, 4, Dtype.F32);
        try {
            poison(dir, 1, 4, 2, Float.NaN, Dtype.F32); // harvest row 12: position 12 % 4 = 0
            try (ShardSource src = new ShardSource(dir, new ShardSource.Options(3, 7, true))) {
                assertEquals(12, src.rowsPerEpoch());
                long[] rows = ShardSourceProperties.draw(src, 2 * src.rowsPerEpoch(), 11);
                for (long g : rows) assertTrue(g % 4 != 0, "row " + g + " is at position 0 and must be skipped");
            }
            poison(dir, 1, 5, 2, Float.NaN, Dtype.F32); // harvest row 13, position 1: delivered
            try (ShardSource src = new ShardSource(dir, new ShardSource.Options(3, 7, true))) {
                HarvestException e = assertThrows(HarvestException.class, () -> ShardSourceProperties.draw(src, 12, 11));
                assertTrue(e.getMessage().contains("row 5 (harvest row 13), column 2 is NaN"), e.getMessage());
            }
        } finally {
            ShardSourceProperties.deleteTree(dir);
        }
    }
}
