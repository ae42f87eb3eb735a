package saelab.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.schedule.Schedule;
import saelab.train.trainer.TrainConfig;

/** {@link TrainConfig} to and from the "saelab" object of cfg.json; schedules as their text. */
public final class TrainConfigJson {
    private TrainConfigJson() {}

    public static ObjectNode toJson(TrainConfig c) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("architecture", c.architecture().saeLensName());
        o.put("d_in", c.dIn());
        o.put("d_sae", c.dSae());
        o.put("k", c.k());
        o.put("lr", c.lr());
        o.put("steps", c.steps());
        o.put("batch", c.batch());
        o.put("seed", c.seed());
        o.put("warmup_steps", c.warmupSteps());
        o.put("decay_start", c.decayStart());
        o.put("auxk_alpha", c.auxkAlpha());
        o.put("dead_tokens", c.deadTokens());
        o.put("k_aux", c.kAux());
        o.put("l1_coefficient", c.l1());
        o.put("l1_warmup_steps", c.l1WarmupSteps());
        ObjectNode p = o.putObject("penalty");
        p.put("kind", PenaltyConfig.name(c.penalty().kind()));
        p.put("lambda2", c.penalty().lambda2().spec());
        p.put("threshold", c.penalty().threshold().spec());
        p.put("overlap", PenaltyConfig.name(c.penalty().target()));
        p.put("cofire_norm", PenaltyConfig.name(c.penalty().normalization()));
        p.put("chunks", c.penalty().chunks());
        o.put("grad_clip", c.gradClip());
        o.put("log_every", c.logEvery());
        o.put("checkpoint_every", c.checkpointEvery());
        o.put("source", c.source());
        o.put("hook_name", c.hookName());
        o.put("model_name", c.modelName());
        return o;
    }

    public static TrainConfig fromJson(JsonNode o) {
        JsonNode p = req(o, "penalty");
        // "chunks" came with the orthogonal penalty: a cfg.json from before it has a co-firing penalty or none, chunks 1.
        JsonNode chunks = p.get("chunks");
        if (chunks != null && !chunks.isNull() && !(chunks.isIntegralNumber() && chunks.canConvertToInt())) throw new IllegalArgumentException("cfg.json: saelab penalty 'chunks' must be an integer, got " + chunks);
        PenaltyConfig pen = new PenaltyConfig(PenaltyConfig.parseKind(req(p, "kind").asText()),
                Schedule.parse(req(p, "lambda2").asText()), Schedule.parse(req(p, "threshold").asText()),
                PenaltyConfig.parseTarget(req(p, "overlap").asText()), PenaltyConfig.parseNormalization(req(p, "cofire_norm").asText()),
                chunks == null || chunks.isNull() ? 1 : chunks.asInt());
        return new TrainConfig(TrainConfig.Architecture.parse(req(o, "architecture").asText()), req(o, "d_in").asInt(),
                req(o, "d_sae").asInt(), req(o, "k").asInt(), req(o, "lr").asDouble(), req(o, "steps").asLong(),
                req(o, "batch").asInt(), req(o, "seed").asLong(), req(o, "warmup_steps").asLong(), req(o, "decay_start").asLong(),
                req(o, "auxk_alpha").asDouble(), req(o, "dead_tokens").asLong(), req(o, "k_aux").asInt(),
                req(o, "l1_coefficient").asDouble(), req(o, "l1_warmup_steps").asLong(), pen, req(o, "grad_clip").asDouble(),
                req(o, "log_every").asLong(), req(o, "checkpoint_every").asLong(), req(o, "source").asText(),
                req(o, "hook_name").asText(), req(o, "model_name").asText());
    }

    private static JsonNode req(JsonNode o, String key) {
        JsonNode n = o.get(key);
        if (n == null || n.isNull()) throw new IllegalArgumentException("cfg.json: saelab training config lacks '" + key + "'");
        return n;
    }
}
