package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import saelab.train.arch.GatedSettings;
import saelab.train.arch.JumpReluSettings;
import saelab.train.checkpoint.SaeCheckpoint;

/** saelab train --sae jumprelu / gated: their settings through --setting, their terms in the log, their checkpoints. */
class TrainThresholdArchitecturesTest {

    static TrainCommand parse(String... args) {
        TrainCommand t = new TrainCommand();
        new CommandLine(t).parseArgs(args);
        return t;
    }

    static JsonNode firstLogLine(Path dir) throws Exception {
        return new ObjectMapper().readTree(Files.readAllLines(dir.resolve("log.jsonl")).get(0));
    }

    @Test
    void jumpReluTrainsWithItsSettingsAndLogsItsTerms(@TempDir Path dir) throws Exception {
        TrainCommand t = parse("--sae", "jumprelu", "--m", "64", "--steps", "20", "--batch", "64", "--setting", "l0_coefficient=0.2, target_l0=8",
                "--out", dir.toString(), "--quiet");
        TrainCommand.Result r = t.run(new PrintStream(new ByteArrayOutputStream()));
        assertEquals(20, r.steps());
        assertTrue(r.l0() > 0, "some latents fire: L0 " + r.l0());
        SaeCheckpoint.Loaded ck = SaeCheckpoint.read(dir);
        assertEquals("jumprelu", ck.cfg().get("architecture").asText());
        assertEquals(List.of("W_enc", "b_enc", "W_dec", "b_dec", "threshold"), ck.params().names());
        assertEquals(new JumpReluSettings(0.05, 0.2, 0.2, 0, 8), ck.training().settings(), "--setting overrides the defaults it names, no others");
        JsonNode log = firstLogLine(dir);
        for (String key : List.of("recon_loss", "l0_loss", "l0_coefficient")) assertTrue(log.has(key), key + " in " + log);
        assertTrue(log.get("l0_loss").asDouble() > 0 && log.get("recon_loss").asDouble() > 0, log.toString());
    }

    @Test
    void gatedTrainsAndLogsItsThreeTerms(@TempDir Path dir) throws Exception {
        TrainCommand t = parse("--sae", "gated", "--m", "64", "--steps", "20", "--batch", "64", "--setting", "gate_l1_coefficient=0.5",
                "--out", dir.toString(), "--quiet");
        t.run(new PrintStream(new ByteArrayOutputStream()));
        SaeCheckpoint.Loaded ck = SaeCheckpoint.read(dir);
        assertEquals("gated", ck.cfg().get("architecture").asText());
        assertEquals(List.of("W_enc", "b_gate", "r_mag", "b_mag", "W_dec", "b_dec"), ck.params().names());
        assertEquals(new GatedSettings(0.5, 0), ck.training().settings());
        JsonNode log = firstLogLine(dir);
        for (String key : List.of("recon_loss", "l1_loss", "aux_gate_loss", "gate_l1_coefficient")) assertTrue(log.has(key), key + " in " + log);
    }

    @Test
    void aSettingTheArchitectureLacksOrABadValueIsOneLine() {
        String msg = assertThrows(IllegalArgumentException.class, () -> parse("--sae", "gated", "--setting", "l0_coefficient=1").config()).getMessage();
        assertTrue(msg.contains("--setting l0_coefficient") && msg.contains("gated") && msg.contains("gate_l1_coefficient") && !msg.contains("\n"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> parse("--sae", "jumprelu", "--setting", "jumprelu_bandwidth=-1").config()).getMessage();
        assertTrue(msg.startsWith("--setting jumprelu_bandwidth=-1") && msg.contains("expected") && !msg.contains("\n"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> parse("--sae", "jumprelu", "--setting", "target_l0").config()).getMessage();
        assertTrue(msg.contains("KEY=VALUE"), msg);
    }

    @Test
    void printConfigCarriesTheSettingsAndConfigReadsThemBack(@TempDir Path dir) throws Exception {
        String[] flags = {"--sae", "jumprelu", "--m", "64", "--setting", "target_l0=12", "--out", dir.resolve("out").toString()};
        CliFixtures.Run printed = CliFixtures.saelab(java.util.stream.Stream.concat(java.util.stream.Stream.of("train", "--print-config"),
                java.util.Arrays.stream(flags)).toArray(String[]::new));
        assertEquals(0, printed.exitCode(), printed.toString());
        JsonNode json = new ObjectMapper().readTree(printed.out());
        assertTrue(json.get("setting").asText().contains("target_l0=12.0"), json.toString());
        Path file = Files.writeString(dir.resolve("printed.json"), printed.out());
        assertEquals(parse(flags).config(), parse("--config", file.toString()).config());
        assertFalse(Files.exists(dir.resolve("out")));
    }

    @Test
    void helpListsTheArchitecturesAndTheirSettings() {
        String help = TrainCommand.architecturesHelp();
        for (String s : List.of("jumprelu", "gated", "jumprelu_bandwidth", "l0_coefficient", "target_l0", "gate_l1_coefficient", "topk", "k_aux")) {
            assertTrue(help.contains(s), s + " in\n" + help);
        }
    }
}
