package saelab.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads one JSON value as the type a setting needs, refusing what Jackson's {@code asInt()} and
 * friends would convert silently ({@code true} to 1, {@code "abc"} to 0, 2.5 to 2): the one strict
 * reader behind saelab's JSON settings files (train's --config, the training config that
 * --resume reads from cfg.json). Errors name {@code where} (file and key) and what was expected.
 */
public final class StrictJson {
    private StrictJson() {}

    public static int wholeInt(JsonNode v, String where) {
        if (v != null && v.isIntegralNumber() && v.canConvertToInt()) return v.intValue();
        throw wrong(where, "a whole number", v);
    }

    public static long wholeLong(JsonNode v, String where) {
        if (v != null && v.isIntegralNumber() && v.canConvertToLong()) return v.longValue();
        throw wrong(where, "a whole number", v);
    }

    public static double number(JsonNode v, String where) {
        if (v != null && v.isNumber()) return v.doubleValue();
        throw wrong(where, "a number", v);
    }

    public static String text(JsonNode v, String where) {
        if (v != null && v.isTextual()) return v.textValue();
        throw wrong(where, "a string", v);
    }

    public static boolean bool(JsonNode v, String where) {
        if (v != null && v.isBoolean()) return v.booleanValue();
        throw wrong(where, "true or false", v);
    }

    private static IllegalArgumentException wrong(String where, String expected, JsonNode v) {
        return new IllegalArgumentException(where + " must be " + expected + ", got " + (v == null || v.isMissingNode() ? "nothing" : v.toString()));
    }
}
