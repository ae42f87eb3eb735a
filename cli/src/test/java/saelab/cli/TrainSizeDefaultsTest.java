package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.train.presets.Presets;

/**
 * train's sizes on model activations follow the source's width (--expansion-factor, --target-l0,
 * explicit --m/--k win), --tokens sizes a run in training tokens, and a run far below the EV bar
 * ends with the health line. The source is a small harvest of the tiny model (d 64).
 */
class TrainSizeDefaultsTest {
    @TempDir static Path shared;
    static Path shards;

    @BeforeAll static void harvest() throws Exception {
        Path model = CliFixtures.tinyModel(shared.resolve("tiny"), 5);
        Path data = CliFixtures.textFile(shared.resolve("docs.txt"), CliFixtures.documents(60, 2));
        shards = shared.resolve("acts");
        CliFixtures.Run r = CliFixtures.saelab("harvest", "--model", model.toString(), "--data", data.toString(), "--layer", "3", "--context", "32",
                "--tokens", "4k", "--out", shards.toString());
        assertEquals(0, r.exitCode(), r.toString());
    }

    static JsonNode printConfig(String... flags) throws Exception {
        String[] args = new String[flags.length + 4];
        args[0] = "train"; args[1] = "--source"; args[2] = "shards:" + shards; args[3] = "--print-config";
        System.arraycopy(flags, 0, args, 4, flags.length);
        CliFixtures.Run r = CliFixtures.saelab(args);
        assertEquals(0, r.exitCode(), r.toString());
        return new ObjectMapper().readTree(r.out());
    }

    @Test void withoutSizesMAndKFollowTheWidthAndLrTheRuleAtThatM() throws Exception {
        JsonNode c = printConfig();
        // d 64: m = round(64·16384/2304) = round(455.1) = 455, k = round(64·320/2304) = round(8.89) = 9.
        assertEquals(455, c.get("m").asInt());
        assertEquals(9, c.get("k").asInt());
        // TopK's 2e-4 at m 16384 × √(16384/455); the config prints the double the run uses.
        assertEquals(2e-4 * Math.sqrt(16384.0 / 455), c.get("lr").asDouble(), 1e-15);
        assertEquals(1500, c.get("steps").asLong());
        // The rule is anchored at the seed's sizes: exactly 16384 and 320 at gemma-2-2b's d 2304.
        assertEquals(16384, Presets.latents(2304, null));
        assertEquals(320, Presets.targetL0(2304));
    }

    @Test void expansionFactorAndTargetL0SetTheSizesAndExplicitFlagsWin() throws Exception {
        JsonNode c = printConfig("--expansion-factor", "4", "--target-l0", "5");
        assertEquals(256, c.get("m").asInt());
        assertEquals(5, c.get("k").asInt());
        assertEquals(2e-4 * Math.sqrt(16384.0 / 256), c.get("lr").asDouble(), 1e-15);
        JsonNode explicit = printConfig("--m", "100", "--k", "3");
        assertEquals(100, explicit.get("m").asInt());
        assertEquals(3, explicit.get("k").asInt());
        CliFixtures.Run clash = CliFixtures.saelab("train", "--source", "shards:" + shards, "--print-config", "--m", "100", "--expansion-factor", "4");
        assertEquals(2, clash.exitCode(), clash.toString());
        assertEquals("saelab train: --m 100 and --expansion-factor 4.0 disagree at d 64 (round(4.0 · 64) = 256); give one of them", clash.err().strip());
    }

    @Test void tokensGiveTheStepsAndADisagreeingStepsIsRefused() throws Exception {
        // ceil(10000 / 512) = 20 steps; 2.5e4 at batch 1000 = 25.
        assertEquals(20, printConfig("--tokens", "10k").get("steps").asLong());
        assertEquals(25, printConfig("--tokens", "2.5e4", "--batch", "1000").get("steps").asLong());
        assertEquals(20, printConfig("--tokens", "10k", "--steps", "20").get("steps").asLong(), "agreeing flags are accepted");
        CliFixtures.Run clash = CliFixtures.saelab("train", "--source", "shards:" + shards, "--print-config", "--tokens", "10k", "--steps", "5");
        assertEquals(2, clash.exitCode(), clash.toString());
        assertEquals("saelab train: --steps 5 and --tokens 10000 disagree: 10000 tokens at --batch 512 are 20 steps; give one of them", clash.err().strip());
    }

    @Test void aRunSizedInTokensReportsThemAndABadRunEndsWithTheHealthLine() throws Exception {
        Path out = shared.resolve("bad");
        // The seed's gemma-2-2b sizes on d 64, a few steps: far worse than the mean (EV ≪ 0).
        CliFixtures.Run r = CliFixtures.saelab("train", "--source", "shards:" + shards, "--m", "2048", "--k", "320", "--tokens", "320", "--batch", "64",
                "--out", out.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.err().contains("5 steps × 64 rows = 320 training tokens"), r.err());
        assertTrue(r.err().contains("final: step 5 (320 training tokens)"), r.err());
        JsonNode eval = new ObjectMapper().readTree(out.resolve("eval.json").toFile());
        assertEquals(320, eval.get("training_tokens").asLong());
        double ev = eval.get("explained_variance").asDouble();
        assertTrue(ev < 0, "the run is bad as intended: EV " + ev);
        String health = r.err().lines().filter(l -> l.startsWith("health: ")).findFirst().orElseThrow(() -> new AssertionError(r.err()));
        assertTrue(health.contains("is below 0: the SAE reconstructs worse than the mean (d 64, m 2048, L0 320.0)"), health);
        JsonNode cfg = new ObjectMapper().readTree(out.resolve("cfg.json").toFile());
        assertEquals(320, cfg.path("metadata").path("training_tokens").asLong(), cfg.toString());

        Path good = shared.resolve("good");
        CliFixtures.Run g = CliFixtures.saelab("train", "--source", "shards:" + shards, "--tokens", "64k", "--out", good.toString(), "--quiet");
        assertEquals(0, g.exitCode(), g.toString());
        double goodEv = new ObjectMapper().readTree(good.resolve("eval.json").toFile()).get("explained_variance").asDouble();
        assertTrue(goodEv >= 0.5, "defaults on 64k tokens: EV " + goodEv);
        assertFalse(g.err().contains("health:"), g.err());
        assertTrue(Files.isRegularFile(good.resolve("sparsity.safetensors")));
    }
}
