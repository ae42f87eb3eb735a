package saelab.train.trainer;

/**
 * Training met a number that is not finite (NaN or ±Inf): in a batch of activations, in a term
 * of the loss, or in a weight. The message is one line naming the step and the place; training
 * stops there and nothing after the last good checkpoint is written.
 */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
