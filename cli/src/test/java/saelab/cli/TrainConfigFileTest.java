package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.trainer.TrainConfig;

class TrainConfigFileTest {
    @TempDir static Path shared;
    static Path model, data;

    @BeforeAll
    static void fixtures() throws Exception {
        model = CliFixtures.tinyModel(shared.resolve("tiny"), 8);
        data = CliFixtures.textFile(shared.resolve("docs.txt"), CliFixtures.documents(10, 1));
    }

    static TrainCommand parse(String... args) {
        TrainCommand t = new TrainCommand();
        new CommandLine(t).parseArgs(args);
        return t;
    }

    /** --print-config's output for these flags, through the whole command as a user runs it. */
    static String printConfig(String... args) {
        List<String> a = new ArrayList<>(List.of("train", "--print-config"));
        a.addAll(List.of(args));
        CliFixtures.Run run = CliFixtures.saelab(a.toArray(String[]::new));
        assertEquals(0, run.exitCode(), run.toString());
        return run.out();
    }

    void roundTrip(Path dir, String... flags) throws Exception {
        String printed = printConfig(flags);
        Path file = Files.writeString(dir.resolve("printed.json"), printed);
        assertEquals(printed, printConfig("--config", file.toString()), "--config of --print-config's output prints the same");
        assertEquals(parse(flags).config(), parse("--config", file.toString()).config(), "and resolves to the same training config");
        assertTrue(Files.notExists(dir.resolve("out")), "--print-config trains nothing");
    }

    @Test
    void printConfigThenConfigGivesTheSameEffectiveConfig(@TempDir Path dir) throws Exception {
        roundTrip(dir, "--preset", "adaptive", "--m", "128", "--k", "4", "--steps", "20", "--lambda2", "power(0.08, 0.2)",
                "--cofire-norm", "min", "--out", dir.resolve("out").toString());
        roundTrip(dir, "--preset", "standard", "--source", "synthetic", "--data-seed", "3", "--warmup", "7");
    }

    @Test
    void aModelSourceRoundTripsWithItsDataLayerAndContext(@TempDir Path dir) throws Exception {
        String[] flags = {"--source", "model", model.toString(), "--data", data.toString(), "--layer", "1", "--context", "16",
                "--m", "32", "--k", "4", "--out", dir.resolve("out").toString()};
        roundTrip(dir, flags);
        JsonNode printed = new ObjectMapper().readTree(printConfig(flags));
        assertEquals("model:" + model.toAbsolutePath(), printed.get("source").asText());
        assertEquals(data.toAbsolutePath().toString(), printed.get("data").asText());
        assertEquals(1, printed.get("layer").asInt());
        assertEquals(16, printed.get("context").asInt());
        assertEquals("blocks.1.hook_resid_post", printed.get("hook-name").asText());
        assertEquals("tiny", printed.get("model-name").asText());
        assertEquals(64, parse(flags).config().dIn(), "d from the model's hidden size");
        JsonNode synthetic = new ObjectMapper().readTree(printConfig());
        assertTrue(synthetic.get("data").isNull() && synthetic.get("layer").isNull(), "no data or layer for synthetic data: " + synthetic);
    }

    @Test
    void theFileHoldsEverySettingByItsFlagName() throws Exception {
        TrainCommand t = new TrainCommand();
        CommandLine cl = new CommandLine(t);
        cl.parseArgs();
        List<String> keys = TrainConfigFile.keys(cl.getCommandSpec());
        assertEquals(keys, new ArrayList<>(t.effectiveConfig().keySet()), "--print-config writes each key --config reads, in order");
        for (String k : keys) assertTrue(cl.getCommandSpec().findOption("--" + k) != null, k);
        assertTrue(keys.containsAll(List.of("preset", "lambda2", "threshold", "steps", "source", "data", "layer", "context", "out")));
        List<String> asSubcommand = TrainConfigFile.keys(Main.commandLine().getSubcommands().get("train").getCommandSpec());
        assertEquals(keys, asSubcommand, "saelab's inherited --backend is a run option, not a setting");
    }

    @Test
    void flagsOverrideTheFileAndNullLeavesTheDefault(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("cfg.json"), """
                {"preset": "adaptive", "steps": 7, "lr": 0.01, "overlap": "decoder", "m": 128, "k": 4, "threshold": 0.05,
                 "warmup": null, "batch": 32}
                """);
        TrainConfig c = parse("--config", file.toString(), "--steps", "9", "--overlap", "activation", "--k", "6").config();
        assertEquals(9, c.steps(), "the flag wins");
        assertEquals(PenaltyConfig.OverlapTarget.ACTIVATION, c.penalty().target(), "a flag wins even when it gives the default");
        assertEquals(6, ((saelab.train.arch.TopKSettings) c.settings()).k());
        assertEquals(0.01, c.lr(), "from the file");
        assertEquals(128, c.dSae());
        assertEquals(32, c.batch());
        assertEquals(PenaltyConfig.Kind.ADAPTIVE, c.penalty().kind(), "the file's preset");
        assertEquals("constant(0.05)", c.penalty().threshold().spec(), "a number where a schedule goes is a constant schedule");
        assertEquals(0, c.warmupSteps(), "null: the default, min(1000, steps / 10) = 0 at 9 steps");
        assertNull(parse("--config", file.toString()).lambda2, "fields the file does not set stay unset");
    }

    @Test
    void unknownKeysAndWrongTypesAreErrorsNamingTheKeyAndTheFile(@TempDir Path dir) throws Exception {
        String[][] cases = {
                {"{\"stepz\": 3}", "unknown key 'stepz'; valid keys: preset, sae, penalty, lambda2,"},
                {"{\"threads\": 2}", "unknown key 'threads' ('threads' is a run option: give it as --threads)"},
                {"{\"backend\": \"cpu\"}", "unknown key 'backend' ('backend' is a run option: give it as --backend)"},
                {"{\"steps\": \"many\"}", "\"steps\" must be a whole number, got \"many\""},
                {"{\"lr\": \"fast\"}", "\"lr\" must be a number, got \"fast\""},
                {"{\"source\": [\"model\", \"x\"]}", "\"source\" must be a string"},
                {"[1, 2]", "expected a JSON object of settings"},
                {"{\"steps\": 3,}", "not valid JSON"},
        };
        for (int i = 0; i < cases.length; i++) {
            Path file = Files.writeString(dir.resolve("c" + i + ".json"), cases[i][0]);
            CliFixtures.Run run = CliFixtures.saelab("train", "--config", file.toString(), "--quiet", "--out", dir.resolve("o").toString());
            assertEquals(2, run.exitCode(), cases[i][0] + " → " + run);
            assertTrue(run.err().contains(file.toString()), "names the file: " + run.err());
            assertTrue(run.err().contains(cases[i][1]), cases[i][0] + " → " + run.err());
        }
        CliFixtures.Run missing = CliFixtures.saelab("train", "--config", dir.resolve("none.json").toString(), "--print-config");
        assertNotEquals(0, missing.exitCode());
        assertTrue(missing.err().contains("none.json: cannot read the --config file"), missing.toString());
        assertTrue(Files.notExists(dir.resolve("o")), "nothing trained");
    }
}
