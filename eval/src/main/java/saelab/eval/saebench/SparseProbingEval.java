package saelab.eval.saebench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import saelab.eval.probe.SparseProbing;

/**
 * SAEBench's sparse_probing file from saelab's {@link SparseProbing.Result} on one labelled data
 * file: the "llm" group (top-k residual dimensions) and the "sae" group (top-k latents) for
 * k = 1, 2, 5, 10, 20, 50, 100, and one detail entry for the data file (SAEBench lists one per
 * dataset, named "<dataset>_results"). The full-width probes (llm_test_accuracy,
 * sae_test_accuracy) and any k saelab did not evaluate are null.
 */
public final class SparseProbingEval {
    private SparseProbingEval() {}

    /** SAEBench's k of the top-k probes, in its order. */
    static final int[] KS = {1, 2, 5, 10, 20, 50, 100};

    public static Path write(Path root, SaeIdentity sae, String model, String dataset, SparseProbing.Result r, SparseProbing.Settings s) {
        return SaeBenchFile.write(root, sae, document(sae, model, dataset, r, s));
    }

    static ObjectNode document(SaeIdentity sae, String model, String dataset, SparseProbing.Result r, SparseProbing.Settings s) {
        ObjectNode cfg = SaeBenchFile.JSON.createObjectNode();
        cfg.put("random_seed", r.seed());
        cfg.putArray("dataset_names").add(dataset);
        cfg.put("probe_train_set_size", r.train());
        cfg.put("probe_test_set_size", r.test());
        cfg.put("context_length", s.context());
        cfg.putNull("sae_batch_size");
        cfg.put("llm_batch_size", s.batch());
        cfg.put("llm_dtype", "float32");
        cfg.put("model_name", model);
        ArrayNode ks = cfg.putArray("k_values");
        for (int k : r.ks()) ks.add(k);
        cfg.put("lower_vram_usage", false);

        ObjectNode metrics = SaeBenchFile.JSON.createObjectNode();
        accuracies(metrics.putObject("llm"), "llm", r.ks(), r.residualAccuracy());
        accuracies(metrics.putObject("sae"), "sae", r.ks(), r.saeAccuracy());
        ArrayNode details = SaeBenchFile.JSON.createArrayNode();
        ObjectNode d = details.addObject();
        d.put("dataset_name", dataset + "_results");
        accuracies(d, "llm", r.ks(), r.residualAccuracy());
        accuracies(d, "sae", r.ks(), r.saeAccuracy());
        return SaeBenchFile.document(SaeBenchFile.SPARSE_PROBING, cfg, metrics, details, sae);
    }

    private static void accuracies(ObjectNode o, String prefix, int[] ks, double[] accuracy) {
        o.putNull(prefix + "_test_accuracy");
        for (int k : KS) {
            Double v = null;
            for (int q = 0; q < ks.length; q++) if (ks[q] == k) v = accuracy[q];
            SaeBenchFile.number(o, prefix + "_top_" + k + "_test_accuracy", v);
        }
    }
}
