package saelab.model.gemma2;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.TensorStore;
import saelab.model.safetensors.TensorView;
import saelab.tensor.kernels.Parallel;
import saelab.tensor.kernels.VectorOps;

/**
 * Gemma-2 inference, exact to Hugging Face's Gemma2ForCausalLM computed in float32 (see
 * shared/docs/gemma2.md). One forward pass, top to bottom:
 * <pre>
 *   x = E[ids] · √hidden
 *   per layer l:  x += postAttnNorm(attention_l(inputNorm(x)))
 *                 x += postFfnNorm(down(gelu_tanh(gate(n)) ⊙ up(n))),  n = preFfnNorm(x)
 *                 [hooks on resid_post of l]
 *   logits = softcap_final(finalNorm(x) · Eᵀ)
 * </pre>
 * Activations are plain float arrays, row-major [rows × width] with row = sequence·T + position.
 * Weights stay as the checkpoint stores them (bf16 mapped in place). The GEMMs are multi-threaded
 * by the kernels; attention runs one (sequence, head) pair per task.
 */
public final class Gemma2Model implements AutoCloseable {
    private final Path checkpoint;
    private final GemmaConfig config;
    private final TensorStore store;
    private final Gemma2Weights weights;
    private final RotaryEmbedding rotary;
    private final int hidden, heads, kvHeads, headDim, ffn, vocab;
    private final float embeddingScale, attentionScale, eps;
    private final Float attentionCap, finalCap;
    /**
     * The work buffers of the last pass, kept for the next: a 128-token pass of gemma-2-2b needs
     * 15 MB of them, and allocating them afresh every pass (every token when generating) only
     * feeds the garbage collector, which answers by growing the heap. Taken out while a pass runs,
     * so concurrent passes each get their own.
     */
    private final AtomicReference<Activations> spareActivations = new AtomicReference<>();

    private Gemma2Model(Path checkpoint, GemmaConfig config, TensorStore store) {
        this.checkpoint = checkpoint;
        this.config = config;
        this.store = store;
        this.weights = Gemma2Weights.load(checkpoint, store, config);
        this.hidden = config.hiddenSize();
        this.heads = config.numAttentionHeads();
        this.kvHeads = config.numKeyValueHeads();
        this.headDim = config.headDim();
        this.ffn = config.intermediateSize();
        this.vocab = config.vocabSize();
        this.rotary = new RotaryEmbedding(headDim, config.ropeTheta());
        // Each constant is rounded to float32 once, as transformers does when it multiplies a float32 tensor by it.
        this.embeddingScale = (float) Math.sqrt(hidden);
        this.attentionScale = (float) Math.pow(config.queryPreAttnScalar(), -0.5);
        this.eps = (float) config.rmsNormEps();
        this.attentionCap = config.attnLogitSoftcapping() == null ? null : config.attnLogitSoftcapping().floatValue();
        this.finalCap = config.finalLogitSoftcapping() == null ? null : config.finalLogitSoftcapping().floatValue();
        if (!config.hiddenActivation().startsWith("gelu")) {
            throw new CheckpointException(checkpoint + ": hidden_activation '" + config.hiddenActivation()
                    + "' is not supported (gemma-2 uses gelu_pytorch_tanh)");
        }
    }

    /** Opens a checkpoint directory: config.json and model.safetensors or its sharded index. */
    public static Gemma2Model load(Path dir) {
        GemmaConfig config = GemmaConfig.read(dir);
        TensorStore store = TensorStore.open(dir);
        try {
            requireHeapForFloatWeights(dir, store, Runtime.getRuntime().maxMemory());
            return new Gemma2Model(dir, config, store);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** Heap kept free beside float weights for activations, logits and the collector's room. */
    static final long HEAP_HEADROOM = 256L << 20;

    /**
     * BF16 weights stay in the mapped file, but F32 and F16 ones are read into float arrays on the
     * heap (a float32 gemma-2-2b is 10.5 GB): refuse up front, saying how much heap it takes,
     * rather than fail with an OutOfMemoryError halfway through loading.
     */
    static void requireHeapForFloatWeights(Path dir, TensorStore store, long maxHeap) {
        long bytes = 0;
        for (String name : store.names()) {
            TensorView t = store.tensor(name);
            if (t.dtype() == Dtype.F32 || t.dtype() == Dtype.F16) bytes += 4 * t.numel();
        }
        if (bytes == 0 || bytes + HEAP_HEADROOM <= maxHeap) return;
        long suggestGb = (bytes + (1L << 30) + (1L << 30) - 1) >> 30;
        throw new CheckpointException(String.format("%s: its F32/F16 weights are read into float arrays and need %.2f GB "
                + "of Java heap (bf16 weights stay in the mapped file), more than this JVM's maximum of %.2f GB; "
                + "raise it with -Xmx%dg (./saelab: SAELAB_JAVA_OPTS=-Xmx%dg) or use a bf16 checkpoint",
                dir, bytes / 1e9, maxHeap / 1e9, suggestGb, suggestGb));
    }

    public GemmaConfig config() {
        return config;
    }

    public Path checkpoint() {
        return checkpoint;
    }

    /** Forward pass of equal-length sequences from position 0, logits at every position (unless the hooks stop earlier). */
    public ForwardResult forward(int[][] sequences, Hooks hooks) {
        int batch = sequences.length, length = batch == 0 ? 0 : sequences[0].length;
        int[] ids = new int[batch * length];
        for (int b = 0; b < batch; b++) {
            if (sequences[b].length != length) {
                throw new IllegalArgumentException("sequence " + b + " has " + sequences[b].length
                        + " tokens, sequence 0 has " + length + ": a batch needs equal lengths");
            }
            System.arraycopy(sequences[b], 0, ids, b * length, length);
        }
        return forward(ids, batch, hooks);
    }

    /** As {@link #forward(int[][], Hooks)} with the ids row-major in one array [batch × length]. */
    public ForwardResult forward(int[] ids, int batch, Hooks hooks) {
        if (batch <= 0 || ids.length % batch != 0) {
            throw new IllegalArgumentException(ids.length + " ids do not make " + batch + " equal-length sequences");
        }
        int length = ids.length / batch;
        // One layer's keys and values at a time: a pass that does not generate never reads them again.
        KvCache scratch = new KvCache(1, batch, length, kvHeads, headDim);
        return run(ids, batch, length, scratch, hooks, false);
    }

    /** An empty cache for generating up to {@code capacity} positions (prompt included) for {@code batch} sequences. */
    public KvCache newCache(int batch, int capacity) {
        return new KvCache(config.numHiddenLayers(), batch, capacity, kvHeads, headDim);
    }

    /**
     * Appends ids [batch × n] (row-major) to the cache's sequences, attending to everything cached
     * before, and returns the logits [batch × vocab_size] of each sequence's last new position:
     * prefill with the prompt, then one token per call.
     */
    public float[] extend(KvCache cache, int[] ids) {
        if (ids.length == 0 || ids.length % cache.batch != 0) {
            throw new IllegalArgumentException(ids.length + " ids do not make " + cache.batch + " equal-length sequences");
        }
        return run(ids, cache.batch, ids.length / cache.batch, cache, Hooks.none(), true).logits();
    }

    private ForwardResult run(int[] ids, int batch, int length, KvCache cache, Hooks hooks, boolean lastPositionOnly) {
        int layers = config.numHiddenLayers();
        hooks.checkAgainst(layers);
        int start = cache.length();
        if (start + length > cache.capacity()) {
            throw new IllegalArgumentException("the KV cache holds " + cache.capacity() + " positions; "
                    + start + " are used and " + length + " more were given");
        }
        int rows = batch * length;
        float[] x = new float[rows * hidden];
        for (int r = 0; r < rows; r++) {
            int id = ids[r];
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("token id " + id + " (sequence " + r / length + ", position "
                        + r % length + ") is outside the vocabulary [0, " + vocab + ")");
            }
            weights.embedding().row(id, x, r * hidden);
        }
        VectorOps.scale(embeddingScale, x, 0, x.length);

        RotaryEmbedding.Table angles = rotary.table(start, length);
        Activations a = borrowActivations(rows);
        Map<Integer, float[]> captured = new LinkedHashMap<>();
        int last = hooks.stopAfter() >= 0 ? hooks.stopAfter() : layers - 1, layersRun = 0;
        for (int l = 0; l <= last; l++) {
            layer(l, x, batch, length, start, cache, angles, a);
            layersRun++;
            if (hooks.captures(l)) captured.put(l, x.clone());
            UnaryOperator<float[]> replacement = hooks.replacement(l);
            if (replacement != null) {
                float[] replaced = replacement.apply(x);
                if (replaced == null || replaced.length != x.length) {
                    throw new IllegalArgumentException("the replacement at layer " + l + " returned "
                            + (replaced == null ? "null" : replaced.length + " values") + ", expected " + x.length
                            + " (" + rows + " rows × " + hidden + ")");
                }
                x = replaced;
            }
        }
        cache.advance(length);
        spareActivations.set(a);
        if (last < layers - 1) return new ForwardResult(batch, length, vocab, null, 0, captured, layersRun);

        int logitRows = lastPositionOnly ? batch : rows;
        float[] normed = new float[logitRows * hidden];
        for (int i = 0; i < logitRows; i++) {
            int row = lastPositionOnly ? i * length + length - 1 : i;
            VectorOps.rmsNormRows(x, row * hidden, normed, i * hidden, 1, hidden, weights.finalNorm(), 0, eps);
        }
        float[] logits = new float[Math.multiplyExact(logitRows, vocab)];
        weights.unembedding().applyTo(logitRows, normed, 0, logits, 0);
        if (finalCap != null) VectorOps.softCap(logits, 0, logits.length, finalCap);
        return new ForwardResult(batch, length, vocab, logits, logitRows, captured, layersRun);
    }

    /**
     * The spare work buffers if they hold {@code rows} rows, else new ones for exactly {@code rows}.
     * The pass hands them back when it ends, so a model keeps the buffers of its largest pass so
     * far: no more than that pass itself needed at its peak.
     */
    private Activations borrowActivations(int rows) {
        Activations spare = spareActivations.getAndSet(null);
        return spare != null && spare.rows >= rows ? spare : new Activations(rows);
    }

    /** Work buffers for a pass of up to {@code rows} rows, each [rows × its width]; a pass uses a prefix. */
    private final class Activations {
        final int rows;
        final float[] normed, q, k, v, attended, projected, gate, up;

        Activations(int rows) {
            this.rows = rows;
            normed = new float[rows * hidden];
            q = new float[rows * heads * headDim];
            k = new float[rows * kvHeads * headDim];
            v = new float[rows * kvHeads * headDim];
            attended = new float[rows * heads * headDim];
            projected = new float[rows * hidden];
            gate = new float[rows * ffn];
            up = new float[rows * ffn];
        }
    }

    /** One decoder layer, updating the residual x in place. */
    private void layer(int l, float[] x, int batch, int length, int start, KvCache cache,
                       RotaryEmbedding.Table angles, Activations a) {
        Gemma2Weights.Layer w = weights.layers().get(l);
        int rows = batch * length;

        // Attention block.
        VectorOps.rmsNormRows(x, 0, a.normed, 0, rows, hidden, w.inputNorm(), 0, eps);
        w.q().applyTo(rows, a.normed, 0, a.q, 0);
        w.k().applyTo(rows, a.normed, 0, a.k, 0);
        w.v().applyTo(rows, a.normed, 0, a.v, 0);
        storeRotatedKeysAndValues(l, batch, length, start, cache, angles, a);
        // Gemma-2 alternates: layers 0, 2, 4, ... attend within a sliding window, odd ones globally.
        boolean sliding = l % 2 == 0;
        int window = sliding ? config.slidingWindow() : Integer.MAX_VALUE;
        Parallel.forRange(batch * heads, task -> attend(task / heads, task % heads, l, length, start, window, cache, a));
        w.o().applyTo(rows, a.attended, 0, a.projected, 0);
        addNormed(x, a.projected, w.postAttentionNorm(), rows, a.normed);

        // Gated MLP block.
        VectorOps.rmsNormRows(x, 0, a.normed, 0, rows, hidden, w.preFeedforwardNorm(), 0, eps);
        w.gate().applyTo(rows, a.normed, 0, a.gate, 0);
        w.up().applyTo(rows, a.normed, 0, a.up, 0);
        VectorOps.geluTanhMul(a.gate, 0, a.up, 0, a.gate, 0, rows * ffn);
        w.down().applyTo(rows, a.gate, 0, a.projected, 0);
        addNormed(x, a.projected, w.postFeedforwardNorm(), rows, a.normed);
    }

    /** x += RMSNorm(y) with the weight (1 + w); scratch receives the normed y. */
    private void addNormed(float[] x, float[] y, float[] onePlusW, int rows, float[] scratch) {
        VectorOps.rmsNormRows(y, 0, scratch, 0, rows, hidden, onePlusW, 0, eps);
        VectorOps.add(x, 0, scratch, 0, x, 0, rows * hidden);
    }

    /** Rotates queries and keys by their positions and appends keys and values to the cache. */
    private void storeRotatedKeysAndValues(int l, int batch, int length, int start, KvCache cache,
                                           RotaryEmbedding.Table angles, Activations a) {
        float[] keys = cache.keys(l), values = cache.values(l);
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < length; t++) {
                int row = b * length + t;
                for (int h = 0; h < heads; h++) RotaryEmbedding.rotate(a.q, (row * heads + h) * headDim, angles, t);
                for (int g = 0; g < kvHeads; g++) {
                    int from = (row * kvHeads + g) * headDim, to = cache.offset(b, g, start + t);
                    RotaryEmbedding.rotate(a.k, from, angles, t);
                    System.arraycopy(a.k, from, keys, to, headDim);
                    System.arraycopy(a.v, from, values, to, headDim);
                }
            }
        }
    }

    /** Attention of query head h of sequence b, every new position, over the cached ones. */
    private void attend(int b, int h, int l, int length, int start, int window, KvCache cache, Activations a) {
        int g = Attention.kvHeadOf(h, heads, kvHeads);
        float[] scores = new float[start + length];
        for (int t = 0; t < length; t++) {
            int qOff = ((b * length + t) * heads + h) * headDim;
            Attention.attend(a.q, qOff, cache.keys(l), cache.values(l), cache.offset(b, g, 0), headDim,
                    start + t, window, attentionScale, attentionCap, scores, a.attended, qOff);
        }
    }

    /** Unmaps the checkpoint; the model cannot be used afterwards. */
    @Override
    public void close() {
        store.close();
    }
}
