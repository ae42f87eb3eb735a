package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import saelab.train.arch.BatchTopKArchitecture;
import saelab.train.arch.MatryoshkaBatchTopKArchitecture;
import saelab.train.checkpoint.SaeCheckpoint;

/** saelab train --sae batchtopk / matryoshka_batchtopk: the options reach the settings, the run checkpoints and logs. */
class BatchTopKTrainCommandTest {

    @Test
    void batchTopKTrainsFromTheCommandLineWithItsThresholdOptions(@TempDir Path dir) throws Exception {
        TrainCommand t = TrainCommandTest.parse("--sae", "batchtopk", "--m", "128", "--k", "4", "--steps", "30", "--batch", "64",
                "--threshold-start-step", "5", "--threshold-beta", "0.9", "--out", dir.toString(), "--quiet");
        TrainCommand.Result r = t.run(new PrintStream(new ByteArrayOutputStream()));
        assertEquals(30, r.steps());
        assertEquals(new BatchTopKArchitecture.Settings(4, 1.0 / 32, 32, 0.9, 5), t.config().settings());
        SaeCheckpoint.Loaded ck = SaeCheckpoint.read(dir);
        assertEquals("jumprelu", ck.cfg().get("architecture").asText(), "as SAELens saves a trained BatchTopK SAE for inference");
        assertEquals("batchtopk", ck.training().architecture().name());
        assertEquals("batchtopk", ck.sae().architecture().name(), "saelab reads its own checkpoint by its training config");
        assertEquals(t.config(), ck.training(), "the saved training config reads back equal to the one trained");
        assertEquals(List.of("W_enc", "b_enc", "W_dec", "b_dec", "threshold"), ck.params().names());
        assertTrue(ck.params().get("threshold").get(0) > 0, "the threshold was estimated from step 6 on");
        // Inference at the estimated threshold keeps about k codes per row.
        assertTrue(r.l0() > 2 && r.l0() < 8, "held-out L0 " + r.l0());
    }

    @Test
    void matryoshkaTrainsWithItsGroupsAndLogsEveryPrefix(@TempDir Path dir) throws Exception {
        TrainCommand t = TrainCommandTest.parse("--sae", "matryoshka", "--m", "128", "--k", "4", "--steps", "12", "--batch", "64",
                "--group-fractions", "0.25,0.75", "--group-weights", "2,1", "--out", dir.toString(), "--quiet");
        t.run(new PrintStream(new ByteArrayOutputStream()));
        var s = (MatryoshkaBatchTopKArchitecture.Settings) t.config().settings();
        assertEquals(List.of(0.25, 0.75), s.groupFractions());
        assertEquals(List.of(2.0, 1.0), s.groupWeights());
        JsonNode cfg = SaeCheckpoint.read(dir).cfg();
        assertEquals("matryoshka_batchtopk", cfg.get("architecture").asText());
        assertEquals(32, cfg.get("matryoshka_widths").get(0).asInt());
        assertEquals(128, cfg.get("matryoshka_widths").get(1).asInt());
        JsonNode first = new ObjectMapper().readTree(Files.readAllLines(dir.resolve("log.jsonl")).get(0));
        for (String key : new String[] {"recon_loss", "recon_32_loss", "recon_weight", "auxk_loss"}) assertTrue(first.has(key), key + " in " + first);
        assertTrue(!first.has("recon_32_weight"), "λ_1/G = 2/2 = 1: a weight of 1 is not logged");
        assertEquals(0.5, first.get("recon_weight").asDouble(), 0.0, "λ_2/G = 1/2");
        assertTrue(first.get("recon_32_loss").asDouble() > first.get("recon_loss").asDouble(), "the 32-latent prefix reconstructs worse than all 128");
    }

    @Test
    void theirOptionsRoundTripThroughPrintConfig(@TempDir Path dir) throws Exception {
        String out = dir.resolve("out").toString();
        String[] flags = {"--sae", "matryoshka", "--m", "128", "--k", "4", "--group-fractions", "0.25,0.75", "--group-weights", "2,1",
                "--threshold-start-step", "7", "--out", out};
        new TrainConfigFileTest().roundTrip(dir, flags);
        JsonNode printed = new ObjectMapper().readTree(TrainConfigFileTest.printConfig(flags));
        assertEquals("0.25,0.75", printed.get("group-fractions").asText());
        assertEquals(7, printed.get("threshold-start-step").asLong());
        assertEquals(0.999, printed.get("threshold-beta").asDouble(), 0.0, "the architecture's default, resolved");
        new TrainConfigFileTest().roundTrip(dir, "--sae", "batchtopk", "--m", "128", "--k", "4", "--threshold-beta", "0.9", "--out", out);
    }

    @Test
    void aBadGroupOptionIsOneLineNamingTheOption(@TempDir Path dir) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err));
        int rc;
        try {
            rc = new CommandLine(new TrainCommand()).execute("--sae", "matryoshka", "--m", "128", "--group-fractions", "0.5,0.6",
                    "--steps", "2", "--quiet", "--out", dir.toString());
        } finally {
            System.setErr(old);
        }
        assertEquals(2, rc);
        assertTrue(err.toString().contains("--group-fractions 0.5,0.6: expected fractions summing to 1 (they sum to 1.1)"), err.toString());
    }
}
