package saelab.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits normalized text into the pieces BPE sees. Gemma-2's original file has none (BPE runs
 * over the whole text between added tokens); some conversions carry {@code Split(" ",
 * MergedWithPrevious)}, which after the " " → "▁" normalizer never matches. Both are read as
 * given. Only literal-string Split patterns are supported.
 */
sealed interface PreTokenizer {
    List<String> split(String s);

    record None() implements PreTokenizer {
        public List<String> split(String s) {
            return List.of(s);
        }
    }

    /** Hugging Face's Split with a literal pattern and one of its five behaviours. */
    record Split(String pattern, String behavior) implements PreTokenizer {
        public List<String> split(String s) {
            List<String> out = new ArrayList<>();
            String pending = ""; // MergedWithNext: the delimiter waiting for the next piece
            int start = 0, at;
            while ((at = s.indexOf(pattern, start)) >= 0) {
                int end = at + pattern.length();
                if (behavior.equals("Contiguous")) {
                    while (s.startsWith(pattern, end)) end += pattern.length();
                }
                String piece = s.substring(start, at), delimiter = s.substring(at, end);
                switch (behavior) {
                    case "Removed" -> add(out, piece);
                    case "Isolated", "Contiguous" -> { add(out, piece); add(out, delimiter); }
                    case "MergedWithPrevious" -> add(out, piece + delimiter);
                    case "MergedWithNext" -> { add(out, pending + piece); pending = delimiter; }
                    default -> throw new IllegalStateException(behavior);
                }
                start = end;
            }
            add(out, pending + s.substring(start));
            return out;
        }

        private static void add(List<String> out, String piece) {
            if (!piece.isEmpty()) out.add(piece);
        }
    }

    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        public List<String> split(String s) {
            List<String> pieces = List.of(s);
            for (PreTokenizer p : steps) {
                List<String> next = new ArrayList<>();
                for (String piece : pieces) next.addAll(p.split(piece));
                pieces = next;
            }
            return pieces;
        }
    }

    static PreTokenizer parse(Path file, JsonNode node) {
        if (node == null || node.isNull()) return new None();
        String type = node.path("type").asText("");
        return switch (type) {
            case "Split" -> {
                if (node.path("invert").asBoolean(false)) {
                    throw new TokenizerException(file + ": pre_tokenizer Split with invert=true is not supported");
                }
                String behavior = Json.text(file, node, "behavior", "pre_tokenizer Split");
                if (!List.of("Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous").contains(behavior)) {
                    throw new TokenizerException(file + ": pre_tokenizer Split behavior '" + behavior + "' is unknown");
                }
                String pattern = Json.literalPattern(file, "pre_tokenizer Split", node.get("pattern"));
                if (pattern.isEmpty()) throw new TokenizerException(file + ": pre_tokenizer Split pattern is empty");
                yield new Split(pattern, behavior);
            }
            case "Sequence" -> {
                List<PreTokenizer> steps = new ArrayList<>();
                for (JsonNode n : node.path("pretokenizers")) steps.add(parse(file, n));
                yield new Sequence(List.copyOf(steps));
            }
            default -> throw new TokenizerException(file + ": pre_tokenizer type '" + type
                    + "' is not supported (gemma uses none, or a literal Split)");
        };
    }
}
