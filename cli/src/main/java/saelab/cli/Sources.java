package saelab.cli;

import java.util.Locale;
import saelab.train.source.ActivationSource;
import saelab.train.source.SyntheticConfig;
import saelab.train.source.SyntheticSource;

/** Activation sources by name: {@code synthetic[:small|:synthsaebench]}; shards and model come later. */
final class Sources {
    private Sources() {}

    /** The text saved in cfg.json: enough to rebuild the same source on resume. */
    static String spec(String source, long dataSeed) {
        String s = source.strip().toLowerCase(Locale.ROOT);
        if (s.equals("synthetic")) s = "synthetic:small";
        if (s.startsWith("synthetic:") && !s.contains("@")) s = s + "@" + dataSeed;
        return s;
    }

    static ActivationSource open(String spec) {
        String s = spec.strip().toLowerCase(Locale.ROOT);
        if (s.startsWith("shards") || s.startsWith("model")) {
            throw new IllegalArgumentException("--source " + spec + " is not yet available: harvested shards and live gemma-2 activations "
                    + "arrive with the harvest command and the gemma-2 forward pass; use --source synthetic for now");
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
}
