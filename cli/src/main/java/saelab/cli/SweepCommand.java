package saelab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code saelab sweep}: a list of train configurations × seeds, one after another, each into its
 * own sub-folder of one output folder, with one summary line per run in summary.jsonl.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run several train configurations × seeds one after another into one folder.",
                "Each --run (or line of --file) holds 'saelab train' flags; --seed, --out and --quiet are added per run."},
        footerHeading = "%n", footer = {"Example:",
                "  saelab sweep --out runs/grid --seeds 0,1,2 --run '--preset topk' --run '--preset adaptive' \\\\",
                "               --run '--preset adaptive --lambda2 power(0.08,0.2)' --with '--steps 1000'"})
public final class SweepCommand implements Callable<Integer> {

    @Option(names = "--run", paramLabel = "FLAGS", description = "One configuration as train flags (repeatable).")
    List<String> runs = new ArrayList<>();
    @Option(names = "--file", paramLabel = "FILE", description = "Configurations, one per line ('#' comments).")
    Path file;
    @Option(names = "--seeds", split = ",", description = "SAE seeds per configuration (default ${DEFAULT-VALUE}).", defaultValue = "0")
    List<Long> seeds;
    @Option(names = "--with", paramLabel = "FLAGS", description = "Flags added to every run (e.g. '--steps 1000 --batch 256').")
    String common = "";
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    Path out;

    @Override public Integer call() {
        List<String> configs = new ArrayList<>(runs);
        try {
            if (file != null) {
                for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) if (!l.isBlank() && !l.strip().startsWith("#")) configs.add(l.strip());
            }
        } catch (IOException e) {
            System.err.println("saelab sweep: cannot read " + file + ": " + saelab.model.IoErrors.reason(e));
            return 2;
        }
        if (configs.isEmpty()) {
            System.err.println("saelab sweep: no configurations; give --run FLAGS or --file FILE");
            return 2;
        }
        ObjectMapper json = new ObjectMapper();
        int failures = 0, n = 0, total = configs.size() * seeds.size();
        for (int c = 0; c < configs.size(); c++) {
            for (long seed : seeds) {
                n++;
                String name = String.format(Locale.ROOT, "%02d-%s-seed%d", c, slug(configs.get(c)), seed);
                List<String> args = new ArrayList<>(split(configs.get(c)));
                args.addAll(split(common));
                args.addAll(List.of("--seed", Long.toString(seed), "--out", out.resolve(name).toString(), "--quiet"));
                System.err.printf(Locale.ROOT, "[%d/%d] %s: saelab train %s%n", n, total, name, String.join(" ", args));
                TrainCommand train = new TrainCommand();
                int rc = new CommandLine(train).execute(args.toArray(String[]::new));
                ObjectNode line = json.createObjectNode();
                line.put("name", name);
                line.put("config", configs.get(c));
                line.put("seed", seed);
                line.put("exit_code", rc);
                if (rc == 0 && train.lastResult != null) {
                    TrainCommand.Result r = train.lastResult;
                    line.put("l0", r.l0());
                    line.put("explained_variance", r.explainedVariance());
                    line.put("mse", r.mse());
                    if (r.recovery() != null) line.put("mean_max_cosine", r.recovery());
                } else {
                    failures++;
                }
                append(out.resolve("summary.jsonl"), line.toString());
            }
        }
        System.err.printf(Locale.ROOT, "sweep: %d runs, %d failed; summary in %s%n", total, failures, out.resolve("summary.jsonl"));
        return failures == 0 ? 0 : 1;
    }

    static void append(Path file, String line) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Splits flags on whitespace, keeping single- or double-quoted parts together. */
    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean any = false;
        for (char ch : s.toCharArray()) {
            if (quote != 0) {
                if (ch == quote) quote = 0; else cur.append(ch);
            } else if (ch == '\'' || ch == '"') {
                quote = ch;
                any = true;
            } else if (Character.isWhitespace(ch)) {
                if (any || cur.length() > 0) out.add(cur.toString());
                cur.setLength(0);
                any = false;
            } else {
                cur.append(ch);
            }
        }
        if (quote != 0) throw new IllegalArgumentException("unbalanced quote in: " + s);
        if (any || cur.length() > 0) out.add(cur.toString());
        return out;
    }

    static String slug(String flags) {
        String s = flags.replaceAll("--", "").replaceAll("[^A-Za-z0-9.]+", "-").replaceAll("(^-|-$)", "");
        return s.length() > 48 ? s.substring(0, 48) : s.isEmpty() ? "run" : s;
    }
}
