package saelab.model.harvest;

import java.nio.file.Path;
import saelab.model.safetensors.Dtype;

/**
 * What to harvest: the residual after {@code layer} of the checkpoint in {@code model}, on the
 * documents of {@code data} packed into sequences of {@code context} tokens, {@code tokens} rows
 * in all, into {@code out} as shards of {@code shardTokens} rows stored as {@code dtype}.
 * {@code batch} sequences go through the model at once; it changes speed and memory, not the
 * result, so a resumed harvest may use another.
 */
public record HarvestSettings(Path model, Path data, int layer, int context, long tokens, Path out,
                              int batch, int shardTokens, Dtype dtype) {
    public static final int DEFAULT_BATCH = 8, DEFAULT_SHARD_TOKENS = 65536;

    public HarvestSettings {
        model = model.toAbsolutePath().normalize();
        data = data.toAbsolutePath().normalize();
        out = out.toAbsolutePath().normalize();
        require(layer >= 0, "--layer must be >= 0, got " + layer);
        require(context >= 2, "--context must be >= 2 (<bos> and one token), got " + context);
        require(tokens >= 1, "--tokens must be >= 1, got " + tokens);
        require(batch >= 1, "--batch must be >= 1, got " + batch);
        require(shardTokens >= 1, "--shard-tokens must be >= 1, got " + shardTokens);
        require(dtype == Dtype.F32 || dtype == Dtype.BF16, "--dtype must be f32 or bf16, got " + dtype);
        require((long) batch * context <= Integer.MAX_VALUE / 64, "--batch × --context = " + (long) batch * context
                + " tokens per forward pass is too many; lower --batch");
    }

    public HarvestSettings withTokens(long newTokens) {
        return new HarvestSettings(model, data, layer, context, newTokens, out, batch, shardTokens, dtype);
    }

    public HarvestSettings withBatch(int newBatch) {
        return new HarvestSettings(model, data, layer, context, tokens, out, newBatch, shardTokens, dtype);
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new HarvestException(message);
    }
}
