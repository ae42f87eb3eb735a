package saelab.train.arch;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an architecture's settings from text by key, with defaults from its {@link SettingSpec}s
 * and one-line errors that name the architecture and the key.
 */
public final class SettingValues {
    private final String architecture;
    private final Map<String, String> values = new HashMap<>();

    private SettingValues(String architecture) { this.architecture = architecture; }

    /** Refuses keys the architecture does not have; fills the missing ones with defaults for (d_in, d_sae). */
    public static SettingValues of(String architecture, List<SettingSpec> specs, Map<String, String> given, int dIn, int dSae) {
        SettingValues v = new SettingValues(architecture);
        for (String key : given.keySet()) {
            if (specs.stream().noneMatch(s -> s.key().equals(key))) {
                throw new IllegalArgumentException(architecture + " SAE has no setting '" + key + "'; its settings: "
                        + String.join(", ", specs.stream().map(SettingSpec::key).toList()));
            }
        }
        for (SettingSpec s : specs) {
            String text = given.get(s.key());
            v.values.put(s.key(), text != null ? text.strip() : s.defaultValue().at(dIn, dSae));
        }
        return v;
    }

    public int integer(String key) {
        String t = values.get(key);
        try {
            return Integer.parseInt(t);
        } catch (NumberFormatException e) {
            // JSON may hold an integer as 8.0
            try {
                double d = Double.parseDouble(t);
                if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) return (int) d;
            } catch (NumberFormatException ignored) { /* reported below */ }
            throw bad(key, t, "an integer");
        }
    }

    public long longValue(String key) {
        String t = values.get(key);
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            try {
                double d = Double.parseDouble(t);
                if (d == Math.rint(d) && Math.abs(d) <= Long.MAX_VALUE) return (long) d;
            } catch (NumberFormatException ignored) { /* reported below */ }
            throw bad(key, t, "an integer");
        }
    }

    public double real(String key) {
        String t = values.get(key);
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw bad(key, t, "a number");
        }
    }

    /** An error for a value out of range, naming the key. */
    public SettingException bad(String key, Object value, String expected) {
        return new SettingException(architecture, key, value, expected);
    }
}
