package saelab.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import saelab.train.source.ActivationSource;
import saelab.train.source.ShardSource;
import saelab.train.source.SyntheticConfig;
import saelab.train.source.SyntheticSource;

/**
 * Activation sources by name: {@code synthetic[:small|:synthsaebench]} and {@code shards:DIR}
 * (a folder written by {@code saelab harvest}); a live model source comes later. The saved form
 * carries the data seed after '@', so a resumed run rebuilds the same stream.
 */
final class Sources {
    private Sources() {}

    /** The text saved in cfg.json: enough to rebuild the same source on resume. */
    static String spec(String source, long dataSeed) {
        String raw = source.strip();
        if (raw.toLowerCase(Locale.ROOT).startsWith("shards:")) {
            // Paths keep their case; absolute so a resume from another directory finds them.
            return "shards:" + Path.of(raw.substring("shards:".length())).toAbsolutePath().normalize() + "@" + dataSeed;
        }
        String s = raw.toLowerCase(Locale.ROOT);
        if (s.equals("synthetic")) s = "synthetic:small";
        if (s.startsWith("synthetic:") && !s.contains("@")) s = s + "@" + dataSeed;
        return s;
    }

    static ActivationSource open(String spec) {
        String raw = spec.strip();
        if (raw.toLowerCase(Locale.ROOT).startsWith("shards:")) return openShards(raw.substring("shards:".length()));
        String s = raw.toLowerCase(Locale.ROOT);
        if (s.startsWith("shards")) {
            throw new IllegalArgumentException("--source " + spec + ": name the harvest folder as shards:DIR (written by saelab harvest)");
        }
        if (s.startsWith("model")) {
            throw new IllegalArgumentException("--source " + spec + " is not yet available: activations live from a gemma-2 model are still to come; "
                    + "harvest them first (saelab harvest ... --out DIR) and train with --source shards:DIR");
        }
        if (!s.startsWith("synthetic:")) throw new IllegalArgumentException("unknown source '" + spec + "'; expected synthetic, synthetic:small or synthetic:synthsaebench");
        String rest = s.substring("synthetic:".length());
        long seed = 0;
        int at = rest.indexOf('@');
        if (at >= 0) {
            seed = Long.parseLong(rest.substring(at + 1));
            rest = rest.substring(0, at);
        }
        SyntheticConfig cfg = switch (rest) {
            case "small" -> SyntheticConfig.small(seed);
            case "synthsaebench" -> SyntheticConfig.synthSaeBench(seed);
            default -> throw new IllegalArgumentException("unknown synthetic preset '" + rest + "'; expected small or synthsaebench");
        };
        return new SyntheticSource(cfg);
    }

    /** DIR or DIR@seed; the seed drives the shuffle buffer. */
    private static ActivationSource openShards(String rest) {
        long seed = 0;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            try {
                seed = Long.parseLong(rest.substring(at + 1));
                rest = rest.substring(0, at);
            } catch (NumberFormatException notASeed) {
                // an '@' inside the path itself
            }
        }
        Path dir = Path.of(rest);
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("--source shards:" + rest + ": no such folder (expected the --out folder of saelab harvest)");
        return new ShardSource(dir, ShardSource.Options.defaults().withSeed(seed));
    }
}
