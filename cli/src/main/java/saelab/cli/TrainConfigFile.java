package saelab.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * {@code saelab train --config FILE}: a JSON object whose keys are train's option names without
 * the leading "--" ({@code "steps": 2000, "lambda2": "quadratic(0.1)", "source": "model:DIR"}).
 * A key the command line also gives is left to the command line; null means "not set" (the
 * default applies). Run options that are not settings of the SAE or its data ({@link #NOT_SETTINGS})
 * are flags only. An unknown key, or a value of the wrong JSON type, is an error naming the key
 * and the file.
 */
final class TrainConfigFile {
    private TrainConfigFile() {}

    /** Options that are not training settings: how to run, not what to train. */
    static final Set<String> NOT_SETTINGS = Set.of("help", "version", "config", "print-config", "resume", "overwrite", "quiet", "verbose", "threads", "backend");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The keys a config file may hold, in --help's order. */
    static List<String> keys(CommandSpec spec) {
        List<String> keys = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            String key = key(o);
            if (!NOT_SETTINGS.contains(key) && !o.inherited()) keys.add(key); // inherited: saelab's own --backend
        }
        return keys;
    }

    private static String key(OptionSpec o) {
        return o.longestName().replaceFirst("^--", "");
    }

    /** Sets each option of {@code file} that {@code parsed} (the command line) did not match. */
    static void apply(Path file, CommandSpec spec, ParseResult parsed) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (JacksonException e) {
            throw new IllegalArgumentException("--config " + file + ": not valid JSON"
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr())
                    + " (" + e.getOriginalMessage() + "); expected a JSON object of settings (saelab train --print-config writes one)");
        } catch (IOException e) {
            throw new IllegalArgumentException("--config " + file + ": " + saelab.model.IoErrors.reason(e)
                    + "; expected a JSON file of settings (saelab train --print-config writes one)");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": expected a JSON object of settings, e.g. {\"preset\": \"adaptive\", \"steps\": 2000}"
                    + " (saelab train --print-config writes one)");
        }
        List<String> keys = keys(spec);
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (!keys.contains(key)) {
                String hint = NOT_SETTINGS.contains(key) ? " ('" + key + "' is a run option: give it as --" + key + ")" : "";
                throw new IllegalArgumentException(file + ": unknown key '" + key + "'" + hint + "; valid keys: " + String.join(", ", keys));
            }
            OptionSpec option = spec.findOption("--" + key);
            if (parsed.hasMatchedOption(option) || e.getValue().isNull()) continue;
            option.setValue(value(file, key, option.type(), e.getValue()));
        }
    }

    /** The JSON value as the option's type, or an error naming the key, the type wanted and the value found. */
    private static Object value(Path file, String key, Class<?> type, JsonNode v) {
        String where = file + ": \"" + key + "\" ";
        if (type == String.class) {
            if (v.isTextual() || v.isNumber()) return v.asText(); // a constant schedule may be written as a number
            throw new IllegalArgumentException(where + "must be a string, got " + v);
        }
        if (type == Path.class) {
            if (v.isTextual()) return Path.of(v.asText());
            throw new IllegalArgumentException(where + "must be a path (a string), got " + v);
        }
        if (type == List.class) { // --source, one or two words
            if (v.isTextual()) return new ArrayList<>(List.of(v.asText()));
            throw new IllegalArgumentException(where + "must be a string such as \"synthetic\" or \"model:DIR\", got " + v);
        }
        if (type == int.class || type == Integer.class) {
            return saelab.model.StrictJson.wholeInt(v, where.strip());
        }
        if (type == long.class || type == Long.class) {
            return saelab.model.StrictJson.wholeLong(v, where.strip());
        }
        if (type == double.class || type == Double.class) {
            return saelab.model.StrictJson.number(v, where.strip());
        }
        if (type == boolean.class || type == Boolean.class) {
            return saelab.model.StrictJson.bool(v, where.strip());
        }
        throw new IllegalStateException("--" + key + " has type " + type.getName() + ", which the config file does not handle");
    }

    /** The settings as a JSON object, one key per line in the map's order. */
    static String toJson(Map<String, Object> settings) {
        try {
            return JSON.writeValueAsString(settings);
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
    }
}
