package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each kind of user mistake ends in one line on stderr that names the option (and the file),
 * says what was expected, carries no Java class name and no usage text; exit status 2 for usage.
 */
class OneLineErrorsTest {
    @TempDir Path tmp;

    private static final Pattern JAVA_WORDS = Pattern.compile("[A-Za-z]+(Exception|Error)\\b|For input string|Unrecognized token|java\\.|\\bat saelab\\.");

    /** Runs saelab ARGS; asserts the status, a single stderr line holding every one of {@code mentions}, and nothing Java-shaped. */
    private static String oneLine(int status, List<String> mentions, String... args) {
        CliFixtures.Run r = CliFixtures.saelab(args);
        assertEquals(status, r.exitCode(), r.toString());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "expected one line:\n" + r.err());
        String line = lines.getFirst();
        for (String m : mentions) assertTrue(line.contains(m), "'" + m + "' missing from: " + line);
        assertFalse(JAVA_WORDS.matcher(line).find(), line);
        assertFalse(r.out().contains("Usage:") || r.err().contains("Usage:"), r.toString());
        return line;
    }

    @Test void badNumber() {
        String l = oneLine(2, List.of("--steps", "'abc'", "whole number", "saelab train --help"), "train", "--steps", "abc");
        assertTrue(l.startsWith("saelab train: "), l);
        oneLine(2, List.of("--lr", "'fast'", "a number"), "train", "--lr", "fast");
    }

    @Test void unknownOptionWithASuggestion() {
        oneLine(2, List.of("--frobnicate"), "train", "--frobnicate");
        oneLine(2, List.of("--step", "did you mean", "--steps"), "train", "--step", "5");
    }

    @Test void missingRequiredOptions() {
        oneLine(2, List.of("missing required options", "--model", "--sae", "--data"), "probe");
    }

    @Test void sourceSpecListsEveryForm() {
        oneLine(2, List.of("--source", "shard:acts", "did you mean shards:acts", "shards:DIR", "model:DIR", "synthetic:"),
                "train", "--source", "shard:acts");
    }

    @Test void missingFileAndAFolderWhereAFileIsExpected() throws Exception {
        Path missing = tmp.resolve("nope.json");
        oneLine(2, List.of("--config", missing.toString(), "no such file"), "train", "--config", missing.toString());
        Path model = Files.createDirectories(tmp.resolve("model")), sae = Files.createDirectories(tmp.resolve("sae"));
        Files.writeString(sae.resolve("cfg.json"), "{}");
        oneLine(2, List.of("--data", tmp.toString(), "is a folder", ".jsonl"),
                "probe", "--model", model.toString(), "--sae", sae.toString(), "--data", tmp.toString());
        oneLine(2, List.of("--model", "no such folder"), "harvest", "--model", tmp.resolve("none").toString(), "--data", "x.txt",
                "--layer", "0", "--tokens", "1k", "--out", tmp.resolve("o").toString());
        oneLine(2, List.of("--sae", "cfg.json"), "probe", "--model", model.toString(), "--sae", model.toString(), "--data", "x.jsonl");
    }

    @Test void badJsonInConfigNamesTheLine() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad.json"), "{\"steps\": 10,\n");
        oneLine(2, List.of("--config", bad.toString(), "not valid JSON at line 2"), "train", "--config", bad.toString());
    }

    @Test void badChoice() {
        oneLine(2, List.of("'topkk'", "topk", "orthogonal"), "experiment", "--variants", "topkk");
        oneLine(2, List.of("--dtype", "bf17"), "harvest", "--model", tmp.toString(), "--data", "x", "--layer", "0", "--tokens", "1k",
                "--out", tmp.resolve("o").toString(), "--dtype", "bf17");
    }

    @Test void quietAndVerboseTogether() {
        oneLine(2, List.of("--quiet", "--verbose"), "--quiet", "train", "--verbose", "--steps", "1");
    }

    /** A write that finds no space is a runtime failure (exit 1), however the writer wrapped it; a bad file is usage (2). */
    @Test void diskFailuresAreRuntimeFailures() {
        var full = new saelab.model.safetensors.SafetensorsException("out/sae_weights.safetensors: cannot write: No space left on device",
                new java.io.UncheckedIOException(new java.io.IOException("No space left on device")));
        assertTrue(CliErrors.ioFailure(full));
        assertFalse(CliErrors.ioFailure(new saelab.model.safetensors.SafetensorsException("x.safetensors: header length 12 exceeds the file")));
        assertFalse(CliErrors.ioFailure(new IllegalArgumentException("--steps must be > 0")));
    }
}
