package saelab.train.source;

/** Where training activations come from: synthetic ground truth, harvested shards, or a live model. */
public interface ActivationSource {
    /** Width d of one activation vector. */
    int dim();

    /** Fills {@code x} (rows × dim, row-major) with the next batch. */
    void nextBatch(float[] x, int rows);
}
