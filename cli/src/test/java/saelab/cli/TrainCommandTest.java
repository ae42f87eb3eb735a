package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import saelab.model.RunLock;
import saelab.train.checkpoint.SaeCheckpoint;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.trainer.TrainConfig;

class TrainCommandTest {

    static TrainCommand parse(String... args) {
        TrainCommand t = new TrainCommand();
        new CommandLine(t).parseArgs(args);
        return t;
    }

    @Test
    void aShortRunWritesASaeLensCheckpointThatReadsBack(@TempDir Path dir) throws Exception {
        TrainCommand t = parse("--preset", "adaptive", "--m", "128", "--k", "4", "--steps", "20", "--batch", "64",
                "--overlap", "decoder", "--cofire-norm", "min", "--out", dir.toString(), "--quiet");
        TrainCommand.Result r = t.run(new PrintStream(new ByteArrayOutputStream()));
        assertEquals(20, r.steps());
        assertTrue(r.l0() > 0 && r.l0() <= 4);
        for (String f : new String[] {"sae_weights.safetensors", "cfg.json", "trainer_state.safetensors", "log.jsonl", "eval.json"}) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        SaeCheckpoint.Loaded ck = SaeCheckpoint.read(dir);
        assertEquals(64, ck.params().dIn());
        assertEquals(128, ck.params().dSae());
        JsonNode cfg = ck.cfg();
        assertEquals("topk", cfg.get("architecture").asText());
        assertEquals(4, cfg.get("k").asInt());
        assertEquals("float32", cfg.get("dtype").asText());
        TrainConfig tc = ck.training();
        assertEquals(PenaltyConfig.Kind.ADAPTIVE, tc.penalty().kind());
        assertEquals("quadratic(0.1)", tc.penalty().lambda2().spec());
        assertEquals(PenaltyConfig.OverlapTarget.DECODER, tc.penalty().target());
        assertEquals(t.config(), tc, "the saved training config reads back equal to the one trained");
        long lines = Files.readAllLines(dir.resolve("log.jsonl")).size();
        assertEquals(3, lines, "steps 0, 10 and 19 (log every 10 and the last)");
        JsonNode first = new ObjectMapper().readTree(Files.readAllLines(dir.resolve("log.jsonl")).get(0));
        for (String key : new String[] {"loss", "recon_loss", "auxk_loss", "penalty_term", "lambda2", "threshold", "l0", "explained_variance",
                "active_latents", "dead_latents", "cofiring_pairs", "penalized_pairs", "mean_c"}) {
            assertTrue(first.has(key), key);
        }
        assertEquals(0.1, first.get("lambda2").asDouble(), 1e-12, "λ2(0) = 0.1");
    }

    @Test
    void theRunSaysWhereItsStepsRun(@TempDir Path dir) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        TrainCommand t = parse("--m", "64", "--k", "4", "--steps", "3", "--batch", "32", "--out", dir.toString(), "--quiet");
        t.run(new PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        String said = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        // No resident step on this class path (the tornado module is not in cli's tests): the host line.
        assertTrue(said.lines().anyMatch(l -> l.startsWith("training step: host autograd, kernels on ")), said);
    }

    @Test
    void badOptionsAreRefusedWithAClearMessage(@TempDir Path dir) {
        String[][] bad = {
                {"--source", "shards", "--out", dir.toString()},
                {"--source", "shards:" + dir.resolve("nowhere"), "--out", dir.toString()},
                {"--source", "model", "--out", dir.toString()},
                {"--penalty", "sometimes"},
                {"--lambda2", "quadratik(0.1)", "--penalty", "adaptive"},
                {"--penalty", "static", "--lambda2", "linear(0.1)"},
                {"--sae", "relu", "--penalty", "adaptive"},
                {"--k", "0"},
                {"--overlap", "encoder"},
        };
        String[] expect = {"name the harvest folder as shards:DIR", "no such folder", "name the gemma-2 checkpoint folder as model:DIR", "none', 'static', 'adaptive' or 'orthogonal", "unknown schedule", "must be constants",
                "adaptive penalty acts on fixed-k sparse codes, which the standard SAE does not have", "--k 0: expected a whole number ≥ 1", "'activation' or 'decoder'"};
        for (int i = 0; i < bad.length; i++) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream old = System.err;
            System.setErr(new PrintStream(err));
            int rc;
            try {
                rc = new CommandLine(new TrainCommand()).execute(append(bad[i], "--quiet", "--steps", "2"));
            } finally {
                System.setErr(old);
            }
            assertEquals(2, rc, String.join(" ", bad[i]));
            assertTrue(err.toString().contains(expect[i]), "for " + String.join(" ", bad[i]) + ": " + err);
        }
    }

    /** Runs {@code train} as the launcher does; returns its exit status and what it printed on stderr. */
    static Object[] execute(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            int rc = new CommandLine(new TrainCommand()).execute(args);
            return new Object[] {rc, err.toString(java.nio.charset.StandardCharsets.UTF_8)};
        } finally {
            System.setErr(old);
        }
    }

    @Test
    void aFolderHoldingARunIsRefusedUnlessOverwriteOrResume(@TempDir Path dir) throws Exception {
        String[] tiny = {"--m", "64", "--k", "4", "--steps", "4", "--batch", "32", "--checkpoint-every", "2", "--out", dir.toString(), "--quiet"};
        assertEquals(0, execute(tiny)[0]);
        byte[] weights = Files.readAllBytes(dir.resolve("sae_weights.safetensors"));
        byte[] eval = Files.readAllBytes(dir.resolve("eval.json"));

        Object[] again = execute(append(tiny, "--seed", "7"));
        assertEquals(2, again[0]);
        String said = ((String) again[1]).strip();
        assertTrue(said.startsWith("saelab train: --out " + dir + ": holds a run already (sae_weights.safetensors, cfg.json, ") && said.contains("--overwrite"), said);
        assertEquals(1, said.lines().count(), said);
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("sae_weights.safetensors")), "the refused run touched nothing");
        assertArrayEquals(eval, Files.readAllBytes(dir.resolve("eval.json")));

        Object[] both = execute("--resume", dir.toString(), "--overwrite", "--quiet");
        assertEquals(2, both[0]);
        assertTrue(((String) both[1]).contains("--overwrite starts a new run and --resume continues one"), (String) both[1]);

        assertEquals(0, execute(append(tiny, "--seed", "7", "--overwrite"))[0]);
        assertFalse(java.util.Arrays.equals(weights, Files.readAllBytes(dir.resolve("sae_weights.safetensors"))), "--overwrite replaced the run (another seed)");
        assertEquals(7, SaeCheckpoint.read(dir).training().seed());
        assertFalse(java.util.Arrays.equals(eval, Files.readAllBytes(dir.resolve("eval.json"))), "a new eval.json");
    }

    @Test
    void aFolderLockedByAnotherHolderIsRefusedNamingThePid(@TempDir Path dir) {
        try (RunLock held = RunLock.acquire(dir)) {
            Object[] r = execute("--m", "64", "--k", "4", "--steps", "2", "--batch", "32", "--out", dir.toString(), "--quiet");
            assertEquals(2, r[0]);
            assertTrue(((String) r[1]).contains("(pid " + ProcessHandle.current().pid() + ") is writing this folder"), (String) r[1]);
        }
        assertFalse(Files.exists(dir.resolve("cfg.json")), "nothing was trained into the locked folder");
    }

    @Test
    void anOutThatIsAFileIsRefusedInOneLine(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "not a folder");
        Object[] r = execute("--m", "64", "--k", "4", "--steps", "2", "--batch", "32", "--out", file.toString(), "--quiet");
        assertEquals(2, r[0]);
        assertEquals("saelab train: " + file + ": is a file, expected an output folder", ((String) r[1]).strip());
        assertEquals("not a folder", Files.readString(file), "the file is untouched");
    }

    static String[] append(String[] a, String... more) {
        String[] out = java.util.Arrays.copyOf(a, a.length + more.length);
        System.arraycopy(more, 0, out, a.length, more.length);
        return out;
    }

    @Test
    void sweepSplitsQuotedFlags() {
        assertEquals(java.util.List.of("--preset", "adaptive", "--lambda2", "power(0.08, 0.2)"),
                SweepCommand.split("--preset adaptive --lambda2 'power(0.08, 0.2)'"));
    }
}
