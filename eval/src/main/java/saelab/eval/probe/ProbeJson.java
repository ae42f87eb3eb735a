package saelab.eval.probe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import saelab.model.AtomicFiles;

/** A probing result ({@link SparseProbing.Result}, {@link FirstLetterAbsorption.Result}) as indented JSON, written atomically. */
public final class ProbeJson {
    private ProbeJson() {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);

    /** Writes value as indented JSON (temporary file, then rename), creating the folder. */
    public static void write(Path out, Object value) {
        try {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            AtomicFiles.write(out, JSON.writeValueAsBytes(value));
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot write: " + saelab.model.IoErrors.reason(e), e);
        }
    }
}
