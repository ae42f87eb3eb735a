package saelab.train.arch;

/**
 * A bad value for one setting of an architecture, in one line naming it; {@link #key} lets a
 * command say it with its own option name instead.
 */
public final class SettingException extends IllegalArgumentException {
    private final String key;
    private final String value;
    private final String expected;

    public SettingException(String architecture, String key, Object value, String expected) {
        super(architecture + " SAE setting " + key + " = " + value + ": expected " + expected);
        this.key = key;
        this.value = String.valueOf(value);
        this.expected = expected;
    }

    /** The setting's key, as in cfg.json. */
    public String key() { return key; }

    /** The value as given. */
    public String value() { return value; }

    /** What was expected, e.g. "at most d_sae = 64 (TopK keeps k of the m latents)". */
    public String expected() { return expected; }
}
