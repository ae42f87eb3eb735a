package saelab.train.source;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.PermutationSampler;
import org.apache.commons.rng.simple.RandomSource;
import saelab.model.GemmaConfig;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.gemma2.Hooks;
import saelab.model.harvest.HarvestManifest;
import saelab.model.harvest.PackedSequences;
import saelab.model.tokenizer.GemmaTokenizer;

/**
 * Activations computed live from a Gemma-2 checkpoint, for training without harvesting first:
 * the residual stream after layer L ({@code blocks.L.hook_resid_post}) of the documents of a
 * {@code .txt} or {@code .jsonl} file, tokenized and packed into {@code context}-token sequences
 * exactly as {@code saelab harvest} packs them ({@link PackedSequences}).
 *
 * <p><b>Shuffling in windows.</b> The data's sequences are cut into windows of
 * {@code windowRows / rowsPerSequence} consecutive sequences. A window is run through the model
 * (to layer L, with the stop hook) when first needed and its rows are served in a random order
 * drawn from (seed, epoch, window). Each window holds the rows of one stretch of the data, so
 * the mixing is that of a shuffling buffer of the same size (as {@link ShardSource}'s), but a
 * row's place in the stream is a function of the seed and its index alone: batch i can be
 * recomputed without replaying batches 0..i−1 through the model.
 *
 * <p><b>Epochs.</b> When the data cannot fill another sequence (the short tail is dropped, as in
 * the harvest), the epoch ends and the next one starts again at the first sequence, with new
 * permutations. So each block of {@link #rowsPerEpoch()} consecutive stream rows holds every
 * row of the data once. The number of sequences is learnt when the data first runs out.
 *
 * <p><b>{@link #batchAt}.</b> Batch {@code index} of {@code rows} rows is stream rows
 * [index·rows, (index+1)·rows). Training asks for 0, 1, 2, ... in order and each window is
 * computed once per epoch. Any other index (a resumed run) recomputes only the windows it
 * touches, after re-tokenizing (not re-running the model on) the data before them. Negative
 * indices (the trainer's initialisation and evaluation batches) use a stream with its own seed,
 * (seed, index), over the same data: they are not held-out data. The values are deterministic
 * up to the forward pass's own few-ulp run-to-run differences (the Vector API's exp and tanh
 * round differently before and after C2 compiles them), so a recomputed window may differ from
 * the first computation in the last bits; which rows go where is exact.
 *
 * <p>With {@code skipPositionZero} (the default, SAEBench's and {@link ShardSource}'s
 * convention) the {@code <bos>} row at position 0 of every sequence, an attention-sink outlier,
 * is left out.
 */
public final class ModelSource implements ActivationSource, AutoCloseable {
    public static final int DEFAULT_LAYER = 12, DEFAULT_CONTEXT = 128;

    /**
     * @param windowRows     rows per shuffling window (memory: about windowRows × hidden floats);
     *                       rounded down to whole sequences, at least one
     * @param batchSequences sequences per forward pass: speed and memory, not the result
     */
    public record Options(int layer, int context, int windowRows, int batchSequences, long seed, boolean skipPositionZero) {
        public Options {
            if (layer < 0) throw new IllegalArgumentException("layer must be >= 0, got " + layer);
            if (context < 2) throw new IllegalArgumentException("context must be >= 2 (<bos> and one token), got " + context);
            if (windowRows < 1) throw new IllegalArgumentException("windowRows must be >= 1, got " + windowRows);
            if (batchSequences < 1) throw new IllegalArgumentException("batchSequences must be >= 1, got " + batchSequences);
        }

        /** 65,536-row windows (576 MiB at hidden 2304), 8 sequences per forward pass, seed 0, position-0 rows skipped. */
        public static Options of(int layer, int context) {
            return new Options(layer, context, 65536, 8, 0, true);
        }

        public Options withSeed(long s) {
            return new Options(layer, context, windowRows, batchSequences, s, skipPositionZero);
        }

        public Options withWindowRows(int rows) {
            return new Options(layer, context, rows, batchSequences, seed, skipPositionZero);
        }

        public Options withBatchSequences(int n) {
            return new Options(layer, context, windowRows, n, seed, skipPositionZero);
        }

        public Options withSkipPositionZero(boolean skip) {
            return new Options(layer, context, windowRows, batchSequences, seed, skip);
        }
    }

    /** Where a served row came from: the epoch, the sequence's index among the data's packed sequences, the position in it, the token. */
    public record Origin(long epoch, long sequence, int position, int tokenId) {}

    /** Told as a window is computed (after each forward pass), so a caller can show progress. */
    public interface Listener {
        void windowProgress(long window, int sequencesDone, int sequences);
    }

    private final Path model, data;
    private final Options options;
    private final GemmaTokenizer tokenizer;
    private final Gemma2Model gemma;
    private final int hidden, bos;
    private final int keep;                // rows served per sequence
    private final int sequencesPerWindow;
    private final long fullWindowRows;
    private long sequencesPerEpoch = -1;   // unknown until the data first runs out
    private Listener listener;

    private PackedSequences cursor;        // positioned at sequence cursor.produced()
    private long cachedWindow = -1;
    private int cachedSequences;
    private final float[] windowRows;      // [sequence-in-window × keep + kept position] × hidden
    private final int[] windowIds;         // [sequence-in-window × context + position]

    private long permSeed, permEpoch, permWindow = -1;
    private int[] perm;
    private long lastEpoch;
    private long servedRows;               // where nextBatch goes on

    public ModelSource(Path model, Path data, Options options) {
        this.model = model.toAbsolutePath().normalize();
        this.data = data.toAbsolutePath().normalize();
        this.options = options;
        if (!Files.isDirectory(this.model)) {
            throw new IllegalArgumentException(model + ": no such model folder (expected a gemma-2 checkpoint: config.json, tokenizer.json, *.safetensors)");
        }
        if (!Files.isRegularFile(this.data)) {
            throw new IllegalArgumentException(data + ": no such data file (expected .txt, one document per line, or .jsonl with a \"text\" field)");
        }
        GemmaConfig config = GemmaConfig.read(this.model);
        int layers = config.numHiddenLayers();
        if (options.layer() >= layers) {
            throw new IllegalArgumentException("layer " + options.layer() + " is out of range: " + model + " has " + layers
                    + " layers, 0.." + (layers - 1));
        }
        if (options.context() > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("--context " + options.context() + ": " + model + " takes at most " + config.maxPositionEmbeddings()
                    + " positions (max_position_embeddings in config.json)");
        }
        this.hidden = config.hiddenSize();
        this.bos = config.bosTokenId();
        this.keep = options.skipPositionZero() ? options.context() - 1 : options.context();
        this.sequencesPerWindow = Math.max(1, options.windowRows() / keep);
        this.fullWindowRows = (long) sequencesPerWindow * keep;
        this.tokenizer = GemmaTokenizer.load(this.model);
        try (PackedSequences probe = PackedSequences.open(this.data, tokenizer, options.context(), bos)) {
            if (probe.next() == null) {
                throw new IllegalArgumentException(data + ": the data holds no complete sequence of " + options.context()
                        + " tokens (it is empty, blank or too short); give more text or a smaller context");
            }
        }
        this.windowRows = new float[Math.multiplyExact(Math.toIntExact(fullWindowRows), hidden)];
        this.windowIds = new int[Math.multiplyExact(sequencesPerWindow, options.context())];
        this.gemma = Gemma2Model.load(this.model);
    }

    public void setListener(Listener listener) {
        this.listener = listener;
    }

    @Override
    public int dim() {
        return hidden;
    }

    public Path model() {
        return model;
    }

    public Path data() {
        return data;
    }

    public Options options() {
        return options;
    }

    /** The SAELens hook name of the activations served. */
    public String hookName() {
        return HarvestManifest.hookName(options.layer());
    }

    /** Sequences per shuffling window. */
    public int sequencesPerWindow() {
        return sequencesPerWindow;
    }

    /** Rows per epoch (every kept row of the data), or −1 while the data has not yet run out. */
    public long rowsPerEpoch() {
        return sequencesPerEpoch < 0 ? -1 : sequencesPerEpoch * keep;
    }

    @Override
    public void nextBatch(float[] x, int rows) {
        requireRoom(x, rows);
        fill(options.seed(), servedRows, x, rows);
        servedRows += rows;
    }

    @Override
    public void batchAt(long index, float[] x, int rows) {
        requireRoom(x, rows);
        if (index < 0) {
            fill(Seeds.stream(options.seed(), index), 0, x, rows);
            return;
        }
        long first = Math.multiplyExact(index, (long) rows);
        fill(options.seed(), first, x, rows);
        servedRows = first + rows;
    }

    /** Where row {@code streamRow} of the (non-negative index) stream comes from: row r of batch i of B rows is i·B + r. */
    public Origin origin(long streamRow) {
        int slot = slotOf(options.seed(), streamRow);
        int s = slot / keep, position = slot % keep + (options.skipPositionZero() ? 1 : 0);
        return new Origin(lastEpoch, cachedWindow * sequencesPerWindow + s, position, windowIds[s * options.context() + position]);
    }

    private void requireRoom(float[] x, int rows) {
        if (rows < 0 || x.length < (long) rows * hidden) {
            throw new IllegalArgumentException("x holds " + x.length + " floats, " + rows + " rows × " + hidden + " need " + (long) rows * hidden);
        }
    }

    private void fill(long streamSeed, long firstRow, float[] x, int rows) {
        for (int r = 0; r < rows; r++) {
            int slot = slotOf(streamSeed, firstRow + r);
            System.arraycopy(windowRows, slot * hidden, x, r * hidden, hidden);
        }
    }

    /** Makes the window holding stream row {@code row} current and returns the row's slot in it; sets {@link #lastEpoch}. */
    private int slotOf(long streamSeed, long row) {
        if (row < 0) throw new IllegalArgumentException("stream row " + row + " < 0");
        if (sequencesPerEpoch < 0) {
            long w = row / fullWindowRows;
            load(w); // may find the end of the data
            if (sequencesPerEpoch < 0 || row < rowsPerEpoch()) return slotIn(streamSeed, 0, w, (int) (row - w * fullWindowRows));
        }
        long perEpoch = rowsPerEpoch(), epoch = row / perEpoch, offset = row % perEpoch, w = offset / fullWindowRows;
        load(w);
        return slotIn(streamSeed, epoch, w, (int) (offset - w * fullWindowRows));
    }

    private int slotIn(long streamSeed, long epoch, long w, int i) {
        lastEpoch = epoch;
        int n = cachedSequences * keep;
        if (perm == null || permSeed != streamSeed || permEpoch != epoch || permWindow != w || perm.length != n) {
            UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(Seeds.mixed(Seeds.mixed(streamSeed, epoch), w));
            perm = PermutationSampler.natural(n);
            PermutationSampler.shuffle(rng, perm);
            permSeed = streamSeed;
            permEpoch = epoch;
            permWindow = w;
        }
        return perm[i];
    }

    /**
     * Computes window {@code w} (its sequences and their residuals) unless it is the current one.
     * When the data runs out on the way, the epoch's length becomes known; a window past the end
     * leaves nothing current.
     */
    private void load(long w) {
        if (cachedWindow == w) return;
        cachedWindow = -1;
        long first = w * sequencesPerWindow;
        if (cursor == null || cursor.produced() > first) {
            if (cursor != null) cursor.close();
            cursor = PackedSequences.open(data, tokenizer, options.context(), bos);
        }
        cursor.skip(first - cursor.produced());
        int n = 0, context = options.context();
        while (n < sequencesPerWindow) {
            int[] seq = cursor.next();
            if (seq == null) {
                sequencesPerEpoch = cursor.produced();
                break;
            }
            System.arraycopy(seq, 0, windowIds, n * context, context);
            n++;
        }
        if (n == 0) return;
        int skip = options.skipPositionZero() ? 1 : 0;
        Hooks hooks = Hooks.none().capture(options.layer()).stopAfter(options.layer());
        for (int s = 0; s < n; s += options.batchSequences()) {
            int b = Math.min(options.batchSequences(), n - s);
            int[] ids = Arrays.copyOfRange(windowIds, s * context, (s + b) * context);
            float[] residual = gemma.forward(ids, b, hooks).residual(options.layer());
            for (int q = 0; q < b; q++) {
                System.arraycopy(residual, (q * context + skip) * hidden, windowRows, (s + q) * keep * hidden, keep * hidden);
            }
            if (listener != null) listener.windowProgress(w, s + b, n);
        }
        cachedWindow = w;
        cachedSequences = n;
    }

    @Override
    public void close() {
        if (cursor != null) cursor.close();
        cursor = null;
        gemma.close();
    }
}
