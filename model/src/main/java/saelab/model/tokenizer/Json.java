package saelab.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/** Typed reads from tokenizer.json, each failure naming the file and the field. */
final class Json {
    private Json() {}

    static String text(Path file, JsonNode node, String key, String where) {
        JsonNode v = node.get(key);
        if (v == null || !v.isTextual()) {
            throw new TokenizerException(file + ": " + where + " needs a string \"" + key + "\", found " + v);
        }
        return v.textValue();
    }

    /** {"String": "x"} → "x". Regex patterns are not supported: gemma uses none. */
    static String literalPattern(Path file, String where, JsonNode pattern) {
        if (pattern != null && pattern.path("String").isTextual()) return pattern.get("String").textValue();
        throw new TokenizerException(file + ": " + where + " pattern " + pattern
                + " is not supported (expected {\"String\": ...}; regex patterns are not implemented)");
    }
}
