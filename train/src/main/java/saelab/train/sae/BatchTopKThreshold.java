package saelab.train.sae;

/**
 * The inference threshold of a BatchTopK SAE, estimated during training as dictionary_learning's
 * BatchTopKTrainer.update_threshold does: after step {@code startStep}, each step observes the
 * smallest positive activation the batch selection kept (0 if none), takes it as θ the first time
 * and otherwise moves θ ← β·θ + (1 − β)·min. Until then θ = −1, "no estimate" (encoding with it
 * is plain ReLU). Kept in double (dictionary_learning keeps a float32 buffer, SAELens a double).
 * SAELens instead starts at 0 and moves by a rate 0.01 from the first step; β = 0.99 and
 * startStep = −1 give the same rate, only its first value differs.
 */
public final class BatchTopKThreshold {
    /** The value before the first observation. */
    public static final double NONE = -1;

    private final double beta;
    private final long startStep;
    private double value = NONE;

    /** dictionary_learning's defaults are β = 0.999 and startStep = 1000. */
    public BatchTopKThreshold(double beta, long startStep) {
        if (!(beta >= 0 && beta < 1)) throw new IllegalArgumentException("BatchTopK threshold: beta must be in [0, 1), got " + beta);
        this.beta = beta;
        this.startStep = startStep;
    }

    public double beta() { return beta; }
    public long startStep() { return startStep; }

    /** θ, or {@link #NONE} before the first observation. */
    public double value() { return value; }

    /** Sets θ (a checkpoint's value; {@link #NONE} or ≥ 0). */
    public void restore(double theta) {
        if (!(theta == NONE || theta >= 0)) throw new IllegalArgumentException("BatchTopK threshold must be ≥ 0 (or −1: no estimate), got " + theta);
        value = theta;
    }

    /** Observes one training step's selection; ignored at steps ≤ startStep. */
    public void observe(SparseEncoder.Selection kept, long step) {
        if (step <= startStep) return;
        double min = BatchTopK.minPositive(kept);
        value = value < 0 ? min : beta * value + (1 - beta) * min;
    }
}
