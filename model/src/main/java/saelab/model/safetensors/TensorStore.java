package saelab.model.safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Named tensors read in place from one safetensors file or from the shards of a checkpoint.
 * Views stay valid until {@link #close()}.
 */
public interface TensorStore extends AutoCloseable {
    String SINGLE_FILE = "model.safetensors";
    String INDEX_FILE = "model.safetensors.index.json";

    /** Tensor names, in header (or index) order. */
    Set<String> names();

    /** The tensor if the store holds it. */
    default Optional<TensorView> find(String name) {
        return names().contains(name) ? Optional.of(tensor(name)) : Optional.empty();
    }

    /** The tensor, or a {@link SafetensorsException} naming it and where it was looked for. */
    TensorView tensor(String name);

    /** {@code __metadata__} of a single file, or the index's {@code metadata} (values as text). */
    Map<String, String> metadata();

    /** Where this store was opened from: the file, or the index of a sharded checkpoint. */
    Path location();

    /**
     * The metadata value under {@code key} as a decimal integer, empty when absent; any other text
     * is a {@link SafetensorsException} naming {@link #location()}, the key and the value.
     */
    default OptionalLong metadataLong(String key) {
        String text = metadata().get(key);
        if (text == null) return OptionalLong.empty();
        try {
            return OptionalLong.of(Long.parseLong(text));
        } catch (NumberFormatException e) {
            String shown = text.length() <= 40 ? text : text.substring(0, 40) + "...";
            throw SafetensorsException.inFile(location(), "metadata \"" + key + "\" is '" + shown
                    + "', expected a decimal integer from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE);
        }
    }

    @Override
    void close();

    /**
     * Opens a checkpoint: a directory (its {@value #INDEX_FILE} if present, else its
     * {@value #SINGLE_FILE}), an index file, or one {@code .safetensors} file.
     */
    static TensorStore open(Path path) {
        if (Files.isDirectory(path)) {
            Path index = path.resolve(INDEX_FILE);
            if (Files.exists(index)) return ShardedSafetensors.open(index);
            Path single = path.resolve(SINGLE_FILE);
            if (Files.exists(single)) return SafetensorsFile.open(single);
            throw SafetensorsException.inFile(path, "no " + INDEX_FILE + " or " + SINGLE_FILE + " in this directory");
        }
        if (path.getFileName() != null && path.getFileName().toString().endsWith(".json")) {
            return ShardedSafetensors.open(path);
        }
        return SafetensorsFile.open(path);
    }

    /** Reads a small file whole, turning I/O failures into errors that name it. */
    static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw SafetensorsException.inFile(file, "cannot read: " + saelab.model.IoErrors.reason(e));
        }
    }
}
