package saelab.eval.experiment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import saelab.eval.report.Plots;
import saelab.train.penalty.PenaltyConfig;

/**
 * The experiment report's PNG plots under plots/, each with its caption. A plot whose metric the
 * experiment did not measure (ground-truth recovery and absorption on a model) is left out.
 */
final class ExperimentPlots {
    private ExperimentPlots() {}

    /** A written plot: the file, and its name (the key of its caption). */
    record Plot(Path png, String name) {}

    /** The three variants whose co-firing histograms are drawn side by side per phase. */
    static final List<String> HISTOGRAM_VARIANTS = List.of(Variant.TOPK, Variant.STATIC, Variant.ADAPTIVE);

    /** The variants drawn where every variant's bars side by side would be unreadable: those of {@link #HISTOGRAM_VARIANTS} that ran, else the first three. */
    static List<String> histogramVariants(Experiment.Result r) {
        List<String> all = r.config().variants().stream().map(Variant::id).toList();
        List<String> drawn = HISTOGRAM_VARIANTS.stream().filter(all::contains).toList();
        return drawn.isEmpty() ? all.subList(0, Math.min(3, all.size())) : drawn;
    }

    static final Map<String, String> CAPTIONS = Map.ofEntries(
            Map.entry("pareto-l0-ev.png", "Each run's held-out L0 against explained variance: up and left is better."),
            Map.entry("pareto-l0-ce.png", "Each run's held-out L0 against its CE-loss score (1: the model's loss unchanged by the splice, 0: no better than zeroing the residual): up and left is better."),
            Map.entry("latent-density.png", "How often each latent fires on the held-out activations at the end of training (log10 of the fraction of tokens, 4 bins per decade, mean over seeds); dead latents (never firing) are counted in the legend."),
            Map.entry("recon-loss.png", "Reconstruction loss per training batch."),
            Map.entry("penalty-term.png", "The co-firing penalty's contribution to the loss, λ2(p)·P."),
            Map.entry("lambda2.png", "The penalty weight λ2(p) each penalized variant trained with."),
            Map.entry("threshold.png", "The co-firing threshold(p) each penalized variant trained with."),
            Map.entry("active-latents.png", "Latents that fired at least once in the training batch."),
            Map.entry("cofire-cos-phases.png", "Mean |cos| between decoder rows of latent pairs that co-fire on the held-out batch (lower: co-firing latents are more separated), with all pairs of alive latents as reference."),
            Map.entry("recovery-phases.png", "Mean cosine between true feature directions and decoder rows after one-to-one Hungarian matching."),
            Map.entry("absorption-phases.png", "Fraction of parent+child samples where the child's latent fires and the parent's stays silent."));

    static String caption(String name) {
        return CAPTIONS.getOrDefault(name, name.startsWith("cofiring-hist")
                ? "How many latent pairs co-fire at each rate n_ij on the held-out batch (log10(1 + pairs) axis)." : name);
    }

    /** Writes the plots; returns them in report order. */
    static List<Plot> write(Experiment.Result r, Path dir) throws IOException {
        List<String> all = r.config().variants().stream().map(Variant::id).toList();
        List<String> penalized = r.config().variants().stream().filter(v -> v.penalty() != PenaltyConfig.Kind.NONE).map(Variant::id).toList();
        Snapshot first = r.runs().getFirst().last();
        List<Plot> out = new ArrayList<>();
        out.add(new Plot(Plots.scatter(dir.resolve("pareto-l0-ev.png"), "Pareto: L0 vs explained variance (one point per run)", "L0 (log)",
                "explained variance (held-out)", pareto(r, Snapshot.EV), true), "pareto-l0-ev.png"));
        if (first.has(SpliceMetric.CE_SCORE)) {
            out.add(new Plot(Plots.scatter(dir.resolve("pareto-l0-ce.png"), "Pareto: L0 vs CE-loss score (one point per run)", "L0 (log)",
                    "CE-loss score (held-out sequences)", pareto(r, SpliceMetric.CE_SCORE), true), "pareto-l0-ce.png"));
        }
        out.add(new Plot(density(r, dir.resolve("latent-density.png")), "latent-density.png"));
        out.add(new Plot(Plots.lines(dir.resolve("recon-loss.png"), "Reconstruction loss over training (mean over seeds)", "step",
                "‖x − x̂‖² per row (log)", curves(r, all, Experiment.CurvePoint::recon), true), "recon-loss.png"));
        if (!penalized.isEmpty()) {
            out.add(new Plot(Plots.lines(dir.resolve("penalty-term.png"), "Penalty term λ2(p)·P over training (mean over seeds)", "step",
                    "λ2·P", curves(r, penalized, Experiment.CurvePoint::penaltyTerm), false), "penalty-term.png"));
            out.add(new Plot(Plots.lines(dir.resolve("lambda2.png"), "λ2(p) over training", "step", "λ2",
                    curves(r, penalized, Experiment.CurvePoint::lambda2), false), "lambda2.png"));
            out.add(new Plot(Plots.lines(dir.resolve("threshold.png"), "Co-firing threshold(p) over training", "step", "threshold",
                    curves(r, penalized, Experiment.CurvePoint::threshold), false), "threshold.png"));
        }
        out.add(new Plot(Plots.lines(dir.resolve("active-latents.png"), "Active latents per training batch (mean over seeds)", "step",
                "latents firing in the batch", curves(r, all, p -> p.activeLatents()), false), "active-latents.png"));
        List<String> hv = histogramVariants(r);
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
            out.add(new Plot(Plots.histograms(dir.resolve(name), String.format(Locale.ROOT, "Co-firing pairs by n_ij, phase %d of %d (step %d, held-out batch)",
                    i + 1, r.config().phases(), step), "n_ij = rows where both fire / rows", "pairs (mean over seeds)", Separation.binLabels(), h, true), name));
        }
        Map<String, double[][]> cof = perPhase(r, all, Snapshot.COFIRE_COS);
        Map<String, double[][]> allCos = perPhase(r, List.of(all.getFirst()), Snapshot.ALL_COS);
        allCos.forEach((v, xy) -> cof.put("all pairs (" + v + ")", xy));
        out.add(new Plot(Plots.lines(dir.resolve("cofire-cos-phases.png"), "Mean |cos| of decoder directions of co-firing pairs, per phase", "step",
                "mean |cos(W_i, W_j)|", cof, false), "cofire-cos-phases.png"));
        if (first.has(Snapshot.HUNGARIAN)) {
            out.add(new Plot(Plots.lines(dir.resolve("recovery-phases.png"), "Ground-truth recovery per phase: Hungarian-matched mean cos", "step",
                    "Hungarian-matched mean cos", perPhase(r, all, Snapshot.HUNGARIAN), false), "recovery-phases.png"));
        }
        if (first.has(Snapshot.ABSORPTION)) {
            out.add(new Plot(Plots.lines(dir.resolve("absorption-phases.png"), "Absorption rate per phase", "step",
                    "absorption rate", perPhase(r, all, Snapshot.ABSORPTION), false), "absorption-phases.png"));
        }
        return out;
    }

    /**
     * The latent density histogram of each variant's final SAEs (mean over seeds), drawn as steps
     * over log10 frequency, from the lowest frequency the held-out rows can show (1/rows) to 1.
     */
    static Path density(Experiment.Result r, Path png) throws IOException {
        int rows = r.onModel() ? r.model().heldOutRows() : r.config().evalRows();
        double lowest = -Math.log10(rows), width = (double) Snapshot.DENSITY_DECADES / Snapshot.DENSITY_BINS;
        double[] edges = Snapshot.densityBinEdges();
        int from = 0;
        while (from < edges.length - 1 && edges[from] + width <= lowest) from++;
        Map<String, double[][]> series = new LinkedHashMap<>();
        for (Variant v : r.config().variants()) {
            List<Experiment.RunResult> runs = r.of(v.id());
            double[] mean = new double[Snapshot.DENSITY_BINS + 1];
            for (Experiment.RunResult run : runs) {
                long[] h = run.last().densityHistogram();
                for (int b = 0; b < mean.length; b++) mean[b] += (double) h[b] / runs.size();
            }
            int n = edges.length - from;
            double[] xs = new double[2 * n], ys = new double[2 * n];
            for (int b = from, i = 0; b < edges.length; b++, i += 2) {
                xs[i] = edges[b];
                xs[i + 1] = edges[b] + width;
                ys[i] = ys[i + 1] = mean[b];
            }
            series.put(String.format(Locale.ROOT, "%s (dead %.0f)", v.id(), mean[Snapshot.DENSITY_BINS]), new double[][] {xs, ys});
        }
        return Plots.lines(png, "Latent density on held-out activations (final SAEs, mean over seeds)", "log10 firing frequency (fraction of tokens)",
                "latents per bin", series, false);
    }

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

    /** Per variant, each run's final L0 against a final metric. */
    private static Map<String, double[][]> pareto(Experiment.Result r, String key) {
        Map<String, double[][]> s = new LinkedHashMap<>();
        for (Variant v : r.config().variants()) {
            List<Experiment.RunResult> runs = r.of(v.id());
            s.put(v.id(), new double[][] {runs.stream().mapToDouble(x -> x.last().get(Snapshot.L0)).toArray(),
                    runs.stream().mapToDouble(x -> x.last().get(key)).toArray()});
        }
        return s;
    }
}
