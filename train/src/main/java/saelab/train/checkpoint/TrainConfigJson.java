package saelab.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import saelab.train.arch.Architectures;
import saelab.train.arch.SaeArchitecture;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.schedule.Schedule;
import saelab.train.trainer.TrainConfig;

/**
 * {@link TrainConfig} to and from the "saelab" object of cfg.json; schedules as their text, the
 * architecture's settings under "settings". Reads the layout from before the architecture
 * registry too (settings at the top of the object).
 */
public final class TrainConfigJson {
    private TrainConfigJson() {}

    /** The key of the architecture's own settings (written under their {@link saelab.train.arch.SettingSpec} keys). */
    public static final String SETTINGS = "settings";

    public static ObjectNode toJson(TrainConfig c) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("architecture", c.architecture().name());
        o.put("d_in", c.dIn());
        o.put("d_sae", c.dSae());
        c.settings().toJson(o.putObject(SETTINGS));
        o.put("lr", c.lr());
        o.put("steps", c.steps());
        o.put("batch", c.batch());
        o.put("seed", c.seed());
        o.put("warmup_steps", c.warmupSteps());
        o.put("decay_start", c.decayStart());
        o.put("dead_tokens", c.deadTokens());
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
        SaeArchitecture arch = Architectures.byName(req(o, "architecture").asText());
        int d = req(o, "d_in").asInt(), m = req(o, "d_sae").asInt();
        // Before the registry the settings stood at the top of this object (k, auxk_alpha, k_aux,
        // l1_coefficient, l1_warmup_steps, both architectures' alike); the architecture takes its own.
        JsonNode settings = o.has(SETTINGS) ? o.get(SETTINGS) : o;
        return new TrainConfig(arch.settings(settings, d, m), d, m, req(o, "lr").asDouble(), req(o, "steps").asLong(),
                req(o, "batch").asInt(), req(o, "seed").asLong(), req(o, "warmup_steps").asLong(), req(o, "decay_start").asLong(),
                req(o, "dead_tokens").asLong(), pen, req(o, "grad_clip").asDouble(),
                req(o, "log_every").asLong(), req(o, "checkpoint_every").asLong(), req(o, "source").asText(),
                req(o, "hook_name").asText(), req(o, "model_name").asText());
    }

    private static JsonNode req(JsonNode o, String key) {
        JsonNode n = o.get(key);
        if (n == null || n.isNull()) throw new IllegalArgumentException("cfg.json: saelab training config lacks '" + key + "'");
        return n;
    }
}
