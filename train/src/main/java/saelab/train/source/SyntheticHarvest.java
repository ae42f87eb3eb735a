package saelab.train.source;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import saelab.model.harvest.FileFingerprint;
import saelab.model.harvest.HarvestManifest;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.SafetensorsWriter;
import saelab.model.safetensors.TensorData;

/**
 * A harvest folder (f32 shards and manifest.json, as {@code saelab harvest} writes them) filled
 * from a {@link SyntheticSource} instead of a model: what {@code bench memory} trains on, so that
 * {@code train --source shards:} and a reader of the same files run on the same rows. Its model and
 * data fields name the synthetic configuration; token ids, sequences and positions follow the
 * packing of a 1024-token context.
 */
public final class SyntheticHarvest {
    private SyntheticHarvest() {}

    private static final int CONTEXT = 1024;

    /**
     * Writes {@code rows} rows of {@code cfg} into {@code dir} (created; must not hold a harvest yet), in shards
     * of {@code shardRows}, each shard one batch of the source (whose draws depend on the batch sizes). {@code onShard} hears the rows written so far after each shard.
     */
    public static HarvestManifest write(Path dir, SyntheticConfig cfg, long rows, int shardRows, java.util.function.LongConsumer onShard) {
        if (rows < 1 || shardRows < 1) throw new IllegalArgumentException("synthetic harvest: " + rows + " rows in shards of " + shardRows + ", expected at least 1 of each");
        if (Files.exists(dir.resolve(HarvestManifest.FILE_NAME))) throw new IllegalArgumentException(dir + " already holds a harvest (" + HarvestManifest.FILE_NAME + ")");
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        SyntheticSource source = new SyntheticSource(cfg);
        int dim = cfg.dim();
        List<HarvestManifest.Shard> shards = new ArrayList<>();
        for (long first = 0; first < rows; ) {
            int n = (int) Math.min(shardRows, rows - first);
            float[] x = new float[n * dim];
            source.nextBatch(x, n);
            int[] ids = new int[n], pos = new int[n];
            long[] seq = new long[n];
            for (int r = 0; r < n; r++) {
                long g = first + r;
                seq[r] = g / CONTEXT;
                pos[r] = (int) (g % CONTEXT);
                ids[r] = pos[r] == 0 ? 2 : 3 + (int) (g % 97); // <bos> opens each sequence
            }
            String name = HarvestManifest.shardFileName(shards.size());
            SafetensorsWriter.write(dir.resolve(name), Map.of(
                    HarvestManifest.ACTIVATIONS, TensorData.of(Dtype.F32, new long[] {n, dim}, x),
                    HarvestManifest.TOKEN_IDS, TensorData.i32(new long[] {n}, ids),
                    HarvestManifest.SEQUENCE, TensorData.i64(new long[] {n}, seq),
                    HarvestManifest.POSITION, TensorData.i32(new long[] {n}, pos)));
            shards.add(new HarvestManifest.Shard(name, first, n));
            first += n;
            onShard.accept(first);
        }
        String what = "synthetic:" + cfg.features() + "-features-d" + dim + "@" + cfg.seed();
        HarvestManifest manifest = new HarvestManifest(what, "none", "none", 0, dim, CONTEXT, Dtype.F32, shardRows, 2, what,
                new FileFingerprint(0, "none"), rows, false, shards);
        manifest.write(dir);
        return manifest;
    }
}
