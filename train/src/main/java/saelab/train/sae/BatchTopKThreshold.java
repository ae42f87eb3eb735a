package saelab.train.sae;

/**
 * The inference threshold of a BatchTopK SAE, estimated during training as dictionary_learning's
 * BatchTopKTrainer.update_threshold does: after step {@code startStep}, each step observes the
 * smallest positive activation the batch selection kept (0 if none), takes it as θ the first time
 * and otherwise moves θ ← β·θ + (1 − β)·min. Until then θ = −1, "no estimate" (encoding with it
 * is plain ReLU). θ lives in float32 storage, dictionary_learning's buffer dtype, which may be a
 * checkpointed tensor (every entry holds θ: SAELens's JumpReLU layout, one threshold per latent),
 * so a restored SAE resumes its estimate; the update itself is computed in double. SAELens instead starts at 0 and moves by a rate 0.01 from the first step; β = 0.99 and
 * startStep = −1 give the same rate, only its first value differs.
 */
public final class BatchTopKThreshold {
    /** The value before the first observation. */
    public static final double NONE = -1;

    private final double beta;
    private final long startStep;
    private final float[] store;

    /** dictionary_learning's defaults are β = 0.999 and startStep = 1000. θ starts as {@link #NONE}. */
    public BatchTopKThreshold(double beta, long startStep) {
        this(beta, startStep, new float[] {(float) NONE});
    }

    /** Over {@code store} (non-empty; every entry is θ), which keeps its current value. */
    public BatchTopKThreshold(double beta, long startStep, float[] store) {
        if (!(beta >= 0 && beta < 1)) throw new IllegalArgumentException("BatchTopK threshold: beta must be in [0, 1), got " + beta);
        if (store.length == 0) throw new IllegalArgumentException("BatchTopK threshold: the storage is empty");
        this.beta = beta;
        this.startStep = startStep;
        this.store = store;
    }

    public double beta() { return beta; }
    public long startStep() { return startStep; }

    /** θ, or {@link #NONE} before the first observation. */
    public double value() { return store[0]; }

    /** Sets θ (a checkpoint's value; {@link #NONE} or ≥ 0). */
    public void restore(double theta) {
        if (!(theta == NONE || theta >= 0)) throw new IllegalArgumentException("BatchTopK threshold must be ≥ 0 (or −1: no estimate), got " + theta);
        java.util.Arrays.fill(store, (float) theta);
    }

    /** Observes one training step's selection; ignored at steps ≤ startStep. */
    public void observe(SparseEncoder.Selection kept, long step) {
        if (step <= startStep) return;
        double min = BatchTopK.minPositive(kept), value = value();
        java.util.Arrays.fill(store, (float) (value < 0 ? min : beta * value + (1 - beta) * min));
    }
}
