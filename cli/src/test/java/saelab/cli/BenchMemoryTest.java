package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.train.source.SyntheticConfig;
import saelab.train.source.SyntheticHarvest;

/**
 * {@code bench memory}: a real `train` child JVM on the synthetic harvest (it finishes every step
 * and its peak RSS is a JVM's), the torch row from a child that speaks torch_reference.py's "shards"
 * protocol (a shell script: no test needs torch), and the temporary folder removed afterwards.
 */
class BenchMemoryTest {

    static final String[] TINY = {"bench", "memory", "--d", "8", "--m", "32", "--k", "4", "--batch", "16", "--rows", "600"};

    /** "saelab train   0.123   4.5   12 steps, loss 1.23": its peak RSS in GB. */
    static double peakGb(String out, String rowStart) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(rowStart) + "\\S*(?: \\S+)*?\\s+([0-9.]+)\\s+([0-9.]+)\\s+(.*)$").matcher(out);
        assertTrue(m.find(), "no row '" + rowStart + "' in:\n" + out);
        return Double.parseDouble(m.group(1));
    }

    static Set<String> benchFolders() throws Exception {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("saelab-bench-memory-")).collect(Collectors.toSet());
        }
    }

    @Test void theSaelabChildTrainsEveryStepAndItsPeakIsAJvmsAndTheTorchRowJoinsWithItsRatio(@TempDir Path dir) throws Exception {
        // What torch_reference.py answers in mode "shards": ready, then "SECONDS LOSS" to "run". It notes the
        // learning rate and clip it was given (its last two arguments).
        Path given = dir.resolve("lr-clip");
        Path fake = BenchTorchReferenceTest.script(dir, "fake-torch",
                "eval lr=\\${$(($# - 1))}; eval clip=\\${$#}; printf '%s %s' \"$lr\" \"$clip\" > '" + given + "'\n"
                        + "echo 'ready 9.9 cpu 1 thread(s), BLAS fake'\nwhile read line; do case \"$line\" in run) echo '0.25 1.5' ;; quit) exit 0 ;; esac; done\n");
        Set<String> before = benchFolders();
        CliFixtures.Run run = CliFixtures.saelab(BenchTorchReferenceTest.with(TINY, "--steps", "12", "--torch", "--torch-python", fake.toString()));
        assertEquals(0, run.exitCode(), run.toString());
        // The torch trainer runs at the saelab run's learning rate and clip, as train chooses them for this shape and source.
        Path harvest = dir.resolve("harvest");
        SyntheticHarvest.write(harvest, SyntheticConfig.independent(4 * 32, 8, 4, 1.0, 0.25, 0), 600, BenchMemoryCommand.SHARD_ROWS, n -> { });
        CliFixtures.Run cfg = CliFixtures.saelab("train", "--source", "shards:" + harvest, "--m", "32", "--k", "4", "--batch", "16",
                "--steps", "12", "--print-config");
        assertEquals(0, cfg.exitCode(), cfg.toString());
        var json = com.fasterxml.jackson.databind.json.JsonMapper.builder().build().readTree(cfg.out());
        String[] lrClip = Files.readString(given).split(" ");
        assertEquals(json.path("lr").asDouble(), Double.parseDouble(lrClip[0]), 0, "lr given to torch: " + Arrays.toString(lrClip));
        assertEquals(json.path("grad-clip").asDouble(), Double.parseDouble(lrClip[1]), 0, "clip given to torch");
        assertTrue(run.out().contains("a child JVM with"), run.out());
        assertTrue(run.out().contains("12 steps, loss "), "the child finished all 12 steps (its checkpoint says so): " + run.out());
        double saelab = peakGb(run.out(), "saelab train");
        // A JVM that trained cannot be resident in under 20 MB; nor, at this size, in over 4 GB.
        assertTrue(saelab > 0.02 && saelab < 4, "saelab peak " + saelab + " GB");
        double torch = peakGb(run.out(), "torch 9.9 (cpu)");
        assertTrue(run.out().contains("12 steps, 20.8 ms/step, loss 1.5"), "the child's own seconds over the steps: " + run.out());
        assertTrue(torch > 0 && torch < saelab, "a shell script's peak " + torch + " GB below a JVM's " + saelab);
        Matcher ratio = Pattern.compile("saelab's peak is ([0-9.]+)x torch's").matcher(run.out());
        assertTrue(ratio.find(), run.out());
        assertTrue(Double.parseDouble(ratio.group(1)) > 1, run.out());
        assertEquals(before, benchFolders(), "the temporary harvest and run are removed");
    }

    @Test void aPythonThatCannotBeStartedLeavesTheSaelabRowAndANote(@TempDir Path dir) {
        String missing = dir.resolve("no-such-python").toString();
        CliFixtures.Run run = CliFixtures.saelab(BenchTorchReferenceTest.with(TINY, "--steps", "3", "--torch", "--torch-python", missing));
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("3 steps, loss "), run.out());
        assertTrue(run.out().contains("note: torch row omitted: '" + missing + "' could not be started"), run.out());
        assertFalse(run.out().contains("x torch's"), run.out());
    }

    @Test void impossibleSizesAreRefusedInOneLineBeforeAnythingRuns() {
        for (List<String> bad : List.of(List.of("--k", "33"), List.of("--rows", "10"), List.of("--batch", "0"))) {
            CliFixtures.Run run = CliFixtures.saelab(BenchTorchReferenceTest.with(TINY, bad.toArray(String[]::new)));
            assertEquals(2, run.exitCode(), bad + ": " + run);
            assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
            assertTrue(run.err().contains(bad.getFirst()), "names the option: " + run.err());
            assertFalse(run.out().contains("saelab train"), "nothing ran: " + run.out());
        }
    }
}
