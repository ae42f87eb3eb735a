package saelab.model.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** The hand-written tiny-tokenizer.json of the test resources, as is or edited. */
final class TinyTokenizer {
    private TinyTokenizer() {}

    static Path file() {
        try {
            return Path.of(TinyTokenizer.class.getResource("tiny-tokenizer.json").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String json() {
        try {
            return Files.readString(file());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static GemmaTokenizer load() {
        return GemmaTokenizer.load(file());
    }

    /** Writes an edited copy to {@code dir/tokenizer.json} and loads it. */
    static GemmaTokenizer edited(Path dir, UnaryOperator<String> edit) {
        return GemmaTokenizer.load(write(dir, edit.apply(json())));
    }

    static Path write(Path dir, String json) {
        try {
            return Files.writeString(dir.resolve(GemmaTokenizer.FILE_NAME), json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
