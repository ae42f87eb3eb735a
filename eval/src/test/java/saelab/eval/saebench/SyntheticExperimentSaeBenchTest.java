package saelab.eval.saebench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.eval.experiment.Experiment;
import saelab.eval.experiment.ExperimentConfig;
import saelab.eval.experiment.Snapshot;
import saelab.eval.experiment.Variant;

/**
 * A tiny synthetic experiment writes one SAEBench core file per run, where SAEBench would, that
 * passes the schema written from the seed's SAEBench results, carries the run's own final numbers,
 * and leaves what needs a model (KL, CE) null.
 */
class SyntheticExperimentSaeBenchTest {
    @TempDir Path dir;

    @Test void everyRunGetsACoreFileWithItsOwnNumbers() throws Exception {
        Path out = dir.resolve("exp");
        ExperimentConfig cfg = ExperimentConfig.synthetic(out, Variant.select(List.of("topk", "standard")), List.of(0L), 12, 128, 2, 512, 256, 8,
                "small", 0, 0.9, ExperimentConfig.DEFAULT_EV_MARGIN);
        Experiment.Result r = Experiment.run(cfg, null);
        JsonNode schema = SchemaCheck.schema(SaeBenchFile.CORE);
        assertEquals(2, r.runs().size());
        for (Experiment.RunResult run : r.runs()) {
            Path file = out.resolve("eval_results/core/saelab_exp_" + run.variant() + "-seed0_eval_results.json");
            assertTrue(Files.isRegularFile(file), file.toString());
            assertTrue(Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ), "readable by others");
            JsonNode doc = new ObjectMapper().readTree(file.toFile());
            assertEquals(List.of(), SchemaCheck.violations(schema, doc));
            JsonNode m = doc.get("eval_result_metrics");
            Snapshot last = run.last();
            // Written from the same doubles: equal exactly.
            assertEquals(last.get(Snapshot.EV), m.at("/reconstruction_quality/explained_variance").asDouble(), 0);
            assertEquals(last.get(Snapshot.MSE), m.at("/reconstruction_quality/mse").asDouble(), 0);
            assertEquals(last.get(Snapshot.L0), m.at("/sparsity/l0").asDouble(), 0);
            assertEquals(last.get(Snapshot.ACTIVE) / 256, m.at("/misc_metrics/frac_alive").asDouble(), 0);
            assertTrue(m.at("/model_behavior_preservation/kl_div_score").isNull(), "no model, no KL");
            assertTrue(m.at("/model_performance_preservation/ce_loss_score").isNull());
            assertTrue(m.at("/shrinkage/l2_norm_in").isNull(), "not computed by saelab");
            assertEquals(512, m.at("/token_stats/total_tokens_eval_sparsity_variance").asLong());
            assertEquals(256, doc.at("/sae_cfg_dict/d_sae").asInt());
            assertEquals(run.variant() + "-seed0", doc.get("sae_lens_id").asText());
        }
        // Two files, two distinct eval ids.
        assertFalse(new ObjectMapper().readTree(out.resolve("eval_results/core/saelab_exp_topk-seed0_eval_results.json").toFile()).get("eval_id")
                .equals(new ObjectMapper().readTree(out.resolve("eval_results/core/saelab_exp_standard-seed0_eval_results.json").toFile()).get("eval_id")));
    }

    /** The validator is not blind: a missing key, a wrong type, an extra top-level key and a wrong eval type are each reported. */
    @Test void theSchemaCheckRejectsBrokenDocuments() throws Exception {
        ObjectNode doc = CoreEval.document(new SaeIdentity("r", "s", SaeIdentity.ofCfgJson("r", "s",
                new ObjectMapper().readTree("{\"d_in\": 8, \"d_sae\": 16, \"model_name\": \"m\", \"hook_name\": \"blocks.3.hook_resid_post\"}")).cfgDict()),
                java.util.Map.of(Snapshot.EV, 0.5, Snapshot.L0, 3.0), new CoreEval.Setup("m", "d", 16, 0, 10));
        JsonNode schema = SchemaCheck.schema(SaeBenchFile.CORE);
        assertEquals(List.of(), SchemaCheck.violations(schema, doc));
        assertEquals(3, doc.at("/sae_cfg_dict/hook_layer").asInt());
        ObjectNode broken = doc.deepCopy();
        broken.remove("eval_id");
        ((ObjectNode) broken.get("eval_result_metrics").get("sparsity")).put("l0", "three");
        broken.put("extra", 1);
        broken.put("eval_type_id", "sparse_probing");
        List<String> v = SchemaCheck.violations(schema, broken);
        assertEquals(4, v.size(), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.contains("'eval_id'")) && v.stream().anyMatch(s -> s.contains("sparsity.l0"))
                && v.stream().anyMatch(s -> s.contains("'extra'")) && v.stream().anyMatch(s -> s.contains("eval_type_id")), v.toString());
    }
}
