package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import saelab.train.penalty.kernels.CoFiring;
import saelab.train.checkpoint.SaeCheckpoint;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.schedule.Schedule;
import saelab.train.trainer.TrainConfig;

/** {@code saelab train}'s options for the controls: {@code --cofire-norm jaccard}, {@code --penalty orthogonal} and {@code --chunks}. */
class TrainControlOptionsTest {

    static TrainConfig config(String... args) {
        TrainCommand t = new TrainCommand();
        new CommandLine(t).parseArgs(args);
        return t.config();
    }

    static CliFixtures.Run saelab(String... args) {
        List<String> a = new ArrayList<>(List.of("train"));
        a.addAll(List.of(args));
        return CliFixtures.saelab(a.toArray(String[]::new));
    }

    @Test
    void theFlagsBuildTheNewPenalties() {
        assertEquals(PenaltyConfig.orthogonal(Schedule.parse("0.1"), 4), config("--penalty", "orthogonal", "--chunks", "4", "--m", "128").penalty(),
                "weight 0.1 by default, the chunks given");
        assertEquals(PenaltyConfig.orthogonal(Schedule.parse("quadratic(0.2)"), 3),
                config("--penalty", "orthogonal", "--lambda2", "quadratic(0.2)", "--chunks", "3", "--m", "128").penalty());
        assertEquals(1, config("--penalty", "orthogonal", "--m", "512").penalty().chunks(), "about 1024 latents a chunk: one chunk for m = 512");
        assertEquals(4, config("--penalty", "orthogonal", "--m", "4096").penalty().chunks(), "and four for m = 4096");
        PenaltyConfig jaccard = config("--preset", "static", "--cofire-norm", "jaccard", "--m", "128").penalty();
        assertEquals(PenaltyConfig.staticDefault().withNormalization(CoFiring.Normalization.JACCARD), jaccard);
    }

    @Test
    void printConfigThenConfigGivesTheSameControls(@TempDir Path dir) throws Exception {
        String[][] flagSets = {
                {"--penalty", "orthogonal", "--chunks", "2", "--m", "64", "--k", "4", "--lambda2", "cosine(0.3, 0.05)"},
                {"--penalty", "adaptive", "--cofire-norm", "jaccard", "--overlap", "decoder", "--m", "64", "--k", "4"},
        };
        for (String[] flags : flagSets) {
            CliFixtures.Run printed = saelab(concat(flags, "--print-config"));
            assertEquals(0, printed.exitCode(), printed.toString());
            Path file = Files.writeString(dir.resolve("printed.json"), printed.out());
            CliFixtures.Run again = saelab("--config", file.toString(), "--print-config");
            assertEquals(printed.out(), again.out(), "--config of --print-config's output prints the same");
            assertEquals(config(flags), config("--config", file.toString()), "and resolves to the same training config");
        }
        JsonNode ortho = new ObjectMapper().readTree(saelab(concat(flagSets[0], "--print-config")).out());
        assertEquals(2, ortho.get("chunks").asInt());
        assertTrue(ortho.get("threshold").isNull(), "the orthogonal penalty has no threshold to print: " + ortho);
        assertTrue(new ObjectMapper().readTree(saelab(concat(flagSets[1], "--print-config")).out()).get("chunks").isNull(),
                "no chunks for a co-firing penalty");
    }

    @Test
    void optionsThatDoNotApplyAreOneLineErrors(@TempDir Path dir) {
        String[][] cases = {
                {"--penalty adaptive --chunks 3", "--chunks is for --penalty orthogonal, not adaptive"},
                {"--penalty orthogonal --threshold 0.1", "--threshold and --cofire-norm are for the co-firing penalties"},
                {"--penalty orthogonal --cofire-norm jaccard", "--threshold and --cofire-norm are for the co-firing penalties"},
                {"--penalty orthogonal --chunks 65 --m 128", "chunks must be at most m/2 = 64"},
                {"--penalty static --cofire-norm union", "'batch', 'min' or 'jaccard'"},
        };
        for (String[] c : cases) {
            CliFixtures.Run run = saelab(concat(c[0].split(" "), "--quiet", "--out", dir.resolve("o").toString()));
            assertEquals(2, run.exitCode(), c[0] + " → " + run);
            assertTrue(run.err().contains(c[1]), c[0] + " → " + run.err());
            assertTrue(!run.err().contains("Exception"), run.err());
        }
        assertTrue(Files.notExists(dir.resolve("o")), "nothing trained");
    }

    @Test
    void aShortOrthogonalRunLogsItsTermAndSavesItsConfig(@TempDir Path dir) throws Exception {
        TrainCommand t = new TrainCommand();
        new CommandLine(t).parseArgs("--penalty", "orthogonal", "--chunks", "2", "--m", "64", "--k", "4", "--steps", "12", "--batch", "32",
                "--log-every", "4", "--out", dir.toString(), "--quiet");
        t.run(new PrintStream(new ByteArrayOutputStream()));
        TrainConfig saved = SaeCheckpoint.read(dir).training();
        assertEquals(t.config(), saved, "cfg.json reads back what was trained");
        List<String> lines = Files.readAllLines(dir.resolve("log.jsonl"));
        assertTrue(lines.size() >= 3, lines.toString());
        for (String line : lines) {
            JsonNode o = new ObjectMapper().readTree(line);
            assertTrue(o.get("penalty_term").asDouble() > 0, "the orthogonal term in every logged step: " + line);
        }
    }

    @Test
    void theHelpNamesTheNewOptions() {
        CliFixtures.Run help = saelab("--help");
        assertEquals(0, help.exitCode());
        for (String s : new String[] {"none|static|adaptive|orthogonal", "batch|min|jaccard", "--chunks", "--penalty orthogonal --lambda2 0.1 --chunks 4"}) {
            assertTrue(help.out().contains(s), s + " in\n" + help.out());
        }
    }

    private static String[] concat(String[] a, String... b) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of(b));
        return l.toArray(String[]::new);
    }
}
