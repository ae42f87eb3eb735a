package saelab.eval.experiment;

import java.nio.file.Path;
import saelab.model.harvest.HarvestSettings;
import saelab.model.safetensors.Dtype;
import saelab.train.source.ModelSource;

/**
 * Where a model experiment's activations come from: the residual after {@code layer} of the
 * gemma-2 checkpoint in {@code model}, on the documents of {@code data} packed into sequences of
 * {@code context} tokens (see {@code saelab harvest}).
 *
 * <p>One harvest, in the experiment's {@code harvest/} folder, holds both sets: the first
 * {@link #heldOutSequences()} sequences are the held-out set (rows [0, {@link #heldOutRows()})),
 * and the {@code tokens} rows after them are the training rows. The held-out set comes first so
 * that a later run with more training tokens extends the same harvest and is evaluated on the
 * very same tokens.
 *
 * @param tokens         training rows (tokens, BOS rows included) to harvest after the held-out set
 * @param heldOutTokens  held-out tokens asked for; rounded up to whole sequences (the splice
 *                       scores run the model on whole sequences)
 * @param dtype          activation dtype of the shards (F32, or BF16 for half the disk)
 * @param harvestBatch   sequences per forward pass while harvesting (speed and memory only)
 * @param shardTokens    rows per shard file
 */
public record ModelData(Path model, Path data, int layer, int context, long tokens, long heldOutTokens, Dtype dtype,
                        int harvestBatch, int shardTokens) {

    /** The seed experiment's settings (method.md): gemma-2-2b layer 12, context 128, m 16384, k 320, 2441 steps × 2048 rows. */
    public static final int SEED_LAYER = ModelSource.DEFAULT_LAYER, SEED_CONTEXT = ModelSource.DEFAULT_CONTEXT,
            SEED_M = 16384, SEED_K = 320, SEED_BATCH = 2048;
    public static final long SEED_STEPS = 2441, SEED_HELD_OUT_TOKENS = 8192;

    public ModelData {
        model = model.toAbsolutePath().normalize();
        data = data.toAbsolutePath().normalize();
        if (layer < 0) throw new IllegalArgumentException("--layer must be ≥ 0, got " + layer);
        if (context < 3) throw new IllegalArgumentException("--context must be ≥ 3 (BOS and a prediction made after it), got " + context);
        if (tokens < 1) throw new IllegalArgumentException("--tokens must be ≥ 1, got " + tokens);
        if (heldOutTokens < 1) throw new IllegalArgumentException("--heldout-tokens must be ≥ 1, got " + heldOutTokens);
        if (dtype != Dtype.F32 && dtype != Dtype.BF16) throw new IllegalArgumentException("harvest dtype must be f32 or bf16, got " + dtype);
        if (harvestBatch < 1 || shardTokens < 1) throw new IllegalArgumentException("harvest batch and shard size must be ≥ 1");
        // Fields are not assigned yet inside the compact constructor: compute from the parameters.
        if ((heldOutTokens + context - 1) / context * context > Integer.MAX_VALUE / 4) {
            throw new IllegalArgumentException("--heldout-tokens " + heldOutTokens + " is too many to hold in memory");
        }
    }

    /** Seed settings for everything but the model, data and training length. */
    public static ModelData of(Path model, Path data, long tokens) {
        return new ModelData(model, data, SEED_LAYER, SEED_CONTEXT, tokens, SEED_HELD_OUT_TOKENS, Dtype.F32,
                HarvestSettings.DEFAULT_BATCH, HarvestSettings.DEFAULT_SHARD_TOKENS);
    }

    /**
     * Training rows for {@code steps × batch} rows without repeats: BOS rows (position 0, one per
     * sequence) are not trained on, so a sequence gives context − 1 rows; rounded up to whole sequences.
     */
    public static long oneEpochTokens(long steps, int batch, int context) {
        long rows = steps * batch;
        return (rows + context - 2) / (context - 1) * context;
    }

    public int heldOutSequences() { return (int) ((heldOutTokens + context - 1) / context); }

    /** Rows of the held-out set: whole sequences, BOS rows included. */
    public int heldOutRows() { return heldOutSequences() * context; }

    /** Rows the harvest must hold: the held-out set, then the training rows. */
    public long harvestTokens() { return heldOutRows() + tokens; }

    public HarvestSettings harvestSettings(Path dir) {
        return new HarvestSettings(model, data, layer, context, harvestTokens(), dir, harvestBatch, shardTokens, dtype);
    }

    /** The model's folder name, as SAELens's model_name in each run's cfg.json. */
    public String modelName() { return model.getFileName().toString(); }
}
