package saelab.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.junit.jupiter.api.Test;
import saelab.train.TestConfigs;
import saelab.train.arch.StandardSettings;
import saelab.train.arch.TopKSettings;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.source.SyntheticConfig;
import saelab.train.source.SyntheticSource;
import saelab.train.trainer.SaeTrainer;
import saelab.train.trainer.TrainConfig;
import saelab.train.trainer.TrainingRun;

/**
 * A cfg.json written before the architecture registry (every architecture's settings at the
 * top of the "saelab" object, TopK's and standard's alike) still resumes: the run read back has
 * the same settings and continues to the same weights as an uninterrupted run.
 */
class OldLayoutResumeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The "saelab" object as the writer before the registry laid it out (key order as it wrote them). */
    static ObjectNode oldLayout(ObjectNode now) {
        ObjectNode settings = (ObjectNode) now.get(TrainConfigJson.SETTINGS);
        ObjectNode o = JSON.createObjectNode();
        o.put("architecture", now.get("architecture").asText());
        o.set("d_in", now.get("d_in"));
        o.set("d_sae", now.get("d_sae"));
        o.put("k", settings.path("k").asInt(0));
        for (String key : new String[] {"lr", "steps", "batch", "seed", "warmup_steps", "decay_start"}) o.set(key, now.get(key));
        o.put("auxk_alpha", settings.path("auxk_alpha").asDouble(1.0 / 32));
        o.set("dead_tokens", now.get("dead_tokens"));
        o.put("k_aux", settings.path("k_aux").asInt(32));
        o.put("l1_coefficient", settings.path("l1_coefficient").asDouble(0));
        o.put("l1_warmup_steps", settings.path("l1_warmup_steps").asLong(0));
        for (String key : new String[] {"penalty", "grad_clip", "log_every", "checkpoint_every", "source", "hook_name", "model_name"}) o.set(key, now.get(key));
        return o;
    }

    @Test
    void aPreRegistryCfgJsonResumesToTheUninterruptedRunForBothArchitectures() throws IOException {
        TrainConfig topk = TestConfigs.legacy("topk", 64, 128, 8, 3e-3, 20, 64, 9, 2, 15, 1.0 / 32, 128, 32, 0, 0, PenaltyConfig.none(), 1.0, 3, 7, "synthetic", "t", "t");
        TrainConfig std = TestConfigs.legacy("standard", 64, 128, 0, 3e-3, 20, 64, 9, 2, 15, 0, 128, 32, 0.04, 5, PenaltyConfig.none(), 1.0, 3, 7, "synthetic", "t", "t");
        assertEquals(new TopKSettings(8, 1.0 / 32, 32), topk.settings());
        assertEquals(new StandardSettings(0.04, 5), std.settings());
        SyntheticSource src = new SyntheticSource(SyntheticConfig.small(6));
        for (TrainConfig cfg : new TrainConfig[] {topk, std}) {
            Path whole = Files.createTempDirectory("saelab-old-layout"), split = Files.createTempDirectory("saelab-old-layout");
            Path old = Files.createTempDirectory("saelab-old-layout");
            try {
                SaeTrainer a = TrainingRun.start(cfg, src, TrainingRun.Options.to(whole));
                TrainingRun.start(cfg, src, new TrainingRun.Options(split, 7, null));
                // A run folder of that time: the three files at its top, no checkpoint manifest.
                for (String f : new String[] {SaeCheckpoint.WEIGHTS, SaeCheckpoint.CONFIG, TrainerState.FILE}) Files.copy(split.resolve(f), old.resolve(f));
                Path ck = old.resolve(SaeCheckpoint.CONFIG);
                ObjectNode file = (ObjectNode) JSON.readTree(ck.toFile());
                ObjectNode block = oldLayout((ObjectNode) file.get("saelab"));
                assertFalse(block.has(TrainConfigJson.SETTINGS));
                file.set("saelab", block);
                Files.write(ck, JSON.writeValueAsBytes(file));
                assertEquals(cfg, TrainConfigJson.fromJson(block), cfg.architecture().name() + ": the old layout reads back to the same config");
                SaeTrainer b = TrainingRun.resume(src, TrainingRun.Options.to(old));
                for (int i = 0; i < 4; i++) assertArrayEquals(a.params().list().get(i).toArray(), b.params().list().get(i).toArray(), cfg.architecture().name() + " parameter " + i);
            } finally {
                for (Path p : new Path[] {whole, split, old}) {
                    try (var s = Files.walk(p)) {
                        for (Path f : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
                    }
                }
            }
        }
    }
}
