package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every numeric option of train, harvest and experiment is refused, when out of range, with one
 * line naming it and what was expected, exit status 2, before anything is written.
 */
class NumericOptionsTest {
    static final long SEED = 0x5EED_14_03L;

    /** One refusal: exit 2, a single line beginning with the command and naming the option, no trace, no usage. */
    static void assertRefused(String command, String option, CliFixtures.Run run, String... args) {
        String what = String.join(" ", args) + " → " + run;
        assertEquals(2, run.exitCode(), what);
        List<String> lines = run.err().lines().filter(l -> !l.startsWith("WARNING") && !l.startsWith("backend")).toList();
        assertEquals(1, lines.size(), "one line: " + what);
        assertTrue(lines.getFirst().startsWith(command + ": " + option + " "), what);
        assertFalse(run.err().contains("Exception") || run.err().contains("\tat ") || run.err().contains("Usage:"), what);
    }

    static String[] train(Path out, String... flags) {
        return withDefaults(List.of("train", "--quiet", "--out", out.toString()), List.of("--m", "64", "--k", "4"), flags);
    }

    /** {@code command}, then the option/value pairs of {@code defaults} that {@code flags} does not give, then {@code flags}. */
    static String[] withDefaults(List<String> command, List<String> defaults, String... flags) {
        List<String> a = new ArrayList<>(command);
        List<String> given = List.of(flags);
        for (int i = 0; i < defaults.size(); i += 2) {
            if (!given.contains(defaults.get(i))) a.addAll(defaults.subList(i, i + 2));
        }
        a.addAll(given);
        return a.toArray(String[]::new);
    }

    @Test void trainRefusesEachBadNumberNamingTheOption(@TempDir Path dir) {
        Path out = dir.resolve("run");
        String[][] cases = {
                {"--lambda2", "--penalty", "static", "--lambda2", "NaN"},
                {"--lambda2", "--penalty", "static", "--lambda2", "-0.1"},
                {"--lambda2", "--penalty", "adaptive", "--lambda2", "quadratic(NaN)"},
                {"--lambda2", "--penalty", "adaptive", "--lambda2", "linear(0.1, -0.1)"},
                {"--lambda2", "--penalty", "orthogonal", "--lambda2", "Infinity"},
                {"--threshold", "--penalty", "static", "--threshold", "-0.5"},
                {"--threshold", "--penalty", "adaptive", "--threshold", "cosine(0.1, -1)"},
                {"--grad-clip", "--grad-clip", "NaN"},
                {"--batch", "--batch", "40000000"},
                {"--batch", "--batch", "0"},
                {"--lr", "--lr", "0"},
                {"--lr", "--lr", "-1e-3"},
                {"--lr", "--lr", "NaN"},
                {"--lr", "--lr", "Infinity"},
                {"--steps", "--steps", "0"},
                {"--steps", "--steps", "-5"},
                {"--k", "--k", "65"},
                {"--m", "--m", "0"},
                {"--l1", "--sae", "relu", "--l1", "-0.04"},
                {"--l1-warmup", "--l1-warmup", "-1"},
                {"--warmup", "--warmup", "-1"},
                {"--decay-start", "--decay-start", "NaN"},
                {"--auxk-alpha", "--auxk-alpha", "-1"},
                {"--dead-tokens", "--dead-tokens", "0"},
                {"--k-aux", "--k-aux", "0"},
                {"--log-every", "--log-every", "0"},
                {"--checkpoint-every", "--checkpoint-every", "-1"},
                {"--chunks", "--penalty", "orthogonal", "--chunks", "0"},
                {"--threads", "--threads", "0"},
        };
        for (String[] c : cases) {
            String[] args = train(out, java.util.Arrays.copyOfRange(c, 1, c.length));
            assertRefused("saelab train", c[0], CliFixtures.saelab(args), args);
        }
        assertFalse(Files.exists(out), "nothing was written");
    }

    /**
     * Any non-finite or out-of-sign value of a real-valued option is refused naming it, and any
     * finite value of the right sign is taken (--print-config resolves the config without training).
     */
    @Test void realOptionsAreTakenExactlyWhenFiniteAndOfTheirSign(@TempDir Path dir) {
        System.out.println("NumericOptionsTest seed " + SEED);
        String[] options = {"--lr", "--auxk-alpha", "--l1", "--grad-clip", "--lambda2", "--threshold"};
        double[] special = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0};
        int[] refused = {0}, taken = {0};
        qt().withFixedSeed(SEED).withExamples(60).forAll(integers().between(0, options.length - 1), integers().between(0, 7),
                        doubles().between(-10, 10))
                .checkAssert((o, pick, drawn) -> {
                    String option = options[o];
                    double v = pick < special.length ? special[pick] : drawn;
                    boolean ok = switch (option) {
                        case "--lr" -> v > 0 && Double.isFinite(v);
                        case "--grad-clip" -> Double.isFinite(v); // ≤ 0 turns clipping off
                        default -> v >= 0 && Double.isFinite(v);
                    };
                    List<String> a = new ArrayList<>(List.of("train", "--print-config", "--m", "64", "--k", "4", "--out", dir.resolve("x").toString()));
                    if (option.equals("--lambda2") || option.equals("--threshold")) a.addAll(List.of("--penalty", "static"));
                    if (option.equals("--l1")) a.addAll(List.of("--sae", "relu"));
                    a.addAll(List.of(option, Double.toString(v)));
                    String[] args = a.toArray(String[]::new);
                    CliFixtures.Run run = CliFixtures.saelab(args);
                    if (ok) {
                        assertEquals(0, run.exitCode(), String.join(" ", args) + " → " + run);
                        taken[0]++;
                    } else {
                        assertRefused("saelab train", option, run, args);
                        refused[0]++;
                    }
                });
        assertTrue(refused[0] >= 10 && taken[0] >= 10, "refused " + refused[0] + ", taken " + taken[0]);
    }

    @Test void experimentRefusesEachBadNumberNamingTheOption(@TempDir Path dir) {
        Path out = dir.resolve("exp");
        String[][] cases = {
                {"--steps", "--steps", "0"},
                {"--batch", "--batch", "40000000"},
                {"--batch", "--batch", "-1"},
                {"--k", "--m", "64", "--k", "65"},
                {"--m", "--m", "0"},
                {"--ev-margin", "--ev-margin", "NaN"},
                {"--ev-margin", "--ev-margin", "-0.01"},
                {"--phases", "--phases", "0"},
                {"--phases", "--steps", "3", "--phases", "4"},
                {"--eval-rows", "--eval-rows", "0"},
                {"--recovery-bar", "--recovery-bar", "1.5"},
                {"--recovery-bar", "--recovery-bar", "NaN"},
                {"--threads", "--threads", "0"},
        };
        for (String[] c : cases) {
            List<String> a = new ArrayList<>(List.of("experiment", "--quiet", "--preset", "small", "--out", out.toString()));
            a.addAll(List.of(java.util.Arrays.copyOfRange(c, 1, c.length)));
            String[] args = a.toArray(String[]::new);
            assertRefused("saelab experiment", c[0], CliFixtures.saelab(args), args);
        }
        assertFalse(Files.exists(out), "nothing was written");
    }

    @Test void harvestRefusesBadNumbersAndAContextBeyondTheModelsPositions(@TempDir Path dir) throws Exception {
        Path model = CliFixtures.tinyModel(dir.resolve("tiny"), 13);
        Path data = CliFixtures.textFile(dir.resolve("docs.txt"), CliFixtures.documents(4, 4));
        Path out = dir.resolve("acts");
        String[][] cases = {
                {"--context", "--context", "100000"},
                {"--context", "--context", "1"},
                {"--layer", "--layer", "-1"},
                {"--batch", "--batch", "0"},
                {"--batch", "--batch", "2000000", "--context", "256"},
                {"--shard-tokens", "--shard-tokens", "0"},
        };
        for (String[] c : cases) {
            String[] args = withDefaults(List.of("harvest", "--model", model.toString(), "--data", data.toString(), "--tokens", "100", "--out",
                    out.toString()), List.of("--layer", "1"), java.util.Arrays.copyOfRange(c, 1, c.length));
            CliFixtures.Run run = CliFixtures.saelab(args);
            assertRefused("saelab harvest", c[0], run, args);
            if (c[2].equals("100000")) assertTrue(run.err().contains("takes at most 256 positions (max_position_embeddings"), run.toString());
        }
        assertFalse(Files.exists(out), "nothing was written");

        // The same limit for train's live model source and the experiment's harvest.
        Path run = dir.resolve("run");
        CliFixtures.Run live = CliFixtures.saelab("train", "--quiet", "--source", "model:" + model, "--data", data.toString(), "--layer", "1",
                "--context", "100000", "--m", "64", "--k", "4", "--out", run.toString());
        assertRefused("saelab train", "--context", live, "train --source model:... --context 100000");
        assertTrue(live.err().contains("takes at most 256 positions"), live.toString());
        CliFixtures.Run exp = CliFixtures.saelab("experiment", "--quiet", "--model", model.toString(), "--data", data.toString(), "--layer", "1",
                "--context", "100000", "--out", run.toString());
        assertEquals(1, exp.exitCode(), exp.toString());
        assertTrue(exp.err().contains("saelab experiment: --context 100000: " + model + " takes at most 256 positions"), exp.toString());
        assertFalse(Files.exists(run.resolve("harvest").resolve("manifest.json")), "nothing harvested");
    }
}
