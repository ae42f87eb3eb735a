package saelab.train.arch;

import java.util.function.IntBinaryOperator;

/**
 * One setting of an architecture: its key (as in cfg.json and on the command line as
 * {@code --KEY} with '_' as '-'), a help line, and its default, which may depend on d_in and
 * d_sae (e.g. k_aux = d_in / 2).
 *
 * @param defaultValue the default as text for (d_in, d_sae)
 */
public record SettingSpec(String key, String help, Default defaultValue) {

    /** A default for (d_in, d_sae), as the text a user would write. */
    @FunctionalInterface
    public interface Default {
        String at(int dIn, int dSae);
    }

    public static SettingSpec constant(String key, String help, Object value) {
        String text = String.valueOf(value);
        return new SettingSpec(key, help, (d, m) -> text);
    }

    public static SettingSpec integer(String key, String help, IntBinaryOperator dflt) {
        return new SettingSpec(key, help, (d, m) -> Integer.toString(dflt.applyAsInt(d, m)));
    }
}
