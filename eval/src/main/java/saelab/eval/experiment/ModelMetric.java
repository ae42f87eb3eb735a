package saelab.eval.experiment;

import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * model-based evaluations plug into the model experiment ({@link SpliceMetric},
 * {@link SparseProbingMetric}, {@link FirstLetterAbsorptionMetric}). Its numbers join the run's
 * final snapshot, so they reach results.json ("final", and the per-variant spread in "summary"),
 * the conclusion's inputs and the report's tables through the columns it names; {@link #report}
 * may add a section of its own and {@link #results} a block of results.json. Work that does not
 * depend on the SAE (residual passes, probes on residuals) belongs in {@link #prepare}, done once
 * per experiment before any run trains, so bad inputs also show up before hours of training.
 */
public interface ModelMetric {
    /**
     * What the metric may use for one run: the experiment, the model (loaded once for all runs), the
     * held-out set, the run's folder (its checkpoint is there; a metric may write its own file
     * beside it), and the run's progress line (say what is going on when it takes more than a few seconds).
     */
    record Context(ExperimentConfig config, Gemma2Model model, HeldOutSet heldOut, Path runDir, Consumer<String> progress) {}

    /** Short name for progress lines, errors and results.json, e.g. "splice". */
    String name();

    /** False for a metric that was not run (the report says why): {@link #notRun}. */
    default boolean ran() { return true; }

    /**
     * Once per experiment, after the model is loaded and before the first run trains.
     *
     * @param progress a status line (redrawn in place on a terminal, every few seconds into a log)
     * @param log      lines to keep (what was prepared)
     */
    default void prepare(ExperimentConfig config, Gemma2Model model, Consumer<String> progress, Consumer<String> log) {}

    /** Columns of the summary table (mean ± 95% t-interval over seeds). */
    List<ExperimentReport.Column> summaryColumns();

    /** Columns of the every-run table (raw values beside the scores). */
    List<ExperimentReport.Column> runColumns();

    /** Numbers for one run's final SAE, keyed as they are to appear in results.json. */
    Map<String, Double> measure(Context context, TrainConfig cfg, SaeParams sae);

    /** An optional section of report.html (after the summary) with this metric's own tables or plots under {@code plotDir}. */
    default void report(HtmlReport html, Experiment.Result result, Path plotDir) throws IOException {}

    /** What the metric holds for the whole experiment (not per run), written to results.json under "model_metrics"."name". */
    default void results(ObjectNode node) {}

    /** The metrics a model experiment runs unless told otherwise. */
    static List<ModelMetric> defaults() { return List.of(new SpliceMetric()); }

    /** A metric that was not run: no columns, and a report section (and results.json entry) saying why and how to run it. */
    static ModelMetric notRun(String name, String heading, String why) { return new NotRun(name, heading, why); }

    record NotRun(String name, String heading, String why) implements ModelMetric {
        @Override public boolean ran() { return false; }

        @Override public List<ExperimentReport.Column> summaryColumns() { return List.of(); }

        @Override public List<ExperimentReport.Column> runColumns() { return List.of(); }

        @Override public Map<String, Double> measure(Context context, TrainConfig cfg, SaeParams sae) { return Map.of(); }

        @Override public void report(HtmlReport html, Experiment.Result result, Path plotDir) {
            html.heading(heading);
            html.paragraph(why);
        }

        @Override public void results(ObjectNode node) {
            node.put("run", false);
            node.put("why", why);
        }
    }
}
