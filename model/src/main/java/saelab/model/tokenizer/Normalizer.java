package saelab.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The normalizers gemma tokenizer.json files use: Replace (a literal string), Prepend, and a
 * Sequence of them. Gemma-2 ships {@code Replace(" " → "▁")}; Llama-style files add
 * {@code Prepend("▁")}. Each is read from the file, none assumed.
 */
sealed interface Normalizer {
    String apply(String s);

    record Replace(String pattern, String content) implements Normalizer {
        public String apply(String s) {
            return s.replace(pattern, content);
        }
    }

    /** Hugging Face prepends only to non-empty strings. */
    record Prepend(String prefix) implements Normalizer {
        public String apply(String s) {
            return s.isEmpty() ? s : prefix + s;
        }
    }

    record Sequence(List<Normalizer> steps) implements Normalizer {
        public String apply(String s) {
            for (Normalizer n : steps) s = n.apply(s);
            return s;
        }
    }

    Normalizer IDENTITY = new Sequence(List.of());

    static Normalizer parse(Path file, JsonNode node) {
        if (node == null || node.isNull()) return IDENTITY;
        String type = node.path("type").asText("");
        return switch (type) {
            case "Replace" -> new Replace(Json.literalPattern(file, "normalizer Replace", node.get("pattern")),
                    Json.text(file, node, "content", "normalizer Replace"));
            case "Prepend" -> new Prepend(Json.text(file, node, "prepend", "normalizer Prepend"));
            case "Sequence" -> {
                List<Normalizer> steps = new ArrayList<>();
                for (JsonNode n : node.path("normalizers")) steps.add(parse(file, n));
                yield new Sequence(List.copyOf(steps));
            }
            default -> throw new TokenizerException(file + ": normalizer type '" + type
                    + "' is not supported (expected Replace, Prepend or Sequence, as gemma files use)");
        };
    }
}
