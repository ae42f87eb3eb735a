package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import saelab.train.checkpoint.SaeCheckpoint;
import saelab.train.trainer.TrainConfig;

class TrainModelSourceTest {
    @TempDir static Path shared;
    static Path model, data;

    @BeforeAll
    static void fixtures() throws Exception {
        model = CliFixtures.tinyModel(shared.resolve("tiny"), 6);
        data = CliFixtures.textFile(shared.resolve("docs.jsonl"),
                CliFixtures.documents(12, 2).stream().map(d -> "{\"text\": \"" + d + "\", \"source\": \"test\"}").toList());
    }

    @Test
    void trainsOnActivationsLiveFromTheModelAndResumesFromTheSavedSource(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        TrainCommand t = new TrainCommand();
        new CommandLine(t).parseArgs("--source", "model", model.toString(), "--data", data.toString(), "--layer", "1", "--context", "16",
                "--m", "32", "--k", "4", "--steps", "6", "--batch", "32", "--data-seed", "5", "--out", out.toString(), "--quiet");
        TrainCommand.Result r = t.run(new PrintStream(new ByteArrayOutputStream()));
        assertEquals(6, r.steps());
        assertTrue(r.l0() > 0 && r.l0() <= 4, "TopK L0: " + r.l0());
        assertTrue(Double.isFinite(r.explainedVariance()));
        SaeCheckpoint.Loaded ck = SaeCheckpoint.read(out);
        assertEquals(64, ck.params().dIn(), "the tiny model's hidden size");
        assertEquals("blocks.1.hook_resid_post", ck.saeLens().hookName(), "SAELens 6: metadata.hook_name");
        assertEquals("tiny", ck.saeLens().modelName());
        assertEquals(16, ck.saeLens().contextSize(), "from the source's context=16");
        TrainConfig saved = ck.training();
        assertEquals("model:" + model.toAbsolutePath() + ";data=" + data.toAbsolutePath() + ";layer=1;context=16@5", saved.source());

        // --resume rebuilds the source from that text alone (from another working directory it would find the same files).
        TrainCommand resume = new TrainCommand();
        new CommandLine(resume).parseArgs("--resume", out.toString(), "--quiet");
        TrainCommand.Result again = resume.run(new PrintStream(new ByteArrayOutputStream()));
        assertEquals(6, again.steps());
        assertEquals(r.explainedVariance(), again.explainedVariance(), 1e-5, "the same SAE on the same evaluation batch");
    }

    @Test
    void badModelSourceArgumentsSayWhatIsWrong(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n\n");
        String m = model.toString(), d = data.toString();
        String[][] bad = {
                {"--source", "model:" + m},
                {"--source", "model:" + m, "--data", d},
                {"--source", "model", m, "--data", d, "--layer", "4"},
                {"--source", "model:" + m, "--data", dir.resolve("none.txt").toString(), "--layer", "1"},
                {"--source", "model:" + m, "--data", empty.toString(), "--layer", "1"},
                {"--source", "model:" + dir.resolve("nomodel"), "--data", d, "--layer", "1"},
                {"--source", "synthetic", "--data", d},
                {"--source", "model"},
                {"--source", "synthetic", "extra"},
        };
        String[] expect = {"needs --data FILE", "layer 12 is out of range: " + m + " has 4 layers, 0..3", "layer 4 is out of range",
                "none.txt: no such data file", "empty.txt: the data holds no complete sequence of 128 tokens", "nomodel: no such model folder",
                "--data, --layer and --context are for --source model:DIR only", "name the gemma-2 checkpoint folder as model:DIR",
                "--source synthetic extra: expected one source"};
        for (int i = 0; i < bad.length; i++) {
            String[] args = TrainCommandTest.append(TrainCommandTest.append(new String[] {"train"}, bad[i]),
                    "--quiet", "--steps", "2", "--m", "32", "--k", "4", "--out", dir.resolve("o").toString());
            CliFixtures.Run run = CliFixtures.saelab(args);
            assertEquals(2, run.exitCode(), String.join(" ", bad[i]) + " → " + run);
            assertTrue(run.err().contains(expect[i]), String.join(" ", bad[i]) + " → " + run.err());
        }
        assertTrue(Files.notExists(dir.resolve("o")), "nothing trained");
    }
}
