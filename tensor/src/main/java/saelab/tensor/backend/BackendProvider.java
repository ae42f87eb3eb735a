package saelab.tensor.backend;

/**
 * A backend that may be present at run time, found with {@link java.util.ServiceLoader} (a module
 * such as saelab-tornado lists its provider in
 * {@code META-INF/services/saelab.tensor.backend.BackendProvider}). Loading the provider must be
 * cheap and must not touch the device; {@link #open()} does, and says why when it cannot.
 */
public interface BackendProvider {
    /** The name {@code --backend} selects it by. */
    String name();

    /** Starts the backend (finds the device, checks a kernel runs), or explains what is missing. */
    Backend open() throws BackendUnavailableException;
}
