package saelab.model.gemma2;

/** A checkpoint that cannot be used with its config; the message names the tensors and what was expected. */
public final class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }
}
