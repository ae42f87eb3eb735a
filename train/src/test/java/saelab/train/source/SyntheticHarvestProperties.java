package saelab.train.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static saelab.train.Props.qt;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import saelab.model.harvest.HarvestManifest;
import saelab.model.safetensors.SafetensorsFile;

/**
 * {@link SyntheticHarvest}: the shards hold, in order, exactly the rows a fresh {@link SyntheticSource}
 * of the same configuration draws a shard at a time (round trip equals identity), the manifest lists them contiguously,
 * and {@link ShardSource} reads the folder.
 */
class SyntheticHarvestProperties {

    @Test
    void theShardsHoldTheSourcesRowsInOrder() {
        qt(9301, 12).forAll(integers().between(2, 300), integers().between(1, 120), integers().between(2, 12), longs().between(0, 1 << 20))
                .checkAssert((rows, shardRows, dim, seed) -> {
                    SyntheticConfig cfg = SyntheticConfig.independent(4 * dim, dim, 2, 1.0, 0.25, seed);
                    Path dir = tempDir();
                    try {
                        long[] heard = {0};
                        HarvestManifest written = SyntheticHarvest.write(dir.resolve("h"), cfg, rows, shardRows, n -> heard[0] = n);
                        assertEquals((long) rows, heard[0], "the last progress report is every row");
                        HarvestManifest m = HarvestManifest.read(dir.resolve("h"));
                        assertEquals(written.shards(), m.shards());
                        assertEquals(dim, m.hiddenSize());
                        assertEquals((rows + shardRows - 1) / shardRows, m.shards().size(), "shards of " + shardRows);
                        // The source's draws depend on its batch sizes: a fresh one, drawn a shard at a time.
                        float[] expected = new float[rows * dim];
                        SyntheticSource fresh = new SyntheticSource(cfg);
                        for (int at = 0; at < rows; at += shardRows) {
                            int n = Math.min(shardRows, rows - at);
                            float[] part = new float[n * dim];
                            fresh.nextBatch(part, n);
                            System.arraycopy(part, 0, expected, at * dim, part.length);
                        }
                        float[] got = new float[rows * dim];
                        long next = 0;
                        for (HarvestManifest.Shard s : m.shards()) {
                            assertEquals(next, s.firstRow(), "contiguous rows");
                            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("h").resolve(s.file()))) {
                                float[] a = f.tensor(HarvestManifest.ACTIVATIONS).toFloatArray();
                                assertEquals((long) s.rows() * dim, a.length);
                                System.arraycopy(a, 0, got, (int) (next * dim), a.length);
                            }
                            next += s.rows();
                        }
                        assertEquals((long) rows, next);
                        assertArrayEquals(expected, got, "seed " + seed);
                        assertTrue(java.util.Arrays.stream(toDoubles(got)).anyMatch(v -> v != 0), "the rows are not all zero");
                        // The folder is a harvest that training reads (row 0, at position 0, is skipped as a <bos>: 2 rows at least).
                        try (ShardSource src = ShardSource.open(dir.resolve("h"))) {
                            float[] x = new float[dim];
                            src.nextBatch(x, 1);
                        }
                    } finally {
                        ShardSourceProperties.deleteTree(dir);
                    }
                });
    }

    @Test
    void aFolderThatHoldsAHarvestIsRefused() throws Exception {
        Path dir = Files.createTempDirectory("synthetic-harvest");
        try {
            SyntheticConfig cfg = SyntheticConfig.independent(8, 4, 2, 1.0, 0.25, 1);
            SyntheticHarvest.write(dir, cfg, 10, 4, n -> {});
            var e = assertThrows(IllegalArgumentException.class, () -> SyntheticHarvest.write(dir, cfg, 10, 4, n -> {}));
            assertTrue(e.getMessage().contains("already holds a harvest"), e.getMessage());
        } finally {
            ShardSourceProperties.deleteTree(dir);
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("synthetic-harvest");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double[] toDoubles(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
