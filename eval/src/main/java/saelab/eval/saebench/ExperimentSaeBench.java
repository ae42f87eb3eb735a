package saelab.eval.saebench;

import java.nio.file.Path;
import saelab.eval.experiment.ExperimentConfig;
import saelab.eval.experiment.ModelData;
import saelab.eval.experiment.ModelMetric;
import saelab.eval.experiment.Snapshot;
import saelab.eval.probe.FirstLetterAbsorption;
import saelab.eval.probe.SparseProbing;
import saelab.train.trainer.TrainConfig;

/**
 * The experiment's SAEBench files: every run's final SAE under {@code OUT/eval_results/}, release
 * "saelab_<experiment folder>", id the run's folder name ("topk-seed0"); the core file from the
 * final snapshot, the absorption and sparse-probing files where those metrics ran.
 */
public final class ExperimentSaeBench {
    private ExperimentSaeBench() {}

    static Path root(ExperimentConfig e) {
        return e.out().resolve(SaeBenchFile.ROOT);
    }

    static SaeIdentity identity(ExperimentConfig e, Path runDir, TrainConfig cfg) {
        Path name = e.out().toAbsolutePath().normalize().getFileName();
        return SaeIdentity.of("saelab_" + (name == null ? "experiment" : name), runDir.getFileName().toString(), cfg,
                e.onModel() ? e.model().context() : null);
    }

    /**
     * Writes the run's core file when {@code last} (the final snapshot), and returns the snapshot,
     * so the evaluator can hand it on unchanged.
     *
     * @param rows rows the snapshot's reconstruction and sparsity metrics were measured on
     */
    public static Snapshot core(ExperimentConfig e, Path runDir, TrainConfig cfg, Snapshot s, boolean last, long rows) {
        if (!last) return s;
        ModelData md = e.model();
        CoreEval.Setup setup = md == null ? new CoreEval.Setup(e.sourceSpec(), e.sourceSpec(), null, 0, rows)
                : new CoreEval.Setup(md.model().toString(), md.data().toString(), md.context(), s.has(saelab.eval.experiment.SpliceMetric.KL_SCORE)
                ? md.heldOutRows() : 0, rows);
        CoreEval.write(root(e), identity(e, runDir, cfg), s.metrics(), setup);
        return s;
    }

    public static void absorption(ModelMetric.Context c, TrainConfig cfg, FirstLetterAbsorption.Result r, FirstLetterAbsorption.Settings s) {
        AbsorptionEval.write(root(c.config()), identity(c.config(), c.runDir(), cfg), c.config().model().model().toString(), r, s);
    }

    public static void sparseProbing(ModelMetric.Context c, TrainConfig cfg, SparseProbing.Result r, SparseProbing.Settings s, Path data) {
        SparseProbingEval.write(root(c.config()), identity(c.config(), c.runDir(), cfg), c.config().model().model().toString(),
                data.getFileName().toString(), r, s);
    }
}
