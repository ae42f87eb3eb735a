package saelab.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import saelab.train.source.ActivationSource;
import saelab.train.source.ModelSource;
import saelab.train.source.ShardSource;
import saelab.train.source.SyntheticPresets;
import saelab.train.source.SyntheticSource;

/**
 * Activation sources by name: {@code synthetic[:PRESET[@SEED[/STREAM]]]} (presets in
 * {@link SyntheticPresets}; SEED fixes the true features, STREAM the samples), {@code shards:DIR} (a
 * folder written by {@code saelab harvest}) and {@code model:DIR} (a gemma-2 checkpoint run live
 * on the text of {@code --data}). The saved form carries everything the source depends on and
 * the data seed after '@', so a resumed run rebuilds the same stream; a model source's is
 * {@code model:DIR;data=FILE;layer=L;context=C@seed}.
 */
final class Sources {
    private Sources() {}

    /** train's --data, --layer and --context, which only a model source takes (null: not given). */
    record ModelArgs(Path data, Integer layer, Integer context) {
        static final ModelArgs NONE = new ModelArgs(null, null, null);

        boolean any() {
            return data != null || layer != null || context != null;
        }

        int layerOrDefault() {
            return layer != null ? layer : ModelSource.DEFAULT_LAYER;
        }

        int contextOrDefault() {
            return context != null ? context : ModelSource.DEFAULT_CONTEXT;
        }
    }

    static boolean isModel(String source) {
        return source.strip().toLowerCase(Locale.ROOT).startsWith("model");
    }

    /** --source as --print-config writes it: folders absolute, synthetic with its preset named. */
    static String userForm(String source) {
        String raw = source.strip(), lower = raw.toLowerCase(Locale.ROOT);
        for (String kind : new String[] {"model:", "shards:"}) {
            if (lower.startsWith(kind) && raw.length() > kind.length()) {
                return kind + Path.of(raw.substring(kind.length())).toAbsolutePath().normalize();
            }
        }
        return lower.equals("synthetic") ? "synthetic:small" : lower;
    }

    /** The text saved in cfg.json: enough to rebuild the same source on resume. */
    static String spec(String source, long dataSeed) {
        return spec(source, dataSeed, ModelArgs.NONE);
    }

    static String spec(String source, long dataSeed, ModelArgs model) {
        String raw = source.strip();
        if (isModel(raw)) return modelSpec(raw, dataSeed, model);
        if (model.any()) {
            throw new IllegalArgumentException("--data, --layer and --context are for --source model:DIR only (the source is " + raw + ")");
        }
        if (raw.toLowerCase(Locale.ROOT).startsWith("shards:")) {
            // Paths keep their case; absolute so a resume from another directory finds them.
            return "shards:" + Path.of(raw.substring("shards:".length())).toAbsolutePath().normalize() + "@" + dataSeed;
        }
        String s = raw.toLowerCase(Locale.ROOT);
        if (!s.equals("synthetic") && !s.startsWith("synthetic:")) return s; // open names what is wrong
        if (!s.contains("@")) s = (s.equals("synthetic") ? "synthetic:small" : s) + "@" + dataSeed;
        return SyntheticSpec.parse(s).text();
    }

    static ActivationSource open(String spec) {
        String raw = spec.strip();
        if (raw.toLowerCase(Locale.ROOT).startsWith("shards:")) return openShards(raw.substring("shards:".length()));
        String s = raw.toLowerCase(Locale.ROOT);
        if (s.startsWith("shards")) {
            throw new IllegalArgumentException("--source " + spec + ": name the harvest folder as shards:DIR (written by saelab harvest)");
        }
        if (s.startsWith("model:")) return openModel(raw.substring("model:".length()));
        if (!s.equals("synthetic") && !s.startsWith("synthetic:")) {
            throw new IllegalArgumentException("--source '" + spec + "': unknown source" + closest(raw) + "; expected one of " + FORMS);
        }
        return SyntheticSpec.parse(raw).open();
    }

    /** Every form --source takes, for the error that names an unknown one. */
    static final String FORMS = "shards:DIR (a folder written by saelab harvest, optionally shards:DIR@SEED), "
            + "model:DIR with --data FILE (a gemma-2 checkpoint run live), or synthetic:PRESET[@SEED[/STREAM]] (presets: "
            + SyntheticPresets.names() + ")";

    /** "; did you mean shards:acts/?" for a misspelt kind before the colon (shard:, modle:, synth:), else nothing. */
    private static String closest(String raw) {
        int colon = raw.indexOf(':');
        String kind = (colon < 0 ? raw : raw.substring(0, colon)).toLowerCase(Locale.ROOT), rest = colon < 0 ? "" : raw.substring(colon + 1);
        for (String k : new String[] {"shards", "model", "synthetic"}) {
            if (!kind.isEmpty() && (k.startsWith(kind) || kind.startsWith(k) || editDistance(kind, k) <= 2)) {
                return " (did you mean " + k + ":" + (rest.isEmpty() && k.equals("synthetic") ? "small" : rest.isEmpty() ? "DIR" : rest) + "?)";
            }
        }
        return "";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1], prev[j]) + 1, prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.length()];
    }

    /** An option naming an input folder: it exists and is a folder, else one line saying what was expected. */
    static void requireFolder(String option, Path dir, String expected) {
        if (dir == null) return;
        if (Files.isRegularFile(dir)) throw new IllegalArgumentException(option + " " + dir + ": is a file; expected " + expected);
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(option + " " + dir + ": no such folder; expected " + expected);
    }

    /** An option naming an input file: it exists and is a plain file, else one line saying what was expected. */
    static void requireFile(String option, Path file, String expected) {
        if (file == null) return;
        if (Files.isDirectory(file)) throw new IllegalArgumentException(option + " " + file + ": is a folder; expected " + expected);
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(option + " " + file + ": no such file; expected " + expected);
        if (!Files.isReadable(file)) throw new IllegalArgumentException(option + " " + file + ": cannot be read (permission denied); expected " + expected);
    }

    /**
     * A synthetic source's spec, synthetic:PRESET[@SEED[/STREAM]]: the true features come from
     * the preset and SEED, the samples from STREAM (both default 0). {@link #text} writes the
     * stream only when it is not 0, so synthetic:small@3 still reads as it always did.
     */
    record SyntheticSpec(String preset, long seed, long stream) {
        static SyntheticSpec parse(String spec) {
            String lower = spec.strip().toLowerCase(Locale.ROOT);
            String rest = lower.equals("synthetic") ? "small" : lower.substring("synthetic:".length());
            String preset = rest, seedText = null, streamText = null;
            int at = rest.indexOf('@');
            if (at >= 0) {
                preset = rest.substring(0, at);
                seedText = rest.substring(at + 1);
                int slash = seedText.indexOf('/');
                if (slash >= 0) {
                    streamText = seedText.substring(slash + 1);
                    seedText = seedText.substring(0, slash);
                }
            }
            if (!SyntheticPresets.exists(preset)) {
                throw new IllegalArgumentException("--source " + spec + ": unknown synthetic preset '" + preset + "'; expected one of " + SyntheticPresets.names());
            }
            return new SyntheticSpec(preset.strip(), seedText == null ? 0 : wholeNumber(spec, "seed", seedText),
                    streamText == null ? 0 : wholeNumber(spec, "stream", streamText));
        }

        String text() {
            return "synthetic:" + preset + "@" + seed + (stream != 0 ? "/" + stream : "");
        }

        SyntheticSource open() {
            return new SyntheticSource(SyntheticPresets.config(preset, seed)).withStream(stream);
        }

        private static long wholeNumber(String spec, String what, String text) {
            try {
                return Long.parseLong(text.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--source " + spec + ": the " + what + " '" + text + "' is not a whole number;"
                        + " expected synthetic:<preset>[@<seed>[/<stream>]]");
            }
        }
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

    private static String modelSpec(String raw, long dataSeed, ModelArgs model) {
        if (!raw.toLowerCase(Locale.ROOT).startsWith("model:") || raw.length() == "model:".length()) {
            throw new IllegalArgumentException("--source " + raw + ": name the gemma-2 checkpoint folder as model:DIR (or --source model DIR)"
                    + " and the text with --data FILE");
        }
        if (model.data() == null) {
            throw new IllegalArgumentException("--source " + raw + " needs --data FILE: the text to run through the model"
                    + " (.txt, one document per line, or .jsonl with a \"text\" field)");
        }
        Path dir = Path.of(raw.substring("model:".length())).toAbsolutePath().normalize();
        return "model:" + dir + ";data=" + model.data().toAbsolutePath().normalize() + ";layer=" + model.layerOrDefault()
                + ";context=" + model.contextOrDefault() + "@" + dataSeed;
    }

    /** DIR;data=FILE;layer=L;context=C[@seed], as {@link #modelSpec} writes it. */
    private static ModelSource openModel(String rest) {
        long seed = 0;
        int at = rest.lastIndexOf('@');
        if (at > rest.lastIndexOf(";context=")) {
            seed = Long.parseLong(rest.substring(at + 1));
            rest = rest.substring(0, at);
        }
        int d = rest.lastIndexOf(";data="), l = rest.lastIndexOf(";layer="), c = rest.lastIndexOf(";context=");
        if (d < 0 || l < d || c < l) {
            throw new IllegalArgumentException("model source '" + rest + "': expected model:DIR;data=FILE;layer=L;context=C");
        }
        Path dir = Path.of(rest.substring(0, d)), data = Path.of(rest.substring(d + ";data=".length(), l));
        int layer = Integer.parseInt(rest.substring(l + ";layer=".length(), c));
        int context = Integer.parseInt(rest.substring(c + ";context=".length()));
        return new ModelSource(dir, data, ModelSource.Options.of(layer, context).withSeed(seed));
    }

    /** The model source's folder name, for cfg.json's model_name. */
    static String modelName(ModelSource source) {
        return source.model().getFileName().toString();
    }
}
