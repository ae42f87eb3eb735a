package saelab.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run's training curves as read from its log.jsonl (the trainer's log, flushed line by line):
 * per logged key, the (step, value) points in log order. A line still being written (no closing
 * brace yet) is left for the next read; NaN and absent values are skipped.
 */
public record RunCurves(String name, Map<String, List<double[]>> series) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The keys drawn: loss terms, sparsity, reconstruction, and the penalty's schedule. */
    public static final List<String> KEYS = List.of("loss", "recon_loss", "auxk_loss", "l1_loss", "penalty_term", "l0",
            "explained_variance", "lambda2", "threshold");

    /** The curves of {@code log}; empty when it does not exist yet. */
    public static RunCurves read(String name, Path log) {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (String k : KEYS) series.put(k, new ArrayList<>());
        List<String> lines;
        try {
            lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            lines = List.of(); // being replaced or not readable this moment: the next refresh reads it
        }
        for (String line : lines) {
            if (!line.endsWith("}")) continue;
            JsonNode o;
            try {
                o = JSON.readTree(line);
            } catch (IOException partial) {
                continue;
            }
            if (o == null || !o.has("step")) continue;
            double step = o.get("step").asDouble() + 1; // steps done
            for (String k : KEYS) {
                JsonNode v = o.get(k);
                if (v != null && v.isNumber() && Double.isFinite(v.asDouble())) series.get(k).add(new double[] {step, v.asDouble()});
            }
        }
        series.values().removeIf(List::isEmpty);
        return new RunCurves(name, series);
    }

    /** The last step logged (0 before the first line). */
    public long lastStep() {
        long last = 0;
        for (List<double[]> s : series.values()) if (!s.isEmpty()) last = Math.max(last, (long) s.getLast()[0]);
        return last;
    }
}
