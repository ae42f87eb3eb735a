package saelab.eval.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import saelab.model.AtomicFiles;
import saelab.train.arch.LossTerm;
import saelab.train.checkpoint.TrainConfigJson;
import saelab.train.trainer.TrainConfig;

/**
 * A finished run's result, written into its folder as the run's last file (atomically), so that
 * {@code experiment --resume} can take it instead of training again: a run folder without it was
 * interrupted (Ctrl-C, a kill, a crash) and is trained again from the start. The record holds what
 * the run was (its training config and the evaluation settings) and is reused only when both equal
 * what the resumed experiment would run; numbers are stored exactly (doubles round-trip through
 * JSON; NaN and the infinities as strings).
 */
final class RunRecord {
    private RunRecord() {}

    static final String FILE = "run-result.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What decides a run's numbers besides its training config: the evaluation settings. */
    static ObjectNode evaluation(ExperimentConfig e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("phases", e.phases());
        o.put("eval_rows", e.evalRows());
        o.put("recovery_bar", e.recoveryBar());
        o.put("data_seed", e.dataSeed());
        o.put("on_model", e.onModel());
        return o;
    }

    static void write(Experiment.RunResult r, TrainConfig cfg, ExperimentConfig e) {
        ObjectNode o = JSON.createObjectNode();
        o.set("train_config", TrainConfigJson.toJson(cfg));
        o.set("evaluation", evaluation(e));
        o.put("variant", r.variant());
        o.put("seed", r.seed());
        num(o, "train_seconds", r.trainSeconds());
        num(o, "eval_seconds", r.evalSeconds());
        ArrayNode phases = o.putArray("phases");
        for (Snapshot s : r.phases()) {
            ObjectNode p = phases.addObject();
            ObjectNode m = p.putObject("metrics");
            s.metrics().forEach((k, v) -> num(m, k, v));
            longs(p, "cofiring_histogram", s.coFiringHistogram());
            longs(p, "density_histogram", s.densityHistogram());
        }
        ArrayNode curve = o.putArray("curve");
        for (Experiment.CurvePoint c : r.curve()) {
            ObjectNode p = curve.addObject();
            p.put("step", c.step());
            num(p, "loss", c.loss());
            ArrayNode terms = p.putArray("terms");
            for (LossTerm t : c.terms()) {
                ObjectNode q = terms.addObject();
                q.put("name", t.name());
                num(q, "value", t.value());
                q.put("weight_key", t.weightKey());
                num(q, "weight", t.weight());
            }
            num(p, "penalty_term", c.penaltyTerm());
            num(p, "lambda2", c.lambda2());
            num(p, "threshold", c.threshold());
            num(p, "l0", c.l0());
            num(p, "explained_variance", c.explainedVariance());
            p.put("active_latents", c.activeLatents());
            p.put("dead_latents", c.deadLatents());
        }
        Path file = r.dir().resolve(FILE);
        try {
            AtomicFiles.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(o));
        } catch (IOException x) {
            throw new UncheckedIOException(file + ": cannot write the run's result: " + x.getMessage(), x);
        }
    }

    /**
     * The finished run in {@code dir}, or null when it must be trained (again): no record (never
     * finished), a record that cannot be read (torn by a crash: it is written atomically, so only by
     * hand), or one of another configuration.
     */
    static Experiment.RunResult reusable(Path dir, TrainConfig cfg, ExperimentConfig e) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) return null;
        try {
            JsonNode o = JSON.readTree(file.toFile());
            if (!asRead(TrainConfigJson.toJson(cfg)).equals(o.get("train_config")) || !asRead(evaluation(e)).equals(o.get("evaluation"))) return null;
            List<Snapshot> phases = new ArrayList<>();
            for (JsonNode p : o.withArray("phases")) {
                Map<String, Double> m = new LinkedHashMap<>();
                p.get("metrics").fields().forEachRemaining(x -> m.put(x.getKey(), num(x.getValue())));
                phases.add(new Snapshot(m, longs(p.get("cofiring_histogram")), longs(p.get("density_histogram"))));
            }
            List<Experiment.CurvePoint> curve = new ArrayList<>();
            for (JsonNode p : o.withArray("curve")) {
                List<LossTerm> terms = new ArrayList<>();
                for (JsonNode t : p.withArray("terms")) {
                    JsonNode key = t.get("weight_key");
                    terms.add(new LossTerm(t.get("name").asText(), num(t.get("value")), key == null || key.isNull() ? null : key.asText(), num(t.get("weight"))));
                }
                curve.add(new Experiment.CurvePoint(p.get("step").asLong(), num(p.get("loss")), terms, num(p.get("penalty_term")),
                        num(p.get("lambda2")), num(p.get("threshold")), num(p.get("l0")), num(p.get("explained_variance")),
                        p.get("active_latents").asInt(), p.get("dead_latents").asInt()));
            }
            if (phases.size() != e.phases()) return null;
            return new Experiment.RunResult(o.get("variant").asText(), o.get("seed").asLong(), dir, num(o.get("train_seconds")),
                    num(o.get("eval_seconds")), phases, curve);
        } catch (IOException | RuntimeException x) {
            return null; // unreadable: the run is trained again, which overwrites it
        }
    }

    /** The node as it reads back from its text (a long 12 reads back as an int node, which equals() tells apart). */
    private static JsonNode asRead(JsonNode n) throws IOException {
        return JSON.readTree(JSON.writeValueAsBytes(n));
    }

    private static void num(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.put(key, Double.toString(v));
    }

    private static double num(JsonNode n) {
        if (n == null || n.isNull()) throw new IllegalArgumentException("missing number");
        return n.isTextual() ? Double.parseDouble(n.asText()) : n.asDouble();
    }

    private static void longs(ObjectNode o, String key, long[] values) {
        if (values == null) { o.putNull(key); return; }
        ArrayNode a = o.putArray(key);
        for (long v : values) a.add(v);
    }

    private static long[] longs(JsonNode a) {
        if (a == null || a.isNull()) return null;
        long[] v = new long[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).asLong();
        return v;
    }
}
