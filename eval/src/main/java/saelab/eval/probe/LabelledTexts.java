package saelab.eval.probe;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Labelled texts for sparse probing: a {@code .jsonl} file, one JSON object per line with a string
 * {@code "text"} and a {@code "label"} (a string or a number, compared as its text). Blank lines
 * are skipped. Bad JSON, a missing or non-scalar field, and fewer than two distinct labels are
 * refused naming the file (and line).
 *
 * @param texts  the texts, in file order
 * @param labels index into {@code classes} of each text
 * @param classes the distinct labels, sorted
 */
public record LabelledTexts(List<String> texts, int[] labels, List<String> classes) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static LabelledTexts read(Path file) {
        List<String> texts = new ArrayList<>(), raw = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (JacksonException e) {
                    throw new IllegalArgumentException(file + ":" + lineNo + ": not valid JSON: " + e.getOriginalMessage());
                }
                if (node == null || !node.isObject()) throw new IllegalArgumentException(file + ":" + lineNo + ": expected a JSON object with \"text\" and \"label\"");
                JsonNode text = node.get("text"), label = node.get("label");
                if (text == null || !text.isTextual()) throw new IllegalArgumentException(file + ":" + lineNo + ": missing string field \"text\"");
                if (label == null || !(label.isTextual() || label.isNumber() || label.isBoolean())) {
                    throw new IllegalArgumentException(file + ":" + lineNo + ": missing field \"label\" (a string or a number)");
                }
                texts.add(text.asText());
                raw.add(label.asText());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + saelab.model.IoErrors.reason(e), e);
        }
        List<String> classes = new ArrayList<>(new TreeSet<>(raw));
        if (classes.size() < 2) {
            throw new IllegalArgumentException(file + ": needs at least 2 distinct labels, found " + classes.size()
                    + (classes.isEmpty() ? " (no data lines)" : " (" + classes.get(0) + ")"));
        }
        int[] labels = new int[raw.size()];
        for (int i = 0; i < labels.length; i++) labels[i] = classes.indexOf(raw.get(i));
        return new LabelledTexts(List.copyOf(texts), labels, List.copyOf(classes));
    }
}
