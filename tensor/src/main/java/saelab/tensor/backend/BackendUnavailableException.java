package saelab.tensor.backend;

/** A backend was asked for and cannot run here; the message says what is missing and how to get it. */
public final class BackendUnavailableException extends Exception {
    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
