package saelab.eval.experiment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import saelab.eval.report.HtmlReport;
import saelab.model.gemma2.Gemma2Model;
import saelab.train.sae.SaeParams;
import saelab.train.trainer.TrainConfig;

/**
 * A metric that needs the model itself, measured on each run's final SAE: the seam where the
 * model-based evaluations plug into the model experiment ({@link SpliceMetric} now; sparse
 * probing and first-letter absorption are meant to join the list given to
 * {@link ModelExperiment#run}). Its numbers join the run's final snapshot, so they reach
 * results.json ("final", and the per-variant spread in "summary"), the conclusion's inputs and
 * the report's tables through the columns it names; {@link #report} may add a section of its own.
 */
public interface ModelMetric {
    /**
     * What the metric may use: the experiment, the model (loaded once for all runs), the held-out
     * set, and the run's progress line (say what is going on when it takes more than a few seconds).
     */
    record Context(ExperimentConfig config, Gemma2Model model, HeldOutSet heldOut, Consumer<String> progress) {}

    /** Short name for progress lines and errors, e.g. "splice". */
    String name();

    /** Columns of the summary table (mean ± 95% t-interval over seeds). */
    List<ExperimentReport.Column> summaryColumns();

    /** Columns of the every-run table (raw values beside the scores). */
    List<ExperimentReport.Column> runColumns();

    /** Numbers for one run's final SAE, keyed as they are to appear in results.json. */
    Map<String, Double> measure(Context context, TrainConfig cfg, SaeParams sae);

    /** An optional section of report.html (after the summary) with this metric's own tables or plots under {@code plotDir}. */
    default void report(HtmlReport html, Experiment.Result result, Path plotDir) throws IOException {}

    /** The metrics a model experiment runs unless told otherwise. */
    static List<ModelMetric> defaults() { return List.of(new SpliceMetric()); }
}
