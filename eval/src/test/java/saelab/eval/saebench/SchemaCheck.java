package saelab.eval.saebench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A small structural validator for the subset of JSON Schema the SAEBench schemas in
 * src/test/resources/saebench use: type (one or a list), const, required, properties,
 * additionalProperties: false, items, pattern. Returns every violation with its JSON path.
 */
public final class SchemaCheck {
    private SchemaCheck() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The schema of one eval type, from the test resources. */
    public static JsonNode schema(String evalType) throws IOException {
        try (InputStream in = SchemaCheck.class.getResourceAsStream("/saebench/" + evalType + ".schema.json")) {
            if (in == null) throw new IOException("no schema for " + evalType);
            return JSON.readTree(in);
        }
    }

    public static List<String> violations(JsonNode schema, JsonNode doc) {
        List<String> out = new ArrayList<>();
        check(schema, doc, "$", out);
        return out;
    }

    private static void check(JsonNode s, JsonNode v, String path, List<String> out) {
        if (s.has("const") && !s.get("const").equals(v)) out.add(path + ": expected " + s.get("const") + ", got " + v);
        if (s.has("type") && !typeMatches(s.get("type"), v)) {
            out.add(path + ": expected type " + s.get("type") + ", got " + v.getNodeType() + " " + abbreviate(v));
            return;
        }
        if (s.has("pattern") && v.isTextual() && !v.asText().matches(s.get("pattern").asText())) {
            out.add(path + ": '" + v.asText() + "' does not match " + s.get("pattern").asText());
        }
        if (v.isObject()) {
            for (JsonNode r : s.path("required")) if (!v.has(r.asText())) out.add(path + ": missing required key '" + r.asText() + "'");
            JsonNode props = s.path("properties");
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                var e = it.next();
                if (props.has(e.getKey())) check(props.get(e.getKey()), e.getValue(), path + "." + e.getKey(), out);
                else if (s.path("additionalProperties").isBoolean() && !s.get("additionalProperties").asBoolean()) {
                    out.add(path + ": key '" + e.getKey() + "' is not in the schema");
                }
            }
        }
        if (v.isArray() && s.has("items")) {
            for (int i = 0; i < v.size(); i++) check(s.get("items"), v.get(i), path + "[" + i + "]", out);
        }
    }

    private static boolean typeMatches(JsonNode type, JsonNode v) {
        if (type.isArray()) {
            for (JsonNode t : type) if (typeMatches(t, v)) return true;
            return false;
        }
        return switch (type.asText()) {
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            case "string" -> v.isTextual();
            case "integer" -> v.isIntegralNumber();
            case "number" -> v.isNumber();
            case "boolean" -> v.isBoolean();
            case "null" -> v.isNull();
            default -> throw new IllegalArgumentException("schema type '" + type.asText() + "' is not supported by SchemaCheck");
        };
    }

    private static String abbreviate(JsonNode v) {
        String s = v.toString();
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }
}
