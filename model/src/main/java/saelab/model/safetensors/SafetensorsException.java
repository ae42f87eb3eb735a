package saelab.model.safetensors;

import java.nio.file.Path;

/**
 * A safetensors file or index that cannot be read or written as asked. The message names the
 * file, the tensor when there is one, and what was expected.
 */
public class SafetensorsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }

    static SafetensorsException inFile(Path file, String what) {
        return new SafetensorsException(file + ": " + what);
    }

    static SafetensorsException inTensor(Path file, String tensor, String what) {
        return new SafetensorsException(file + ": tensor '" + tensor + "': " + what);
    }
}
