package saelab.model.harvest;

/**
 * A harvest that cannot start, resume or be read back as asked. The message names the file (and
 * line, field or tensor) and what was expected.
 */
public class HarvestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public HarvestException(String message) {
        super(message);
    }

    public HarvestException(String message, Throwable cause) {
        super(message, cause);
    }
}
