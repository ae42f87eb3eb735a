package saelab.eval.experiment;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import saelab.eval.probe.LabelledTexts;
import saelab.eval.probe.ProbeJson;
import saelab.eval.probe.SaeLatents;
import saelab.eval.probe.SparseProbing;
import saelab.eval.report.HtmlReport;
import saelab.eval.report.Plots;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.tokenizer.GemmaTokenizer;
import saelab.train.sae.SaeParams;
import saelab.train.trainer.TrainConfig;

/**
 * SAEBench's sparse probing ({@link SparseProbing}) of each run's final SAE on the labelled texts
 * of {@code --probe-data}, with {@code saelab probe}'s defaults (seed {@value #SEED}, 20% test,
 * context 128, L2 λ = 1), so that {@code saelab probe --sae OUT/runs/<run>} reproduces a run's
 * numbers. The residual side is computed once per experiment ({@link #prepare}): one pass of the
 * model over the texts, whose residual rows are kept when they fit in {@link #KEEP_FLOATS} floats
 * (otherwise each run passes the texts through the model again), and the residual baseline (the
 * split, the tasks, the k residual dimensions and their accuracy), the same for every SAE.
 * Per run: the test accuracy for each k of the k latents chosen by class-mean difference, mean
 * over tasks; the whole result (per task) in {@code runs/<run>/sparse-probing.json}.
 */
public final class SparseProbingMetric implements ModelMetric {
    /** {@code saelab probe}'s default seed. */
    public static final long SEED = 42;
    /** Residual rows kept in memory at most (1 GiB of floats); beyond, the model runs over the texts once per run. */
    static final long KEEP_FLOATS = 1L << 28;
    public static final String FILE = "sparse-probing.json";

    private final Path file;
    private final LabelledTexts data;
    private final long keepFloats;
    private SparseProbing.Settings settings;
    private List<int[]> sequences;
    private SparseProbing.TextResiduals kept;
    private SparseProbing.Baseline baseline;
    private long tokens;

    /** @param file where {@code data} came from (for the report) */
    public SparseProbingMetric(Path file, LabelledTexts data) {
        this(file, data, KEEP_FLOATS);
    }

    SparseProbingMetric(Path file, LabelledTexts data, long keepFloats) {
        this.file = file.toAbsolutePath().normalize();
        this.data = data;
        this.keepFloats = keepFloats;
    }

    /** The results.json key of the SAE latents' mean test accuracy at k. */
    public static String key(int k) { return "sparse_probing_top" + k + "_accuracy"; }

    @Override public String name() { return "sparse probing"; }

    /** The k evaluated: {1, 2, 5, 10, 20, 50} capped at min(m, d), once prepared. */
    int[] ks() { return baseline != null ? baseline.ks() : SparseProbing.KS; }

    @Override public void prepare(ExperimentConfig config, Gemma2Model model, Consumer<String> progress, Consumer<String> log) {
        ModelData md = config.model();
        settings = SparseProbing.Settings.defaults(md.layer(), SEED);
        sequences = SparseProbing.tokenize(GemmaTokenizer.load(md.model()), data.texts(), settings.context());
        tokens = sequences.stream().mapToLong(s -> s.length - 1).sum();
        int d = model.config().hiddenSize(), n = sequences.size();
        boolean keep = tokens * d <= keepFloats;
        SparseProbing.Pooled residual;
        if (keep) {
            kept = SparseProbing.residuals(model, md.layer(), sequences, settings.batch(),
                    done -> progress.accept(String.format(Locale.ROOT, "residuals of text %d of %d", done, n)));
            residual = SparseProbing.pool(kept, null);
        } else {
            residual = SparseProbing.pool(model, null, md.layer(), sequences, settings.batch(),
                    done -> progress.accept(String.format(Locale.ROOT, "residuals of text %d of %d", done, n)));
        }
        progress.accept("residual baseline: probes on residual dimensions");
        baseline = SparseProbing.baseline(residual, data.labels(), data.classes(), settings, config.m());
        log.accept(String.format(Locale.ROOT, "%s: %d texts (%d tokens pooled), labels %s, %d train / %d test; residual baseline top-1 %.3f, top-%d %.3f%s",
                file, n, tokens, data.classes(), baseline.train().length, baseline.test().length, baseline.meanResidualAccuracy()[0],
                ks()[ks().length - 1], baseline.meanResidualAccuracy()[ks().length - 1],
                keep ? "" : String.format(Locale.ROOT, " (%d tokens × %d floats do not fit in memory: the model runs over the texts once per run)", tokens, d)));
    }

    @Override public List<ExperimentReport.Column> summaryColumns() {
        int[] ks = ks();
        List<ExperimentReport.Column> cols = new ArrayList<>();
        cols.add(new ExperimentReport.Column(key(ks[0]), "probe top-" + ks[0] + " acc", 3));
        if (ks.length > 2) cols.add(new ExperimentReport.Column(key(ks[2]), "probe top-" + ks[2] + " acc", 3));
        return cols;
    }

    @Override public List<ExperimentReport.Column> runColumns() {
        List<ExperimentReport.Column> cols = new ArrayList<>();
        for (int k : ks()) cols.add(new ExperimentReport.Column(key(k), "probe top-" + k, 3));
        return cols;
    }

    /** The probing result of one SAE, beside the baseline computed once. */
    SparseProbing.Result probe(Context c, SaeLatents latents) {
        if (baseline == null) throw new IllegalStateException("sparse probing was not prepared");
        int n = sequences.size();
        SparseProbing.Pooled pooled = kept != null ? SparseProbing.pool(kept, latents)
                : SparseProbing.pool(c.model(), latents, settings.layer(), sequences, settings.batch(),
                        done -> c.progress().accept(String.format(Locale.ROOT, "eval: sparse probing, text %d of %d", done, n)));
        c.progress().accept("eval: sparse probing, probes on latents");
        return SparseProbing.evaluate(latents.description(), pooled, data.labels(), data.classes(), settings, baseline);
    }

    @Override public Map<String, Double> measure(Context c, TrainConfig cfg, SaeParams sae) {
        SparseProbing.Result r = probe(c, SaeLatents.of(cfg, sae));
        ProbeJson.write(c.runDir().resolve(FILE), r);
        saelab.eval.saebench.ExperimentSaeBench.sparseProbing(c, cfg, r, settings, file);
        Map<String, Double> o = new LinkedHashMap<>();
        for (int q = 0; q < r.ks().length; q++) o.put(key(r.ks()[q]), r.saeAccuracy()[q]);
        return o;
    }

    @Override public void results(ObjectNode o) {
        if (baseline == null) return; // not prepared: nothing measured
        o.put("data", file.toString());
        o.put("texts", sequences.size());
        o.put("tokens_pooled", tokens);
        ArrayNode classes = o.putArray("classes");
        data.classes().forEach(classes::add);
        o.put("train", baseline.train().length);
        o.put("test", baseline.test().length);
        o.put("seed", settings.seed());
        o.put("layer", settings.layer());
        o.put("context", settings.context());
        o.put("l2", settings.l2());
        o.put("residual_rows_kept", kept != null);
        ArrayNode ks = o.putArray("ks");
        for (int k : baseline.ks()) ks.add(k);
        ArrayNode mean = o.putArray("residual_accuracy");
        for (double a : baseline.meanResidualAccuracy()) mean.add(a);
        ArrayNode tasks = o.putArray("tasks");
        for (int t = 0; t < baseline.positives().size(); t++) {
            ObjectNode task = tasks.addObject();
            task.put("positive_class", data.classes().get(baseline.positives().get(t)));
            ArrayNode acc = task.putArray("residual_accuracy");
            for (double a : baseline.residualAccuracy().get(t)) acc.add(a);
        }
        o.put("per_run_file", "runs/<variant>-seed<s>/" + FILE);
    }

    @Override public void report(HtmlReport h, Experiment.Result r, Path plotDir) throws IOException {
        if (baseline == null) return;
        int[] ks = ks();
        h.heading("Sparse probing");
        int tasks = baseline.positives().size();
        h.paragraph(String.format(Locale.ROOT, "SAEBench's sparse probing on %s: %d texts labelled %s (%s), each cut to %d tokens, run to layer %d; "
                        + "latents and residual mean-pooled over the tokens (<bos> excluded, %d tokens in all); %d train / %d test texts (seed %d). "
                        + "For each k, the k latents (or residual dimensions) with the largest |class-mean difference| on the train split, a logistic "
                        + "regression on them (scikit-learn's C = 1), accuracy on the test split%s. The residual baseline does not depend on the SAE: "
                        + "computed once. Latent columns: mean ± 95%% t-interval over seeds. Every number is in results.json, each run's per task in "
                        + "runs/<variant>-seed<s>/%s; `saelab probe --model %s --sae runs/<variant>-seed<s> --data %s` reproduces a run.",
                file, sequences.size(), data.classes(), tasks == 1 ? "one task" : tasks + " one-vs-rest tasks", settings.context(), settings.layer(),
                tokens, baseline.train().length, baseline.test().length, settings.seed(), tasks == 1 ? "" : ", averaged over the tasks", FILE,
                r.config().model().model(), file));
        List<String> header = new ArrayList<>(List.of("k", "residual dims"));
        r.config().variants().forEach(v -> header.add(v.id() + " latents"));
        List<List<String>> rows = new ArrayList<>();
        for (int q = 0; q < ks.length; q++) {
            List<String> row = new ArrayList<>(List.of(Integer.toString(ks[q]), String.format(Locale.ROOT, "%.3f", baseline.meanResidualAccuracy()[q])));
            for (Variant v : r.config().variants()) row.add(Experiment.finalSpread(r, v.id(), key(ks[q])).format(3));
            rows.add(row);
        }
        h.table(header, rows);
        Map<String, double[][]> series = new LinkedHashMap<>();
        double[] xs = new double[ks.length];
        for (int q = 0; q < ks.length; q++) xs[q] = ks[q];
        series.put("residual dims", new double[][] {xs, baseline.meanResidualAccuracy().clone()});
        for (Variant v : r.config().variants()) {
            double[] ys = new double[ks.length];
            for (int q = 0; q < ks.length; q++) ys[q] = Experiment.finalSpread(r, v.id(), key(ks[q])).mean();
            series.put(v.id(), new double[][] {xs, ys});
        }
        Path png = Plots.lines(plotDir.resolve("sparse-probing.png"), "Sparse probing: test accuracy of k latents vs k residual dimensions", "k (log)",
                "test accuracy (mean over tasks" + (r.config().seeds().size() > 1 ? " and seeds)" : ")"), series, true, false, true);
        h.image(png, "Test accuracy of a logistic regression on the top-k latents of each variant's final SAEs (mean over seeds), beside the top-k "
                + "residual dimensions; higher is better, chance is the majority class's share of the test texts.");
    }
}
