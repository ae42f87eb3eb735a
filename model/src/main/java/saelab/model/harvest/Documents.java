package saelab.model.harvest;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The documents of a text data file, read lazily one line at a time (a data file may be far
 * larger than memory):
 * <ul>
 *   <li>{@code .txt}: each line is one document;</li>
 *   <li>{@code .jsonl}: each line is a JSON object whose string field {@code text} is the document
 *       (other fields are ignored).</li>
 * </ul>
 * Blank lines are skipped in both. Invalid UTF-8, bad JSON, a missing or non-string {@code text}
 * field each stop the read with an error naming the file and the line.
 */
public final class Documents implements Iterator<String>, AutoCloseable {
    /** How a data file is read, chosen by its name's ending. */
    public enum Format {
        TXT, JSONL;

        /** The format of {@code file} by its extension, or an error naming the file. */
        public static Format of(Path file) {
            String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase();
            if (name.endsWith(".txt")) return TXT;
            if (name.endsWith(".jsonl")) return JSONL;
            throw new HarvestException(file + ": unknown data format: expected a .txt file (one document per line)"
                    + " or a .jsonl file (one JSON object with a \"text\" field per line)");
        }
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path file;
    private final Format format;
    private final InputStream in;
    // Lines are split as bytes and decoded one by one, so a UTF-8 error is reported on its own line.
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private long lineNumber, bytesRead;
    private String next;

    private Documents(Path file, Format format, InputStream in) {
        this.file = file;
        this.format = format;
        this.in = in;
    }

    public static Documents open(Path file) {
        Format format = Format.of(file);
        try {
            return new Documents(file, format, new BufferedInputStream(Files.newInputStream(file), 1 << 16));
        } catch (IOException e) {
            throw new HarvestException(file + ": cannot read the data file: " + saelab.model.IoErrors.reason(e), e);
        }
    }

    /** Bytes of the file read so far (whole lines, their line ends included): how far into the file the documents returned reach. */
    public long bytesRead() {
        return bytesRead;
    }

    /** The 1-based line the last document returned came from. */
    public long lineNumber() {
        return lineNumber;
    }

    @Override
    public boolean hasNext() {
        if (next != null) return true;
        try {
            String text;
            while ((text = readLine()) != null) {
                lineNumber++;
                if (text.isBlank()) continue;
                next = format == Format.TXT ? text : textField(text);
                return true;
            }
            return false;
        } catch (CharacterCodingException e) {
            throw new HarvestException(file + ": line " + (lineNumber + 1) + ": not valid UTF-8 (" + e + ")", e);
        } catch (IOException e) {
            throw new HarvestException(file + ": line " + (lineNumber + 1) + ": cannot read: " + saelab.model.IoErrors.reason(e), e);
        }
    }

    /** The next line without its \n or \r\n, or null at the end of the file. */
    private String readLine() throws IOException {
        line.reset();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') line.write(b);
        if (b < 0 && line.size() == 0) return null;
        int n = line.size();
        bytesRead += n + (b >= 0 ? 1 : 0);
        byte[] bytes = line.toByteArray();
        if (n > 0 && bytes[n - 1] == '\r') n--;
        // Malformed UTF-8 is reported rather than replaced: a corrupt data file should be noticed.
        return utf8.reset().decode(ByteBuffer.wrap(bytes, 0, n)).toString();
    }

    @Override
    public String next() {
        if (!hasNext()) throw new NoSuchElementException("no more documents in " + file);
        String doc = next;
        next = null;
        return doc;
    }

    private String textField(String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JacksonException e) {
            throw new HarvestException(file + ": line " + lineNumber + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new HarvestException(file + ": line " + lineNumber + ": expected a JSON object with a \"text\" field, got "
                    + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase()));
        }
        JsonNode text = node.get("text");
        if (text == null) {
            throw new HarvestException(file + ": line " + lineNumber + ": the object has no \"text\" field (fields: "
                    + String.join(", ", iterable(node.fieldNames())) + ")");
        }
        if (!text.isTextual()) {
            throw new HarvestException(file + ": line " + lineNumber + ": \"text\" is " + text.getNodeType().toString().toLowerCase()
                    + ", expected a string");
        }
        return text.asText();
    }

    private static Iterable<String> iterable(Iterator<String> it) {
        return () -> it;
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException ignored) {
            // Read-only: nothing is lost when closing fails.
        }
    }
}
