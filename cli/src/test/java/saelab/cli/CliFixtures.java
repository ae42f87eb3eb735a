package saelab.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import picocli.CommandLine;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.Dtype;
import saelab.model.synthetic.RandomGemma2Checkpoint;
import saelab.model.synthetic.SyntheticTokenizer;

/** Tiny models, text files and an in-process runner of saelab's subcommands, for the command-line tests. */
final class CliFixtures {
    private CliFixtures() {}

    /** What a command did: its exit code and what it printed. */
    record Run(int exitCode, String out, String err) {
        @Override public String toString() {
            return "exit " + exitCode + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    /** Runs {@code saelab ARGS} as Main does (its configured command line), capturing stdout and stderr. */
    static synchronized Run saelab(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            CommandLine cl = Main.commandLine();
            cl.setErr(new java.io.PrintWriter(System.err, true));
            cl.setOut(new java.io.PrintWriter(System.out, true));
            rc = cl.execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** gemma-2 "tiny" (4 layers, hidden 64, vocabulary 512) in f32, weights large enough to make far-from-uniform logits. */
    static Path tinyModel(Path dir, long seed) throws Exception {
        Files.createDirectories(dir);
        GemmaConfig config = GemmaConfig.tiny();
        RandomGemma2Checkpoint.write(dir, RandomGemma2Checkpoint.Spec.of(config, Dtype.F32, seed).withStd(0.3, 0.3), b -> { });
        SyntheticTokenizer.write(dir, config.vocabSize(), seed);
        return dir;
    }

    static final String[] WORDS = {"the", "sparse", "autoencoder", "finds", "features", "in", "a", "model's", "residual",
            "stream", "of", "gemma", "tokens", "and", "layers", "café", "42", "reads", "writes"};

    /** Documents of 1 to 30 random words. */
    static List<String> documents(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<String> docs = new ArrayList<>();
        for (int d = 0; d < count; d++) {
            StringBuilder sb = new StringBuilder();
            int words = 1 + r.nextInt(30);
            for (int w = 0; w < words; w++) sb.append(w == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
            docs.add(sb.toString());
        }
        return docs;
    }

    static Path textFile(Path file, List<String> docs) throws Exception {
        return Files.writeString(file, String.join("\n", docs) + "\n");
    }

    /** Largest |a − b| over one row of width {@code d}, relative to the row's norm in {@code ref}. */
    static double rowError(float[] a, int aRow, float[] ref, int refRow, int d) {
        double diff = 0, norm = 0;
        for (int j = 0; j < d; j++) {
            double x = a[aRow * d + j], y = ref[refRow * d + j];
            diff = Math.max(diff, Math.abs(x - y));
            norm += y * y;
        }
        return diff / Math.sqrt(norm);
    }
}
