package saelab.train.source;

import java.util.List;
import java.util.Locale;
import java.util.function.LongFunction;
import java.util.stream.Collectors;

/** The named synthetic configurations ({@code synthetic:<name>}), in one table: name, factory of a structure seed, one line of help. */
public final class SyntheticPresets {
    private SyntheticPresets() {}

    /** One named configuration. */
    public record Preset(String name, LongFunction<SyntheticConfig> make, String help) {}

    public static final List<Preset> PRESETS = List.of(
            new Preset("small", SyntheticConfig::small,
                    "d 64, 512 features, 16 dense roots × 3 exclusive children: unit tests, trains in seconds"),
            new Preset("bench", SyntheticConfig::bench,
                    "d 128, 1024 features, 24 dense roots with exclusive children and grandchildren, Zipf bulk, rank-8 copula: the experiment's default (SAE m 512, k 20)"),
            new Preset("synthsaebench", SyntheticConfig::synthSaeBench,
                    "SynthSAEBench-16k: d 768, 16,384 features, 128 Zipf trees (branching 4, depth 3), rank-25 copula, ~34 active: hours on CPU"));

    /** The preset names, comma separated, for error messages. */
    public static String names() {
        return PRESETS.stream().map(Preset::name).collect(Collectors.joining(", "));
    }

    /** One line per preset, for --help texts. */
    public static String help() {
        return PRESETS.stream().map(p -> "  " + p.name() + ": " + p.help()).collect(Collectors.joining("\n"));
    }

    public static boolean exists(String name) {
        return find(name) != null;
    }

    /** The config of preset {@code name} with structure seed {@code seed}; an unknown name is one clear line. */
    public static SyntheticConfig config(String name, long seed) {
        Preset p = find(name);
        if (p == null) throw new IllegalArgumentException("unknown synthetic preset '" + name + "'; expected one of " + names());
        return p.make().apply(seed);
    }

    private static Preset find(String name) {
        String key = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        return PRESETS.stream().filter(p -> p.name().equals(key)).findFirst().orElse(null);
    }
}
