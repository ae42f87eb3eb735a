package saelab.train.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import saelab.train.arch.LossTerm;

/**
 * The JSONL training log: one object per logged step with every loss term and statistic,
 * flushed line by line so a crashed run keeps what it logged. On resume, lines from steps at or
 * after the resume point are dropped first (they belong to the interrupted continuation).
 */
public final class TrainingLog implements AutoCloseable {
    public static final String FILE = "log.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedWriter out;

    private TrainingLog(BufferedWriter out) { this.out = out; }

    public static TrainingLog start(Path dir) { return open(dir, -1); }

    /** Keeps the lines of steps before {@code resumeStep}. */
    public static TrainingLog resume(Path dir, long resumeStep) { return open(dir, resumeStep); }

    private static TrainingLog open(Path dir, long resumeStep) {
        Path file = dir.resolve(FILE);
        try {
            Files.createDirectories(dir);
            if (resumeStep >= 0 && Files.exists(file)) {
                List<String> kept = Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> {
                    try {
                        return !l.isBlank() && JSON.readTree(l).path("step").asLong(Long.MAX_VALUE) < resumeStep;
                    } catch (IOException e) {
                        return false; // a torn last line from a crash
                    }
                }).toList();
                Files.write(file, kept, StandardCharsets.UTF_8);
                return new TrainingLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
            }
            return new TrainingLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot open the training log: " + e.getMessage(), e);
        }
    }

    public static ObjectNode toJson(StepStats s, TrainConfig cfg, long tokens, double seconds) {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", s.step());
        o.put("p", s.progress());
        o.put("tokens", tokens);
        o.put("elapsed_s", seconds);
        o.put("lr", s.lr());
        o.put("loss", s.loss());
        // Each named term as NAME_loss, and its weight under the architecture's key (TopK: recon_loss,
        // auxk_loss, auxk_alpha; standard: recon_loss, l1_loss, l1_coefficient), as readers expect.
        for (LossTerm t : s.terms()) {
            o.put(t.logKey(), t.value());
            if (t.weightKey() != null) o.put(t.weightKey(), t.weight());
        }
        o.put("penalty_term", s.penaltyTerm());
        o.put("penalty_raw", s.rawPenalty());
        o.put("lambda2", s.lambda2());
        o.put("threshold", s.threshold());
        o.put("cofiring_pairs", s.coFiringPairs());
        o.put("penalized_pairs", s.penalizedPairs());
        o.put("mean_c", s.meanC());
        o.put("l0", s.l0());
        o.put("explained_variance", s.explainedVariance());
        o.put("active_latents", s.activeLatents());
        o.put("dead_latents", s.deadLatents());
        o.put("grad_norm", s.gradNorm());
        return o;
    }

    public void write(ObjectNode line) {
        try {
            out.write(JSON.writeValueAsString(line));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the training log: " + e.getMessage(), e);
        }
    }

    @Override public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
