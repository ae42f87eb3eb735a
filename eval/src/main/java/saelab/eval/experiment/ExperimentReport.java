package saelab.eval.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import saelab.eval.report.HtmlReport;
import saelab.eval.report.SeedSpread;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.source.SyntheticConfig;

/**
 * Writes an experiment's results into its folder: results.json ({@link ResultsJson}), the PNG
 * plots under plots/ ({@link ExperimentPlots}), and report.html (the plots embedded, the summary
 * table, every run's numbers, and the computed conclusion). A table column shows only when the
 * runs measured its metric: the ground-truth and absorption columns on synthetic data, the model
 * metrics' columns ({@link ModelMetric}) on a model.
 */
public final class ExperimentReport {
    private ExperimentReport() {}

    /** A table column: metric, label, decimals. */
    public record Column(String key, String label, int digits) {
        String format(double v) { return String.format(Locale.ROOT, "%." + digits + "f", v); }
    }

    /** The summary table's columns on synthetic data. */
    public static final List<Column> SUMMARY = List.of(
            new Column(Snapshot.EV, "explained variance", 4),
            new Column(Snapshot.L0, "L0", 1),
            new Column(Snapshot.MCC, "MCC", 4),
            new Column(Snapshot.ABSORPTION, "absorption", 4),
            new Column(Snapshot.PARENT_RECALL, "parent recall", 3),
            new Column(Snapshot.CHILD_RECALL, "child recall", 3),
            new Column(Snapshot.F1, "F1 (SynthSAEBench)", 3),
            new Column(Snapshot.UNIQUENESS, "uniqueness", 3),
            new Column(Snapshot.DEAD, "dead", 1),
            new Column(Snapshot.COFIRE_COS, "diagnostic: co-firing pair |cos|", 4));

    /** The summary table's columns on a model, before and after the model metrics' own. */
    static final List<Column> MODEL_SUMMARY_HEAD = List.of(new Column(Snapshot.EV, "explained variance", 3), new Column(Snapshot.L0, "L0", 1));
    static final List<Column> MODEL_SUMMARY_TAIL = List.of(new Column(Snapshot.DEAD, "dead latents", 0),
            new Column(Snapshot.COFIRE_COS, "co-firing pair |cos|", 4), new Column(Snapshot.ALL_COS, "all-pair |cos|", 4));

    /** The every-run table's metric columns (the model metrics' columns go after dense); absent metrics are left out. */
    static final List<Column> RUN_HEAD = List.of(new Column(Snapshot.EV, "EV", 4), new Column(Snapshot.EV_LEGACY, "EV (legacy)", 4),
            new Column(Snapshot.MSE, "MSE", 4), new Column(Snapshot.COSINE, "cos(x, x̂)", 4), new Column(Snapshot.L0, "L0", 1),
            new Column(Snapshot.DEAD, "dead", 0), new Column(Snapshot.DENSE, "dense", 0));
    static final List<Column> RUN_TAIL = List.of(new Column(Snapshot.MCC, "MCC", 4), new Column(Snapshot.SIGNED_COS, "Hungarian signed cos", 4),
            new Column(Snapshot.F1, "F1", 3), new Column(Snapshot.BAR_RECALL, "recall at cos bar", 3), new Column(Snapshot.UNIQUENESS, "uniqueness", 3),
            new Column(Snapshot.ABSORPTION, "absorption", 4), new Column(Snapshot.PARENT_RECALL, "parent recall", 3),
            new Column(Snapshot.CHILD_RECALL, "child recall", 3), new Column(Snapshot.COFIRE_PAIRS, "co-firing pairs", 0),
            new Column(Snapshot.COFIRE_COS, "co-firing |cos|", 4));

    /** The per-phase table's columns (means over seeds); absent metrics are left out. */
    static final List<Column> PHASE = List.of(new Column(Snapshot.STEP, "step", 0), new Column(Snapshot.LAMBDA2, "λ2(p)", 4),
            new Column(Snapshot.THRESHOLD, "threshold(p)", 4), new Column(Snapshot.ACTIVE, "active latents", 1), new Column(Snapshot.EV, "EV", 4),
            new Column(Snapshot.MCC, "MCC", 4), new Column(Snapshot.ABSORPTION, "absorption", 4),
            new Column(Snapshot.TRUE_PAIRS_ABOVE, "true pairs n > threshold(p) (n by batch)", 0),
            new Column(Snapshot.TRUE_PARENT_CHILD_ABOVE, "of them parent/child", 0),
            new Column(Snapshot.LATENT_PAIRS_ABOVE, "latent pairs n > threshold(p) (n as the penalty normalises it)", 0), new Column(Snapshot.COFIRE_PAIRS, "co-firing pairs", 0),
            new Column(Snapshot.COFIRE_COS, "co-firing |cos|", 4), new Column(Snapshot.ALL_COS, "all-pair |cos|", 4));

    /** The summary table's columns for this experiment: those of its kind, and only the metrics its runs measured. */
    public static List<Column> summaryColumns(Experiment.Result r) {
        List<Column> cols = new ArrayList<>();
        if (r.onModel()) {
            cols.addAll(MODEL_SUMMARY_HEAD);
            r.model().metrics().forEach(m -> cols.addAll(m.summaryColumns()));
            cols.addAll(MODEL_SUMMARY_TAIL);
        } else {
            cols.addAll(SUMMARY);
        }
        return present(cols, r.runs().getFirst().last());
    }

    static List<Column> runColumns(Experiment.Result r) {
        List<Column> cols = new ArrayList<>(RUN_HEAD);
        if (r.onModel()) r.model().metrics().forEach(m -> cols.addAll(m.runColumns()));
        cols.addAll(RUN_TAIL);
        return present(cols, r.runs().getFirst().last());
    }

    private static List<Column> present(List<Column> cols, Snapshot s) {
        return cols.stream().filter(c -> s.has(c.key())).collect(Collectors.toMap(Column::key, Function.identity(), (a, b) -> a, LinkedHashMap::new))
                .values().stream().toList();
    }

    /** variant → metric → spread over seeds, for every metric of the final snapshot. */
    public static Map<String, Map<String, SeedSpread>> summary(Experiment.Result r) {
        Map<String, Map<String, SeedSpread>> s = new LinkedHashMap<>();
        for (Variant v : r.config().variants()) {
            Map<String, SeedSpread> m = new LinkedHashMap<>();
            for (String key : r.of(v.id()).getFirst().last().metrics().keySet()) m.put(key, Experiment.finalSpread(r, v.id(), key));
            s.put(v.id(), m);
        }
        return s;
    }

    public static String conclusion(Experiment.Result r) { return Verdicts.conclusion(r, Verdicts.of(r)); }

    /** Writes results.json, plots/*.png and report.html; returns report.html's path. */
    public static Path write(Experiment.Result r, Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Map<String, SeedSpread>> summary = summary(r);
        List<Verdicts.Row> verdicts = Verdicts.of(r);
        String conclusion = Verdicts.conclusion(r, verdicts);
        ResultsJson.write(r, summary, verdicts, conclusion, dir.resolve("results.json"));
        List<ExperimentPlots.Plot> plots = ExperimentPlots.write(r, dir.resolve("plots"));
        return html(r, summary, verdicts, conclusion, plots, dir.resolve("plots"), dir.resolve("report.html"));
    }

    /** The verdict table: family, comparison, metric, Δ ± 95% CI, Holm p, verdict, and what an inconclusive row could have seen. */
    static void verdictTable(HtmlReport h, Experiment.Result r, List<Verdicts.Row> rows) {
        Map<String, Verdicts.Shown> shown = new LinkedHashMap<>();
        for (Verdicts.Shown s : Verdicts.metrics(r)) shown.put(s.metric().name(), s);
        List<List<String>> out = new ArrayList<>();
        for (Verdicts.Row row : rows) {
            var v = row.row();
            Verdicts.Shown s = shown.get(v.metric().name());
            String f = "%+." + s.digits() + "f";
            String delta = v.n() < 2 ? String.format(Locale.ROOT, f, v.meanDifference())
                    : String.format(Locale.ROOT, f + " [" + f + ", " + f + "]", v.meanDifference(), v.ciLow(), v.ciHigh());
            String verdict = Verdicts.word(v.verdict());
            if (v.metric().hasMargin()) {
                String margin = "±" + Verdicts.plain(v.metric().equivalenceMargin());
                verdict += Verdicts.withinMargin(v) && v.verdict() != saelab.eval.stats.Verdict.EQUIVALENT
                        ? String.format(Locale.ROOT, " but within %s (TOST p %.2g)", margin, v.tostP())
                        : String.format(Locale.ROOT, " (margin %s, TOST p %.2g)", margin, v.tostP());
            }
            if (v.verdict() == saelab.eval.stats.Verdict.INCONCLUSIVE && Double.isFinite(v.detectableEffect())) {
                verdict += String.format(Locale.ROOT, " (detectable: %.2g%s)", v.detectableEffect(),
                        v.seedsNeeded() > 0 ? String.format(Locale.ROOT, "; observed needs %d seeds", v.seedsNeeded()) : "");
            }
            if (row.noTest()) verdict += "; " + row.caveat();
            out.add(List.of(row.family(), v.comparison().label(), s.label(), delta, Double.isNaN(v.holmP()) ? "–" : String.format(Locale.ROOT, "%.3g", v.holmP()),
                    Double.isFinite(v.cohenDz()) ? String.format(Locale.ROOT, "%.2f", v.cohenDz()) : v.cohenDz() > 0 ? "+∞" : v.cohenDz() < 0 ? "−∞" : "–", verdict));
        }
        h.table(List.of("family", "comparison", "metric", "Δ (a − b) [95% CI]", "Holm p", "Cohen's d_z", "verdict"), out);
    }

    static Path html(Experiment.Result r, Map<String, Map<String, SeedSpread>> summary, List<Verdicts.Row> verdicts, String conclusion,
                     List<ExperimentPlots.Plot> plots, Path plotDir, Path file) throws IOException {
        ExperimentConfig c = r.config();
        HtmlReport h;
        if (r.onModel()) {
            h = new HtmlReport("saelab experiment: adaptive vs static orthogonal vs TopK SAEs on " + c.model().modelName() + " activations");
            h.paragraph(modelIntro(r));
        } else {
            SyntheticConfig s = r.synthetic();
            h = new HtmlReport("saelab experiment: adaptive vs static orthogonal vs TopK SAEs on synthetic ground truth");
            h.paragraph(String.format(Locale.ROOT, "%d variants × %d seeds (%s), each trained for %d steps of %d rows (m = %d latents, TopK k = %d) on %s: "
                            + "%d true features in d = %d, %d hierarchy roots with %d exclusive children each, ~%.0f active per sample. "
                            + "Evaluated at %d phases on a held-out batch of %d rows (batch index %d, never used in training); "
                            + "recovered = best cosine ≥ %.2f. Seeds vary the SAE initialisation; the data are the same. Wall time %.0f s.",
                    c.variants().size(), c.seeds().size(), c.seeds(), c.steps(), c.batch(), c.m(), c.k(), c.sourceSpec(), s.features(), s.dim(),
                    s.hierarchyRoots(), s.branching(), s.meanActive(), c.phases(), c.evalRows(), ExperimentConfig.HELD_OUT_INDEX, c.recoveryBar(), r.seconds()));
        }
        h.heading("Verdict");
        h.paragraph(conclusion);
        verdictTable(h, r, verdicts);
        h.paragraph("Each row compares variant a with variant b on the same seeds (a seed fixes the SAE's initialisation and, on synthetic data, "
                + "its stream of training batches): Δ is the mean of the per-seed differences a − b with its 95% paired-t interval; p-values are "
                + "Holm-corrected within the family (primary: the research question; secondary: the schedules and controls); better/worse means "
                + "Holm p < 0.05 in the metric's good/bad direction; reconstruction is 'equivalent' only when a paired TOST puts ΔEV within the "
                + "margin; an inconclusive row gives the smallest difference these seeds detect with 80% power and the seeds the observed one would need.");
        String scale = penaltyScale(r);
        if (!scale.isEmpty()) h.paragraph(scale);
        h.heading("Summary: mean ± 95% t-interval over seeds");
        List<Column> cols = summaryColumns(r);
        List<String> header = new ArrayList<>(List.of("variant", "seeds"));
        cols.forEach(col -> header.add(col.label()));
        List<List<String>> rows = new ArrayList<>();
        for (Variant v : c.variants()) {
            List<String> row = new ArrayList<>(List.of(v.id(), Integer.toString(r.of(v.id()).size())));
            for (Column col : cols) row.add(summary.get(v.id()).get(col.key()).format(col.digits()));
            rows.add(row);
        }
        h.table(header, rows);
        if (r.onModel()) {
            for (ModelMetric m : r.model().metrics()) m.report(h, r, plotDir);
        }
        h.heading("Variants");
        h.table(List.of("variant", "configuration", "lr"), c.variants().stream().map(v -> List.of(v.id(), v.description(),
                String.format(Locale.ROOT, "%.2g", c.onModel() ? v.modelLr(c.m()) : v.lr()))).toList());
        h.heading("Plots");
        for (ExperimentPlots.Plot p : plots) {
            if (p.png() == null) h.paragraph(p.missing());
            else h.image(p.png(), ExperimentPlots.caption(p.name()));
        }
        h.heading("Every run (final snapshot)");
        List<Column> rc = runColumns(r);
        List<String> rh = new ArrayList<>(List.of("variant", "seed"));
        rc.forEach(col -> rh.add(col.label()));
        rh.add("train s");
        List<List<String>> rr = new ArrayList<>();
        for (Experiment.RunResult run : r.runs()) {
            List<String> row = new ArrayList<>(List.of(run.variant(), Long.toString(run.seed())));
            for (Column col : rc) row.add(col.format(run.last().get(col.key())));
            row.add(String.format(Locale.ROOT, "%.1f", run.trainSeconds()));
            rr.add(row);
        }
        h.table(rh, rr);
        h.heading("Per phase (mean over seeds)");
        // A column shows when any run measured it (the latent pairs above threshold(p) only exist for co-firing penalties).
        List<Column> pc = PHASE.stream().filter(col -> r.runs().stream().anyMatch(x -> x.phases().getFirst().has(col.key()))).toList();
        List<String> ph = new ArrayList<>(List.of("variant", "phase"));
        pc.forEach(col -> ph.add(col.label()));
        List<List<String>> pr = new ArrayList<>();
        for (Variant v : c.variants()) {
            List<Experiment.RunResult> runs = r.of(v.id());
            for (int i = 0; i < c.phases(); i++) {
                final int fi = i;
                List<String> row = new ArrayList<>(List.of(v.id(), Integer.toString(i + 1)));
                for (Column col : pc) {
                    row.add(runs.getFirst().phases().get(fi).has(col.key())
                            ? col.format(runs.stream().mapToDouble(x -> x.phases().get(fi).get(col.key())).average().orElse(Double.NaN)) : "–");
                }
                pr.add(row);
            }
        }
        h.table(ph, pr);
        h.heading("Configuration");
        h.paragraph("Commit " + System.getProperty("saelab.commit", "unknown") + "; source " + c.sourceSpec()
                + (r.synthetic() != null ? " (" + r.synthetic() + ")" : "") + String.format(Locale.ROOT, "; %d steps × %d rows, m %d, k %d, %d phases, "
                + "ΔEV equivalence margin ±%.3g.", c.steps(), c.batch(), c.m(), c.k(), c.phases(), c.evMargin()));
        h.paragraph("Every number above is in results.json beside this file, with each run's training curve and the verdict table as data; each run's "
                + "SAELens checkpoint (sae_weights.safetensors, cfg.json) and log.jsonl are in runs/<variant>-seed<seed>/"
                + (r.onModel() ? "." : "; the true features are in ground-truth.safetensors (directions [features, d], parent [features], −1 for a root)."));
        return h.write(file);
    }

    static String modelIntro(Experiment.Result r) {
        ExperimentConfig c = r.config();
        ModelData md = c.model();
        ModelExperiment.Info info = r.model();
        String metrics = info.metrics().stream().filter(ModelMetric::ran).map(ModelMetric::name).collect(Collectors.joining(", "));
        String notRun = info.metrics().stream().filter(m -> !m.ran()).map(ModelMetric::name).collect(Collectors.joining(", "));
        if (!notRun.isEmpty()) metrics += (metrics.isEmpty() ? "none; not run: " : "; not run: ") + notRun;
        return String.format(Locale.ROOT, "%d variants × %d seeds (%s), each trained for %d steps of %d rows (m = %d latents, TopK k = %d) on the residual "
                        + "stream of %s (%s, d = %d), harvested from %s in sequences of %d tokens, each beginning with <bos>: %d training tokens "
                        + "(harvest rows [%d, %d); <bos> rows skipped), shuffled with data seed %d, the same stream for every run. "
                        + "Evaluated at %d phases on the held-out set, the first %d sequences of the data (rows [0, %d), never trained on; "
                        + "the %d rows that are not <bos> for the core metrics, as SAEBench leaves special tokens out); the model metrics (%s) on the "
                        + "final SAEs over the whole held-out sequences. There is no ground truth on a model, so the recovery and synthetic "
                        + "absorption columns are absent. Seeds vary the SAE initialisation; the data are the same. Harvest %s; wall time %.0f s.",
                c.variants().size(), c.seeds().size(), c.seeds(), c.steps(), c.batch(), c.m(), c.k(), md.model(), info.manifest().hookName(),
                info.manifest().hiddenSize(), md.data(), md.context(), md.tokens(), md.heldOutRows(), md.harvestTokens(), c.dataSeed(), c.phases(),
                info.heldOutSequences(), md.heldOutRows(), info.heldOutRows(), metrics.isEmpty() ? "none" : metrics,
                info.harvestedNow() == 0 ? "reused from " + info.harvestDir()
                        : String.format(Locale.ROOT, "%d tokens in %.0f s into %s", info.harvestedNow(), info.harvestSeconds(), info.harvestDir()),
                r.seconds());
    }

    /** How much the penalty took part in training, per penalized variant (computed from the curves). */
    static String penaltyScale(Experiment.Result r) {
        List<String> parts = new ArrayList<>();
        for (Variant v : r.config().variants()) {
            if (!v.penalised()) continue;
            PenaltyActivity a = PenaltyActivity.of(r.of(v.id()));
            parts.add(String.format(Locale.ROOT, "%s: non-zero at %.0f%% of logged steps, below 1%% of the reconstruction loss at %.0f%%, mean share %.2g%s",
                    v.id(), 100 * a.nonZeroFraction(), 100 * a.quietFraction(), a.meanShare(), a.inactive() ? " (mechanism inactive)" : ""));
        }
        if (parts.isEmpty()) return "";
        return "How much each penalty took part in training, over all seeds' logged steps (a penalty that is negligible throughout leaves the "
                + "SAE nearly the TopK baseline with the same seed, and its comparisons are then no test of the method): " + String.join("; ", parts) + ".";
    }
}
