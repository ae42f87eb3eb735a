package saelab.eval.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import saelab.eval.report.HtmlReport;
import saelab.eval.report.Plots;
import saelab.eval.report.SeedSpread;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.source.SyntheticConfig;

/**
 * Writes an experiment's results into its folder: results.json (every run's final and per-phase
 * numbers, training curve, and the summary), the PNG plots under plots/, and report.html (the
 * plots embedded, the summary table, every run's numbers, and the computed conclusion).
 */
public final class ExperimentReport {
    private ExperimentReport() {}

    /** Columns of the summary table: metric, label, decimals. */
    public record Column(String key, String label, int digits) {}

    public static final List<Column> SUMMARY = List.of(
            new Column(Snapshot.EV, "explained variance", 3),
            new Column(Snapshot.L0, "L0", 1),
            new Column(Snapshot.HUNGARIAN, "Hungarian cos", 3),
            new Column(Snapshot.MMC_TRUE, "mean max cos (true→learned)", 3),
            new Column(Snapshot.RECOVERED, "recovered fraction", 3),
            new Column(Snapshot.ABSORPTION, "absorption", 3),
            new Column(Snapshot.COFIRE_COS, "co-firing pair |cos|", 4),
            new Column(Snapshot.ALL_COS, "all-pair |cos|", 4));

    /** The three variants whose co-firing histograms are drawn side by side per phase. */
    static final List<String> HISTOGRAM_VARIANTS = List.of(Variant.TOPK, Variant.STATIC, Variant.ADAPTIVE);

    /** variant → metric → spread over seeds, for every metric of the final snapshot. */
    public static Map<String, Map<String, SeedSpread>> summary(Experiment.Result r) {
        Map<String, Map<String, SeedSpread>> s = new LinkedHashMap<>();
        for (Variant v : r.config().variants()) {
            List<Experiment.RunResult> runs = r.of(v.id());
            Map<String, SeedSpread> m = new LinkedHashMap<>();
            for (String key : runs.getFirst().last().metrics().keySet()) {
                m.put(key, SeedSpread.of(runs.stream().mapToDouble(x -> x.last().get(key)).toArray()));
            }
            s.put(v.id(), m);
        }
        return s;
    }

    public static String conclusion(Experiment.Result r) { return Conclusion.text(summary(r)); }

    /** Writes results.json, plots/*.png and report.html; returns report.html's path. */
    public static Path write(Experiment.Result r, Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Map<String, SeedSpread>> summary = summary(r);
        String conclusion = Conclusion.text(summary);
        writeJson(r, summary, conclusion, dir.resolve("results.json"));
        List<Path[]> plots = plots(r, dir.resolve("plots"));
        return html(r, summary, conclusion, plots, dir.resolve("report.html"));
    }

    // ---------------------------------------------------------------- results.json

    static void writeJson(Experiment.Result r, Map<String, Map<String, SeedSpread>> summary, String conclusion, Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ExperimentConfig c = r.config();
        ObjectNode cfg = root.putObject("config");
        cfg.put("source", c.sourceSpec());
        cfg.put("synthetic", r.synthetic().toString());
        cfg.put("steps", c.steps());
        cfg.put("batch", c.batch());
        cfg.put("m", c.m());
        cfg.put("k", c.k());
        cfg.put("phases", c.phases());
        cfg.put("eval_rows", c.evalRows());
        cfg.put("held_out_batch_index", ExperimentConfig.HELD_OUT_INDEX);
        cfg.put("recovery_bar", c.recoveryBar());
        ArrayNode seeds = cfg.putArray("seeds");
        c.seeds().forEach(seeds::add);
        ArrayNode vs = cfg.putArray("variants");
        for (Variant v : c.variants()) {
            ObjectNode o = vs.addObject();
            o.put("id", v.id());
            o.put("description", v.description());
            o.put("architecture", v.architecture().saeLensName());
            o.put("penalty", PenaltyConfig.name(v.penalty()));
            o.put("lambda2", v.lambda2());
            o.put("threshold", v.threshold());
            o.put("lr", v.lr());
            if (v.l1() > 0) o.put("l1", v.l1());
        }
        root.put("wall_seconds", r.seconds());
        ArrayNode runs = root.putArray("runs");
        for (Experiment.RunResult run : r.runs()) {
            ObjectNode o = runs.addObject();
            o.put("variant", run.variant());
            o.put("seed", run.seed());
            o.put("dir", run.dir().toString());
            o.put("train_seconds", run.trainSeconds());
            num(o, "penalty_active_fraction", penaltyActiveFraction(run));
            num(o, "penalty_share_mean", penaltyShare(run));
            o.put("eval_seconds", run.evalSeconds());
            putMetrics(o.putObject("final"), run.last().metrics());
            ArrayNode ph = o.putArray("phases");
            for (Snapshot s : run.phases()) {
                ObjectNode p = ph.addObject();
                putMetrics(p, s.metrics());
                ArrayNode h = p.putArray("cofiring_histogram");
                for (long v : s.coFiringHistogram()) h.add(v);
            }
            ArrayNode cv = o.putArray("curve");
            for (Experiment.CurvePoint p : run.curve()) {
                ObjectNode q = cv.addObject();
                q.put("step", p.step());
                num(q, "loss", p.loss());
                num(q, "recon_loss", p.recon());
                num(q, "sparsity_term", p.sparsityTerm());
                num(q, "penalty_term", p.penaltyTerm());
                num(q, "lambda2", p.lambda2());
                num(q, "threshold", p.threshold());
                num(q, "l0", p.l0());
                num(q, "explained_variance", p.explainedVariance());
                q.put("active_latents", p.activeLatents());
                q.put("dead_latents", p.deadLatents());
            }
        }
        ArrayNode bins = root.putArray("cofiring_histogram_bins");
        Separation.binLabels().forEach(bins::add);
        ObjectNode sum = root.putObject("summary");
        summary.forEach((variant, m) -> {
            ObjectNode o = sum.putObject(variant);
            m.forEach((k, s) -> {
                ObjectNode q = o.putObject(k);
                num(q, "mean", s.mean());
                num(q, "ci95_half_width", s.halfWidth95());
                q.put("n", s.n());
            });
        });
        root.put("conclusion", conclusion);
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "results", ".tmp");
        try {
            json.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void putMetrics(ObjectNode o, Map<String, Double> m) { m.forEach((k, v) -> num(o, k, v)); }

    /** NaN and infinities are not JSON: written as null. */
    private static void num(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) o.put(k, v); else o.putNull(k);
    }

    // ---------------------------------------------------------------- plots

    /** Per variant, the seed-mean of a curve quantity against step. */
    private static Map<String, double[][]> curves(Experiment.Result r, List<String> variants, ToDoubleFunction<Experiment.CurvePoint> f) {
        Map<String, double[][]> s = new LinkedHashMap<>();
        for (String v : variants) {
            List<Experiment.RunResult> runs = r.of(v);
            if (runs.isEmpty()) continue;
            int n = runs.stream().mapToInt(x -> x.curve().size()).min().orElse(0);
            double[] xs = new double[n], ys = new double[n];
            for (int i = 0; i < n; i++) {
                xs[i] = runs.getFirst().curve().get(i).step() + 1;
                double sum = 0;
                for (Experiment.RunResult run : runs) sum += f.applyAsDouble(run.curve().get(i));
                ys[i] = sum / runs.size();
            }
            s.put(v, new double[][] {xs, ys});
        }
        return s;
    }

    /** Per variant, the seed-mean of a snapshot metric against the phase's step. */
    private static Map<String, double[][]> perPhase(Experiment.Result r, List<String> variants, String key) {
        Map<String, double[][]> s = new LinkedHashMap<>();
        int phases = r.config().phases();
        for (String v : variants) {
            List<Experiment.RunResult> runs = r.of(v);
            if (runs.isEmpty()) continue;
            double[] xs = new double[phases], ys = new double[phases];
            for (int i = 0; i < phases; i++) {
                xs[i] = runs.getFirst().phases().get(i).get(Snapshot.STEP);
                double sum = 0;
                for (Experiment.RunResult run : runs) sum += run.phases().get(i).get(key);
                ys[i] = sum / runs.size();
            }
            s.put(v, new double[][] {xs, ys});
        }
        return s;
    }

    /** Writes the plots; returns (png, caption) pairs in report order. */
    static List<Path[]> plots(Experiment.Result r, Path dir) throws IOException {
        List<String> all = r.config().variants().stream().map(Variant::id).toList();
        List<String> penalized = r.config().variants().stream().filter(v -> v.penalty() != PenaltyConfig.Kind.NONE).map(Variant::id).toList();
        List<Path[]> out = new ArrayList<>();
        out.add(pair(Plots.scatter(dir.resolve("pareto-l0-ev.png"), "Pareto: L0 vs explained variance (one point per run)", "L0 (log)",
                "explained variance (held-out)", pareto(r), true), "pareto-l0-ev.png"));
        out.add(pair(Plots.lines(dir.resolve("recon-loss.png"), "Reconstruction loss over training (mean over seeds)", "step",
                "‖x − x̂‖² per row (log)", curves(r, all, Experiment.CurvePoint::recon), true), "recon-loss.png"));
        if (!penalized.isEmpty()) {
            out.add(pair(Plots.lines(dir.resolve("penalty-term.png"), "Penalty term λ2(p)·P over training (mean over seeds)", "step",
                    "λ2·P", curves(r, penalized, Experiment.CurvePoint::penaltyTerm), false), "penalty-term.png"));
            out.add(pair(Plots.lines(dir.resolve("lambda2.png"), "λ2(p) over training", "step", "λ2",
                    curves(r, penalized, Experiment.CurvePoint::lambda2), false), "lambda2.png"));
            out.add(pair(Plots.lines(dir.resolve("threshold.png"), "Co-firing threshold(p) over training", "step", "threshold",
                    curves(r, penalized, Experiment.CurvePoint::threshold), false), "threshold.png"));
        }
        out.add(pair(Plots.lines(dir.resolve("active-latents.png"), "Active latents per training batch (mean over seeds)", "step",
                "latents firing in the batch", curves(r, all, p -> p.activeLatents()), false), "active-latents.png"));
        List<String> hv = HISTOGRAM_VARIANTS.stream().filter(all::contains).toList();
        if (hv.isEmpty()) hv = all.subList(0, Math.min(3, all.size()));
        for (int i = 0; i < r.config().phases(); i++) {
            Map<String, double[]> h = new LinkedHashMap<>();
            long step = 0;
            for (String v : hv) {
                List<Experiment.RunResult> runs = r.of(v);
                double[] mean = new double[Separation.BINS];
                for (Experiment.RunResult run : runs) {
                    long[] c = run.phases().get(i).coFiringHistogram();
                    for (int b = 0; b < mean.length; b++) mean[b] += (double) c[b] / runs.size();
                }
                step = (long) runs.getFirst().phases().get(i).get(Snapshot.STEP);
                h.put(v, mean);
            }
            String name = String.format(Locale.ROOT, "cofiring-hist-phase%d.png", i + 1);
            out.add(pair(Plots.histograms(dir.resolve(name), String.format(Locale.ROOT, "Co-firing pairs by n_ij, phase %d of %d (step %d, held-out batch)",
                    i + 1, r.config().phases(), step), "n_ij = rows where both fire / rows", "pairs (mean over seeds)", Separation.binLabels(), h, true), name));
        }
        Map<String, double[][]> cof = perPhase(r, all, Snapshot.COFIRE_COS);
        Map<String, double[][]> allCos = perPhase(r, List.of(all.getFirst()), Snapshot.ALL_COS);
        allCos.forEach((v, xy) -> cof.put("all pairs (" + v + ")", xy));
        out.add(pair(Plots.lines(dir.resolve("cofire-cos-phases.png"), "Mean |cos| of decoder directions of co-firing pairs, per phase", "step",
                "mean |cos(W_i, W_j)|", cof, false), "cofire-cos-phases.png"));
        out.add(pair(Plots.lines(dir.resolve("recovery-phases.png"), "Ground-truth recovery per phase: Hungarian-matched mean cos", "step",
                "Hungarian-matched mean cos", perPhase(r, all, Snapshot.HUNGARIAN), false), "recovery-phases.png"));
        out.add(pair(Plots.lines(dir.resolve("absorption-phases.png"), "Absorption rate per phase", "step",
                "absorption rate", perPhase(r, all, Snapshot.ABSORPTION), false), "absorption-phases.png"));
        return out;
    }

    private static Map<String, double[][]> pareto(Experiment.Result r) {
        Map<String, double[][]> s = new LinkedHashMap<>();
        for (Variant v : r.config().variants()) {
            List<Experiment.RunResult> runs = r.of(v.id());
            s.put(v.id(), new double[][] {runs.stream().mapToDouble(x -> x.last().get(Snapshot.L0)).toArray(),
                    runs.stream().mapToDouble(x -> x.last().get(Snapshot.EV)).toArray()});
        }
        return s;
    }

    private static Path[] pair(Path png, String name) { return new Path[] {png, Path.of(name)}; }

    // ---------------------------------------------------------------- report.html

    static final Map<String, String> CAPTIONS = Map.ofEntries(
            Map.entry("pareto-l0-ev.png", "Each run's held-out L0 against explained variance: up and left is better."),
            Map.entry("recon-loss.png", "Reconstruction loss per training batch."),
            Map.entry("penalty-term.png", "The co-firing penalty's contribution to the loss, λ2(p)·P."),
            Map.entry("lambda2.png", "The penalty weight λ2(p) each penalized variant trained with."),
            Map.entry("threshold.png", "The co-firing threshold(p) each penalized variant trained with."),
            Map.entry("active-latents.png", "Latents that fired at least once in the training batch."),
            Map.entry("cofire-cos-phases.png", "Mean |cos| between decoder rows of latent pairs that co-fire on the held-out batch (lower: co-firing latents are more separated), with all pairs of alive latents as reference."),
            Map.entry("recovery-phases.png", "Mean cosine between true feature directions and decoder rows after one-to-one Hungarian matching."),
            Map.entry("absorption-phases.png", "Fraction of parent+child samples where the child's latent fires and the parent's stays silent."));

    static Path html(Experiment.Result r, Map<String, Map<String, SeedSpread>> summary, String conclusion, List<Path[]> plots, Path file) throws IOException {
        ExperimentConfig c = r.config();
        SyntheticConfig s = r.synthetic();
        HtmlReport h = new HtmlReport("saelab experiment: adaptive vs static orthogonal vs TopK SAEs on synthetic ground truth");
        h.paragraph(String.format(Locale.ROOT, "%d variants × %d seeds (%s), each trained for %d steps of %d rows (m = %d latents, TopK k = %d) on %s: "
                        + "%d true features in d = %d, %d hierarchy roots with %d exclusive children each, ~%.0f active per sample. "
                        + "Evaluated at %d phases on a held-out batch of %d rows (batch index %d, never used in training); "
                        + "recovered = best cosine ≥ %.2f. Seeds vary the SAE initialisation; the data are the same. Wall time %.0f s.",
                c.variants().size(), c.seeds().size(), c.seeds(), c.steps(), c.batch(), c.m(), c.k(), c.sourceSpec(), s.features(), s.dim(),
                s.hierarchyRoots(), s.branching(), s.meanActive(), c.phases(), c.evalRows(), ExperimentConfig.HELD_OUT_INDEX, c.recoveryBar(), r.seconds()));
        h.heading("Conclusion");
        h.paragraph(conclusion);
        String scale = penaltyScale(r);
        if (!scale.isEmpty()) h.paragraph(scale);
        h.heading("Summary: mean ± 95% t-interval over seeds");
        List<String> header = new ArrayList<>(List.of("variant", "seeds"));
        SUMMARY.forEach(col -> header.add(col.label()));
        List<List<String>> rows = new ArrayList<>();
        for (Variant v : c.variants()) {
            List<String> row = new ArrayList<>(List.of(v.id(), Integer.toString(r.of(v.id()).size())));
            for (Column col : SUMMARY) row.add(summary.get(v.id()).get(col.key()).format(col.digits()));
            rows.add(row);
        }
        h.table(header, rows);
        h.heading("Variants");
        h.table(List.of("variant", "configuration", "lr"), c.variants().stream().map(v -> List.of(v.id(), v.description(),
                String.format(Locale.ROOT, "%.2g", v.lr()))).toList());
        h.heading("Plots");
        for (Path[] p : plots) {
            String name = p[1].toString();
            String cap = CAPTIONS.getOrDefault(name, name.startsWith("cofiring-hist")
                    ? "How many latent pairs co-fire at each rate n_ij on the held-out batch (log10(1 + pairs) axis)." : name);
            h.image(p[0], cap);
        }
        h.heading("Every run (final snapshot)");
        List<String> rh = List.of("variant", "seed", "EV", "EV (legacy)", "MSE", "cos(x, x̂)", "L0", "dead", "dense", "mean max cos true",
                "mean max cos learned", "Hungarian cos", "recovered", "latents/feature", "absorption", "co-firing pairs", "co-firing |cos|", "train s");
        List<List<String>> rr = new ArrayList<>();
        for (Experiment.RunResult run : r.runs()) {
            Snapshot f = run.last();
            rr.add(List.of(run.variant(), Long.toString(run.seed()), f4(f.get(Snapshot.EV)), f4(f.get(Snapshot.EV_LEGACY)), f4(f.get(Snapshot.MSE)),
                    f4(f.get(Snapshot.COSINE)), String.format(Locale.ROOT, "%.1f", f.get(Snapshot.L0)), i0(f.get(Snapshot.DEAD)), i0(f.get(Snapshot.DENSE)),
                    f4(f.get(Snapshot.MMC_TRUE)), f4(f.get(Snapshot.MMC_LEARNED)), f4(f.get(Snapshot.HUNGARIAN)), f4(f.get(Snapshot.RECOVERED)),
                    String.format(Locale.ROOT, "%.2f", f.get(Snapshot.LATENTS_PER_FEATURE)), f4(f.get(Snapshot.ABSORPTION)), i0(f.get(Snapshot.COFIRE_PAIRS)),
                    f4(f.get(Snapshot.COFIRE_COS)), String.format(Locale.ROOT, "%.1f", run.trainSeconds())));
        }
        h.table(rh, rr);
        h.heading("Per phase (mean over seeds)");
        List<String> ph = List.of("variant", "phase", "step", "λ2(p)", "threshold(p)", "active latents", "EV", "Hungarian cos", "recovered",
                "absorption", "co-firing pairs", "co-firing |cos|", "all-pair |cos|");
        List<List<String>> pr = new ArrayList<>();
        for (Variant v : c.variants()) {
            List<Experiment.RunResult> runs = r.of(v.id());
            for (int i = 0; i < c.phases(); i++) {
                final int fi = i;
                ToDoubleFunction<String> mean = key -> runs.stream().mapToDouble(x -> x.phases().get(fi).get(key)).average().orElse(Double.NaN);
                pr.add(List.of(v.id(), Integer.toString(i + 1), i0(mean.applyAsDouble(Snapshot.STEP)), f4(mean.applyAsDouble(Snapshot.LAMBDA2)),
                        f4(mean.applyAsDouble(Snapshot.THRESHOLD)), String.format(Locale.ROOT, "%.1f", mean.applyAsDouble(Snapshot.ACTIVE)),
                        f4(mean.applyAsDouble(Snapshot.EV)), f4(mean.applyAsDouble(Snapshot.HUNGARIAN)), f4(mean.applyAsDouble(Snapshot.RECOVERED)),
                        f4(mean.applyAsDouble(Snapshot.ABSORPTION)), i0(mean.applyAsDouble(Snapshot.COFIRE_PAIRS)), f4(mean.applyAsDouble(Snapshot.COFIRE_COS)),
                        f4(mean.applyAsDouble(Snapshot.ALL_COS))));
            }
        }
        h.table(ph, pr);
        h.paragraph("Every number above is in results.json beside this file, with each run's training curve; each run's SAELens checkpoint "
                + "(sae_weights.safetensors, cfg.json) and log.jsonl are in runs/<variant>-seed<seed>/.");
        return h.write(file);
    }

    /** Fraction of logged training steps where the penalty term λ2·P was > 0. */
    static double penaltyActiveFraction(Experiment.RunResult run) {
        return run.curve().stream().mapToDouble(p -> p.penaltyTerm() > 0 ? 1 : 0).average().orElse(Double.NaN);
    }

    /** Mean over logged steps of λ2·P / reconstruction loss. */
    static double penaltyShare(Experiment.RunResult run) {
        return run.curve().stream().mapToDouble(p -> p.recon() > 0 ? p.penaltyTerm() / p.recon() : 0).average().orElse(Double.NaN);
    }

    /** How much the penalty took part in training, per penalized variant (computed from the curves). */
    static String penaltyScale(Experiment.Result r) {
        List<String> parts = new ArrayList<>();
        for (Variant v : r.config().variants()) {
            if (v.penalty() == PenaltyConfig.Kind.NONE) continue;
            List<Experiment.RunResult> runs = r.of(v.id());
            double active = runs.stream().mapToDouble(ExperimentReport::penaltyActiveFraction).average().orElse(Double.NaN);
            double share = runs.stream().mapToDouble(ExperimentReport::penaltyShare).average().orElse(Double.NaN);
            parts.add(String.format(Locale.ROOT, "%s: non-zero at %.0f%% of logged steps, mean λ2·P / reconstruction loss %.2g", v.id(), 100 * active, share));
        }
        if (parts.isEmpty()) return "";
        return "How much the co-firing penalty took part in training (a penalty that is zero throughout leaves the SAE identical to the TopK "
                + "baseline with the same seed): " + String.join("; ", parts) + ".";
    }

    private static String f4(double v) { return String.format(Locale.ROOT, "%.4f", v); }

    private static String i0(double v) { return String.format(Locale.ROOT, "%.0f", v); }
}
