package saelab.train.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;
import static saelab.train.Props.qt;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import saelab.model.harvest.FileFingerprint;
import saelab.model.harvest.HarvestException;
import saelab.model.harvest.HarvestManifest;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.SafetensorsWriter;
import saelab.model.safetensors.TensorData;

class ShardSourceProperties {
    static final int DIM = 5;

    /**
     * Row g of a test harvest encodes g in values that bf16 holds exactly (integers below 256):
     * [g / 256, g % 256, (g + 2) % 256, ...], so a delivered row names itself and shows it was copied whole.
     */
    static float value(long g, int j) {
        return switch (j) {
            case 0 -> g / 256;
            case 1 -> g % 256;
            default -> (g + j) % 256;
        };
    }

    static long decode(float[] x, int row) {
        long g = (long) x[row * DIM] * 256 + (long) x[row * DIM + 1];
        for (int j = 2; j < DIM; j++) assertEquals(value(g, j), x[row * DIM + j], "row " + g + " value " + j + " copied whole");
        return g;
    }

    /** A harvest folder as `saelab harvest` writes it, with the given shard sizes, without a model. */
    static Path writeHarvest(Path dir, List<Integer> shardRows, int context, Dtype dtype) throws Exception {
        Files.createDirectories(dir);
        List<HarvestManifest.Shard> shards = new ArrayList<>();
        long first = 0;
        for (int i = 0; i < shardRows.size(); i++) {
            int n = shardRows.get(i);
            float[] a = new float[n * DIM];
            int[] ids = new int[n], pos = new int[n];
            long[] seq = new long[n];
            for (int r = 0; r < n; r++) {
                long g = first + r;
                for (int j = 0; j < DIM; j++) a[r * DIM + j] = value(g, j);
                ids[r] = (int) (g % 97);
                seq[r] = g / context;
                pos[r] = (int) (g % context);
            }
            String name = HarvestManifest.shardFileName(i);
            SafetensorsWriter.write(dir.resolve(name), Map.of(
                    HarvestManifest.ACTIVATIONS, TensorData.of(dtype, new long[] {n, DIM}, a),
                    HarvestManifest.TOKEN_IDS, TensorData.i32(new long[] {n}, ids),
                    HarvestManifest.SEQUENCE, TensorData.i64(new long[] {n}, seq),
                    HarvestManifest.POSITION, TensorData.i32(new long[] {n}, pos)));
            shards.add(new HarvestManifest.Shard(name, first, n));
            first += n;
        }
        new HarvestManifest("/models/tiny", "c0ffee", "beef", 1, DIM, context, dtype, 64, 2, "/data/docs.txt",
                new FileFingerprint(123, "abc"), first, false, shards).write(dir);
        return dir;
    }

    static Path tempDir() throws Exception {
        Path d = Files.createTempDirectory("shard-source-test");
        d.toFile().deleteOnExit();
        return d;
    }

    static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Draws rows in batches of random sizes. */
    static long[] draw(ShardSource src, long count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] sizes = new int[64];
        for (int i = 0; i < sizes.length; i++) sizes[i] = 1 + r.nextInt(17);
        return draw(src, count, sizes);
    }

    /** Draws rows in batches of the given sizes, cycling through them (the last batch cut to what is left). */
    static long[] draw(ShardSource src, long count, int[] batchSizes) {
        long[] out = new long[(int) count];
        int at = 0;
        for (int i = 0; at < count; i++) {
            int b = (int) Math.min(count - at, batchSizes[i % batchSizes.length]);
            float[] x = new float[b * DIM];
            src.nextBatch(x, b);
            for (int r = 0; r < b; r++) out[at++] = decode(x, r);
        }
        return out;
    }

    /** A harvest's shape and how it is read: shard sizes, context, read buffer, seed and the batch sizes drawn. */
    record Reading(List<Integer> shardRows, int context, int bufferRows, long seed, int[] batchSizes) {
        @Override public String toString() {
            return "shards " + shardRows + ", context " + context + ", buffer " + bufferRows + ", seed " + seed + ", batches " + Arrays.toString(batchSizes);
        }
    }

    static Gen<Reading> readings(int maxShards, int maxShardRows, int maxContext, int maxBuffer) {
        Gen<int[]> batches = lists().of(integers().between(1, 17)).ofSizeBetween(1, 6).map(l -> l.stream().mapToInt(Integer::intValue).toArray());
        return lists().of(integers().between(1, maxShardRows)).ofSizeBetween(1, maxShards)
                .zip(integers().between(1, maxContext), integers().between(1, maxBuffer), longs().all(), batches, Reading::new);
    }

    /**
     * 1 to 6 shards of 1 to 70 rows, context 1 (every row at position 0) to 9, buffers from 1 row
     * to more than the harvest, batches of 1 to 17 rows: three epochs, each a permutation of the
     * rows kept (all, or those not at position 0).
     */
    @Test
    void everyKeptRowIsDeliveredExactlyOncePerEpoch() {
        qt(8101, 80).forAll(readings(6, 70, 9, 300), booleans().all(), booleans().all()).checkAssert((rd, skipPositionZero, bf16) -> {
            Path dir = null;
            try {
                dir = writeHarvest(tempDir(), rd.shardRows(), rd.context(), bf16 ? Dtype.BF16 : Dtype.F32);
                long total = rd.shardRows().stream().mapToLong(Integer::longValue).sum();
                List<Long> kept = new ArrayList<>();
                for (long g = 0; g < total; g++) if (!skipPositionZero || g % rd.context() != 0) kept.add(g);
                try (ShardSource src = new ShardSource(dir, new ShardSource.Options(rd.bufferRows(), rd.seed(), skipPositionZero))) {
                    assertFalse(kept.isEmpty(), "the constructor refuses a harvest without rows to keep");
                    long e = kept.size();
                    assertEquals(e, src.rowsPerEpoch());
                    assertEquals(DIM, src.dim());
                    long[] rows = draw(src, 3 * e, rd.batchSizes());
                    long[] expected = kept.stream().mapToLong(Long::longValue).toArray();
                    for (int epoch = 0; epoch < 3; epoch++) {
                        long[] block = Arrays.copyOfRange(rows, (int) (epoch * e), (int) ((epoch + 1) * e));
                        Arrays.sort(block);
                        assertArrayEquals(expected, block, "epoch " + epoch + " is a permutation of the kept rows");
                    }
                    assertEquals(2, src.epoch());
                } catch (HarvestException ex) {
                    assertTrue(kept.isEmpty() && ex.getMessage().contains("no rows to train on"), ex.getMessage());
                }
            } catch (Exception ex) {
                throw ex instanceof RuntimeException r ? r : new IllegalStateException(ex);
            } finally {
                if (dir != null) deleteTree(dir);
            }
        });
    }

    /**
     * 1 to 5 shards of 1 to 40 rows, context 1 to 6, a range starting anywhere from row 0 to past
     * the end (220) and 1 to 200 rows long, buffers of 1 to 50: two epochs, each a permutation of
     * the rows inside the range not at position 0, or the constructor's one-line refusal when
     * there are none.
     */
    @Test
    void aRowRangeDeliversExactlyTheRowsInsideItPerEpoch() {
        qt(8102, 80).forAll(readings(5, 40, 6, 50), integers().between(0, 220), integers().between(1, 200)).checkAssert((rd, from, length) -> {
            Path dir = null;
            List<Long> kept = new ArrayList<>();
            try {
                dir = writeHarvest(tempDir(), rd.shardRows(), rd.context(), Dtype.F32);
                long total = rd.shardRows().stream().mapToLong(Integer::longValue).sum();
                for (long g = from; g < Math.min(total, (long) from + length); g++) if (g % rd.context() != 0) kept.add(g);
                ShardSource.Options o = new ShardSource.Options(rd.bufferRows(), rd.seed(), true).withRows(from, (long) from + length);
                try (ShardSource src = new ShardSource(dir, o)) {
                    assertFalse(kept.isEmpty(), "the constructor refuses a range without rows");
                    long e = kept.size();
                    assertEquals(e, src.rowsPerEpoch());
                    long[] rows = draw(src, 2 * e, rd.batchSizes());
                    long[] expected = kept.stream().mapToLong(Long::longValue).toArray();
                    for (int epoch = 0; epoch < 2; epoch++) {
                        long[] block = Arrays.copyOfRange(rows, (int) (epoch * e), (int) ((epoch + 1) * e));
                        Arrays.sort(block);
                        assertArrayEquals(expected, block, "epoch " + epoch + " is a permutation of the rows in [" + from + ", " + (from + length) + ")");
                    }
                }
            } catch (HarvestException ex) {
                assertTrue(kept.isEmpty() && ex.getMessage().contains("no rows to train on in rows [" + from), ex.getMessage());
            } catch (Exception ex) {
                throw ex instanceof RuntimeException r ? r : new IllegalStateException(ex);
            } finally {
                if (dir != null) deleteTree(dir);
            }
        });
    }

    @Test
    void theWholeRangeIsTheDefaultStream() throws Exception {
        Path dir = writeHarvest(tempDir(), List.of(30, 25, 40), 7, Dtype.F32);
        try (ShardSource a = new ShardSource(dir, new ShardSource.Options(16, 5, true));
             ShardSource b = new ShardSource(dir, new ShardSource.Options(16, 5, true).withRows(0, 95))) {
            assertArrayEquals(draw(a, 200, 1), draw(b, 200, 1), "a range covering every row changes nothing");
        } finally {
            deleteTree(dir);
        }
        assertThrows(IllegalArgumentException.class, () -> new ShardSource.Options(16, 5, true).withRows(10, 10));
    }

    @Test
    void sameSeedSameStreamOtherSeedAnotherAndTheBufferMixesShards() throws Exception {
        Path dir = writeHarvest(tempDir(), List.of(100, 100, 100), 10, Dtype.F32);
        try {
            ShardSource.Options o = new ShardSource.Options(64, 7, true);
            long[] a, b, c;
            try (ShardSource s = new ShardSource(dir, o)) { a = draw(s, 600, 1); }
            try (ShardSource s = new ShardSource(dir, o)) { b = draw(s, 600, 2); } // other batch sizes, same rows
            try (ShardSource s = new ShardSource(dir, o.withSeed(8))) { c = draw(s, 600, 1); }
            assertArrayEquals(a, b, "the rows depend on the seed only, not on how they are batched");
            assertFalse(Arrays.equals(a, c), "another seed, another order");
            // The first 64 rows are drawn from a 64-row buffer filled from one shard; the shards are
            // visited in a shuffled order, and within the buffer rows leave in random order.
            long[] first = Arrays.copyOf(a, 64);
            long[] sorted = first.clone();
            Arrays.sort(sorted);
            assertFalse(Arrays.equals(first, sorted), "rows leave the buffer out of order");
            Map<Long, Integer> perShard = new HashMap<>();
            for (long g : Arrays.copyOf(a, 270)) perShard.merge(g / 100, 1, Integer::sum);
            assertEquals(3, perShard.size(), "one epoch's rows come from every shard: " + perShard);
        } finally {
            deleteTree(dir);
        }
    }

    @Test
    void batchAtAnyIndexEqualsTheSequentialStreamAndSideBatchesLeaveItAlone() throws Exception {
        Path dir = writeHarvest(tempDir(), List.of(40, 25, 33), 10, Dtype.F32);
        try {
            ShardSource.Options o = new ShardSource.Options(16, 3, true);
            int rows = 7, batches = 20;
            float[][] sequential = new float[batches][rows * DIM];
            try (ShardSource s = new ShardSource(dir, o)) {
                for (int i = 0; i < batches; i++) s.nextBatch(sequential[i], rows);
            }
            try (ShardSource s = new ShardSource(dir, o)) {
                float[] x = new float[rows * DIM], side = new float[rows * DIM];
                // in order, with the trainer's side batches (−1, −2) in between
                s.batchAt(-1, side, rows);
                for (int i = 0; i < 5; i++) { s.batchAt(i, x, rows); assertArrayEquals(sequential[i], x, "batch " + i); }
                s.batchAt(-2, side, rows);
                // a resumed run jumps ahead, and one going back replays
                s.batchAt(13, x, rows);
                assertArrayEquals(sequential[13], x, "jump to 13");
                s.batchAt(14, x, rows);
                assertArrayEquals(sequential[14], x, "then 14");
                s.batchAt(2, x, rows);
                assertArrayEquals(sequential[2], x, "back to 2");
            }
            try (ShardSource a = new ShardSource(dir, o); ShardSource b = new ShardSource(dir, o)) {
                float[] x = new float[rows * DIM], y = new float[rows * DIM];
                a.batchAt(-1, x, rows);
                b.batchAt(-1, y, rows);
                assertArrayEquals(x, y, "side batches depend only on (seed, index)");
            }
        } finally {
            deleteTree(dir);
        }
    }

    @Test
    void positionZeroRowsAreDeliveredWhenAskedFor() throws Exception {
        Path dir = writeHarvest(tempDir(), List.of(12), 4, Dtype.BF16);
        try (ShardSource s = new ShardSource(dir, new ShardSource.Options(5, 1, false))) {
            assertEquals(12, s.rowsPerEpoch());
            long[] rows = draw(s, 12, 3);
            Arrays.sort(rows);
            assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, rows);
        } finally {
            deleteTree(dir);
        }
        Path one = writeHarvest(tempDir(), List.of(3), 4, Dtype.F32);
        try (ShardSource s = ShardSource.open(one)) {
            assertEquals(2, s.rowsPerEpoch(), "rows 1 and 2; row 0 is at position 0");
        } finally {
            deleteTree(one);
        }
    }

    /** End to end: what `saelab harvest` writes for a tiny random model is what the source delivers. */
    @Test
    void readsWhatTheHarvesterWrote() throws Exception {
        Path dir = tempDir();
        try {
            Path model = Files.createDirectory(dir.resolve("model"));
            saelab.model.GemmaConfig config = saelab.model.GemmaConfig.tiny();
            saelab.model.synthetic.RandomGemma2Checkpoint.write(model,
                    saelab.model.synthetic.RandomGemma2Checkpoint.Spec.of(config, Dtype.BF16, 3), b -> { });
            saelab.model.synthetic.SyntheticTokenizer.write(model, config.vocabSize(), 3);
            Path data = Files.writeString(dir.resolve("d.txt"), "the quick brown fox jumps over the lazy dog\n".repeat(12));
            Path out = dir.resolve("acts");
            saelab.model.harvest.Harvester.run(new saelab.model.harvest.HarvestSettings(model, data, 1, 8, 40, out, 2, 16, Dtype.F32),
                    new saelab.model.harvest.Harvester.Listener() { });
            // The expected rows: every shard row not at position 0, as raw bits.
            List<String> expected = new ArrayList<>();
            int d = config.hiddenSize();
            for (HarvestManifest.Shard sh : HarvestManifest.read(out).shards()) {
                try (var f = saelab.model.safetensors.SafetensorsFile.open(out.resolve(sh.file()))) {
                    float[] a = f.tensor(HarvestManifest.ACTIVATIONS).toFloatArray();
                    int[] pos = f.tensor(HarvestManifest.POSITION).toIntArray();
                    for (int r = 0; r < sh.rows(); r++) if (pos[r] != 0) expected.add(Arrays.toString(Arrays.copyOfRange(a, r * d, (r + 1) * d)));
                }
            }
            assertEquals(40 - 5, expected.size(), "40 rows, one <bos> row per 8");
            try (ShardSource src = new ShardSource(out, new ShardSource.Options(10, 4, true))) {
                assertEquals(d, src.dim());
                float[] x = new float[expected.size() * d];
                src.nextBatch(x, expected.size());
                List<String> got = new ArrayList<>();
                for (int r = 0; r < expected.size(); r++) got.add(Arrays.toString(Arrays.copyOfRange(x, r * d, (r + 1) * d)));
                expected.sort(null);
                got.sort(null);
                assertEquals(expected, got);
            }
        } finally {
            deleteTree(dir);
        }
    }

    @Test
    void errorsNameTheFileAndWhatWasExpected() throws Exception {
        Path dir = tempDir();
        try {
            var e = assertThrows(HarvestException.class, () -> ShardSource.open(dir));
            assertTrue(e.getMessage().startsWith(dir.resolve("manifest.json") + ": no harvest manifest here"), e.getMessage());

            writeHarvest(dir, List.of(10, 10), 5, Dtype.F32);
            Files.delete(dir.resolve("shard-00001.safetensors"));
            e = assertThrows(HarvestException.class, () -> ShardSource.open(dir));
            assertEquals(dir.resolve("shard-00001.safetensors") + ": listed in " + dir.resolve("manifest.json") + " but missing", e.getMessage());

            // A shard whose activations are one column short of the manifest's hidden size.
            SafetensorsWriter.write(dir.resolve("shard-00001.safetensors"), Map.of(
                    HarvestManifest.ACTIVATIONS, TensorData.f32(new long[] {10, DIM - 1}, new float[10 * (DIM - 1)]),
                    HarvestManifest.POSITION, TensorData.i32(new long[] {10}, new int[10])));
            e = assertThrows(HarvestException.class, () -> ShardSource.open(dir));
            assertEquals(dir.resolve("shard-00001.safetensors") + ": tensor 'activations' is F32[10, 4], expected F32[10, 5]"
                    + " (rows from manifest.json, hidden_size 5)", e.getMessage());

            // bf16 where the manifest says f32.
            SafetensorsWriter.write(dir.resolve("shard-00001.safetensors"), Map.of(
                    HarvestManifest.ACTIVATIONS, TensorData.bf16(new long[] {10, DIM}, new float[10 * DIM]),
                    HarvestManifest.POSITION, TensorData.i32(new long[] {10}, new int[10])));
            e = assertThrows(HarvestException.class, () -> ShardSource.open(dir));
            assertTrue(e.getMessage().contains("tensor 'activations' is BF16[10, 5], expected F32[10, 5]"), e.getMessage());

            // No position column.
            SafetensorsWriter.write(dir.resolve("shard-00001.safetensors"), Map.of(
                    HarvestManifest.ACTIVATIONS, TensorData.f32(new long[] {10, DIM}, new float[10 * DIM])));
            e = assertThrows(HarvestException.class, () -> ShardSource.open(dir));
            assertTrue(e.getMessage().startsWith(dir.resolve("shard-00001.safetensors") + ": tensor 'position'"), e.getMessage());

            Files.writeString(dir.resolve("manifest.json"), "{\"format\": \"saelab-harvest\", \"version\": 1}");
            e = assertThrows(HarvestException.class, () -> ShardSource.open(dir));
            assertTrue(e.getMessage().startsWith(dir.resolve("manifest.json") + ": field \""), e.getMessage());
        } finally {
            deleteTree(dir);
        }
        Path bosOnly = writeHarvest(tempDir(), List.of(1), 4, Dtype.F32);
        try {
            var e = assertThrows(HarvestException.class, () -> ShardSource.open(bosOnly));
            assertTrue(e.getMessage().contains("no rows to train on (1 tokens, all at position 0)"), e.getMessage());
        } finally {
            deleteTree(bosOnly);
        }
    }
}
