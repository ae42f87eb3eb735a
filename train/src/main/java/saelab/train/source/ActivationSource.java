package saelab.train.source;

/** Where training activations come from: synthetic ground truth, harvested shards, or a live model. */
public interface ActivationSource {
    /** Width d of one activation vector. */
    int dim();

    /** Fills {@code x} (rows × dim, row-major) with the next batch. */
    void nextBatch(float[] x, int rows);

    /**
     * Fills {@code x} with batch number {@code index} of a stream that depends only on the
     * source's configuration and the index, so training can resume at any step and see the
     * same data as an uninterrupted run.
     */
    void batchAt(long index, float[] x, int rows);
}
