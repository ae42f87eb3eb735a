package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's commands as written. The block under "## A first hour on the tiny model" is run
 * line by line in a temporary folder (its relative paths resolved there, docs.jsonl written by the
 * test), each must exit 0 and leave its files, and its shard training must reach the EV the README
 * states with no flags. Every other {@code ./saelab} line in a code block must be reference syntax
 * (it holds a placeholder: DIR, FILE, N, [optional], a|b) or be listed in {@link #LONG} with why it
 * is not run here, so a new concrete command in the README cannot go untested unnoticed.
 */
class ReadmeCommandsTest {
    static final String WALKTHROUGH = "## A first hour on the tiny model";

    /** Concrete README commands not run here, and why. */
    static final Map<String, String> LONG = Map.of(
            "./saelab experiment", "the full synthetic experiment: about 7 minutes on 2 cores",
            "./saelab bench gemm  --backend tornado --torch --torch-device cuda --no-numpy --shapes 4096x4096x4096,4096x2304x16384", "needs TornadoVM, torch and a GPU",
            "./saelab bench train --backend tornado --torch --torch-device cuda --no-numpy --no-decoder --d 2304 --m 16384 --k 64 --batch 4096", "needs TornadoVM, torch and a GPU",
            "./saelab bench train --backend cpu --threads 2 --no-numpy --no-decoder --d 2304 --m 16384 --k 64 --batch 4096", "gemma-2-2b sizes: minutes per step on 2 cores",
            "./saelab bench train --phases --torch --python ~/torch-env/bin/python", "needs a Python with torch; about 10 minutes on 2 cores");

    /** The EV the README promises for the walkthrough's shard training with no flags. */
    static final double README_EV_BAR = 0.7;

    static final Pattern PLACEHOLDER = Pattern.compile("\\b(DIR|FILE|N|CKPT|L|NAME)\\b|\\[|\\||\\.\\.\\.|…");

    /** Options whose value is a path (or shards:PATH): a relative one is resolved in the test's folder. */
    static final List<String> PATH_OPTIONS = List.of("--out", "--model", "--data", "--source", "--sae", "--resume");

    /** The relative names the walkthrough creates or reads; resolved in the test's folder. */
    static final List<String> RELATIVE = List.of("tiny", "acts/", "runs/", "docs.jsonl");

    record Block(List<String> commands, String heading) {}

    static List<Block> blocks() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("..", "README.md"));
        List<Block> out = new ArrayList<>();
        String heading = "";
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.startsWith("#")) heading = l;
            if (!l.startsWith("```")) continue;
            List<String> cmds = new ArrayList<>();
            StringBuilder cur = null;
            for (i++; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
                String c = lines.get(i);
                if (cur != null) cur.append(' ').append(c.strip());
                else if (c.startsWith("./saelab ")) cur = new StringBuilder(c.strip());
                else continue;
                if (cur.toString().endsWith("\\")) { cur.setLength(cur.length() - 1); continue; }
                cmds.add(cur.toString());
                cur = null;
            }
            out.add(new Block(cmds, heading));
        }
        return out;
    }

    /** Shell words of a command line (quotes removed, a trailing # comment dropped), without ./saelab. */
    static List<String> words(String line) {
        List<String> w = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0; else cur.append(c);
            } else if (c == '"' || c == '\'') {
                quote = c; inWord = true;
            } else if (c == '#' && !inWord) {
                break;
            } else if (Character.isWhitespace(c)) {
                if (inWord) { w.add(cur.toString()); cur.setLength(0); inWord = false; }
            } else {
                cur.append(c); inWord = true;
            }
        }
        if (inWord) w.add(cur.toString());
        assertEquals("./saelab", w.getFirst(), line);
        return w.subList(1, w.size());
    }

    static String resolve(Path dir, String arg) {
        String prefix = arg.startsWith("shards:") ? "shards:" : "";
        String rest = arg.substring(prefix.length());
        for (String r : RELATIVE) {
            if (rest.equals(r) || r.endsWith("/") && rest.startsWith(r)) return prefix + dir.resolve(rest);
        }
        return arg;
    }

    @Test void everyConcreteReadmeCommandIsRunHereOrListedAsLong() throws Exception {
        int walkthrough = 0, reference = 0;
        for (Block b : blocks()) {
            for (String c : b.commands()) {
                if (b.heading().equals(WALKTHROUGH)) { walkthrough++; continue; }
                String bare = c.replaceAll("\\s+#.*$", "").strip();
                if (LONG.containsKey(bare)) continue;
                assertTrue(PLACEHOLDER.matcher(bare).find(), "README command neither run by this test, reference syntax nor listed as long: " + c);
                reference++;
            }
        }
        assertTrue(walkthrough >= 5, "the walkthrough block holds the first-hour commands: " + walkthrough);
        assertTrue(reference > 0);
        System.out.println("ReadmeCommandsTest: " + walkthrough + " walkthrough commands, " + reference + " reference lines, " + LONG.size() + " long ones skipped");
    }

    @Test void theWalkthroughRunsAsWrittenOnAGeneratedTinyModel(@TempDir Path dir) throws Exception {
        // docs.jsonl: the README asks the reader for any text; here 8000 documents of 1–30 words.
        List<String> jsonl = CliFixtures.documents(8000, 11).stream().map(d -> "{\"text\": \"" + d + "\"}").toList();
        Files.write(dir.resolve("docs.jsonl"), jsonl);
        List<String> ran = new ArrayList<>();
        for (Block b : blocks()) {
            if (!b.heading().equals(WALKTHROUGH)) continue;
            for (String line : b.commands()) {
                List<String> w = words(line), args = new ArrayList<>();
                for (int i = 0; i < w.size(); i++) args.add(i > 0 && PATH_OPTIONS.contains(w.get(i - 1)) ? resolve(dir, w.get(i)) : w.get(i));
                long t0 = System.nanoTime();
                CliFixtures.Run r = CliFixtures.saelab(args.toArray(String[]::new));
                System.out.printf("ReadmeCommandsTest: %s: exit %d in %.1f s%n", line, r.exitCode(), (System.nanoTime() - t0) / 1e9);
                assertEquals(0, r.exitCode(), line + "\n" + r);
                checkFiles(line, args, r);
                ran.add(args.getFirst());
            }
        }
        for (String needed : List.of("gen-model", "complete", "harvest", "train", "experiment")) assertTrue(ran.contains(needed), "the walkthrough runs " + needed + ": " + ran);
    }

    /** What each command must leave behind. */
    static void checkFiles(String line, List<String> args, CliFixtures.Run r) throws Exception {
        String cmd = args.getFirst();
        switch (cmd) {
            case "gen-model" -> exist(line, out(args), "config.json", "model.safetensors", "tokenizer.json");
            case "complete" -> assertFalse(r.out().isBlank(), line + ": prints the completion");
            case "harvest" -> exist(line, out(args), "manifest.json", "shard-00000.safetensors");
            case "train" -> {
                Path out = out(args);
                exist(line, out, "sae_weights.safetensors", "cfg.json", "sparsity.safetensors", "checkpoint.json", "eval.json", "report.html", "log.jsonl");
                if (args.stream().anyMatch(a -> a.startsWith("shards:")) && !args.contains("--m") && !args.contains("--k")) {
                    JsonNode eval = new ObjectMapper().readTree(out.resolve("eval.json").toFile());
                    double ev = eval.get("explained_variance").asDouble();
                    System.out.println("ReadmeCommandsTest: shard training with the defaults: EV " + ev);
                    assertTrue(ev >= README_EV_BAR, line + ": EV " + ev + " below the README's " + README_EV_BAR);
                    assertFalse(r.err().contains("health:"), r.err());
                    assertTrue(r.err().contains("m 455, k 9,"), "the start line gives the sizes the width rule chose: " + r.err());
                }
            }
            case "experiment" -> exist(line, out(args), "report.html", "results.json", "eval_results");
            default -> fail(line + ": a walkthrough command this test has no file check for; add one");
        }
    }

    static Path out(List<String> args) {
        int i = args.indexOf("--out");
        assertTrue(i >= 0 && i + 1 < args.size(), "the walkthrough names each output folder: " + args);
        return Path.of(args.get(i + 1));
    }

    static void exist(String line, Path dir, String... names) {
        for (String n : names) assertTrue(Files.exists(dir.resolve(n)), line + ": no " + dir.resolve(n));
    }
}
