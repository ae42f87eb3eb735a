package saelab.eval.saebench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.UUID;
import saelab.model.AtomicFiles;

/**
 * One SAEBench result file: the envelope every SAEBench eval writes around its metrics, and where
 * SAEBench puts it (sae_bench_utils/general_utils.get_results_filepath).
 */
public final class SaeBenchFile {
    private SaeBenchFile() {}

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The folder SAEBench's evals write under, beside each type's subfolder. */
    public static final String ROOT = "eval_results";
    public static final String CORE = "core", ABSORPTION = "absorption_first_letter", SPARSE_PROBING = "sparse_probing";
    /**
     * The SAEBench commit whose output format these files follow: the one that wrote the seed
     * experiment's baseline results (their sae_bench_commit_hash). SAEBench itself did not run.
     */
    public static final String FORMAT_COMMIT = "5305f3c1b8d29cb4db6bd2dbbdf587e40053f2ba";

    /** {@code root/<evalType>/<release>_<saeId>_eval_results.json}, '/' in the name replaced by '_' as SAEBench does. */
    public static Path path(Path root, String evalType, SaeIdentity sae) {
        return root.resolve(evalType).resolve((sae.release() + "_" + sae.saeId() + "_eval_results.json").replace('/', '_'));
    }

    /** The whole document, in SAEBench's field order. */
    static ObjectNode document(String evalType, ObjectNode evalConfig, ObjectNode metrics, ArrayNode details, SaeIdentity sae) {
        ObjectNode o = JSON.createObjectNode();
        o.put("eval_type_id", evalType);
        o.set("eval_config", evalConfig);
        o.put("eval_id", UUID.randomUUID().toString());
        o.put("datetime_epoch_millis", System.currentTimeMillis());
        o.set("eval_result_metrics", metrics);
        o.set("eval_result_details", details);
        o.put("sae_bench_commit_hash", FORMAT_COMMIT);
        o.put("sae_lens_id", sae.saeId());
        o.put("sae_lens_release_id", sae.release());
        o.putNull("sae_lens_version"); // not a SAELens SAE
        o.set("sae_cfg_dict", sae.cfgDict());
        ObjectNode producer = o.putObject("eval_result_unstructured");
        producer.put("producer", "saelab");
        producer.put("saelab_commit", System.getProperty("saelab.commit", "unknown"));
        producer.put("note", "computed by saelab in the file format of SAEBench commit " + FORMAT_COMMIT + "; null = not computed by saelab");
        return o;
    }

    /** Writes {@code doc} atomically (readable by all) to its SAEBench path under {@code root}; returns that path. */
    static Path write(Path root, SaeIdentity sae, ObjectNode doc) {
        Path file = path(root, doc.get("eval_type_id").asText(), sae);
        try {
            AtomicFiles.write(file, JSON.writeValueAsBytes(doc));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(file + ": cannot encode the SAEBench result", e);
        }
        return file;
    }

    /** A number, or null when saelab has none (absent, NaN or infinite: SAEBench writes null for what it did not compute). */
    static void number(ObjectNode o, String key, Double v) {
        if (v == null || !Double.isFinite(v)) o.putNull(key);
        else o.put(key, v);
    }
}
