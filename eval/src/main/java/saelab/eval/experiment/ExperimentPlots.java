package saelab.eval.experiment;

import java.awt.Color;
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

    /**
     * A plot: the file and its name (the key of its caption); or, when it could not be drawn,
     * no file and {@code missing}, the one line the report shows in its place.
     */
    record Plot(Path png, String name, String missing) {
        Plot(Path png, String name) { this(png, name, null); }
    }

    /**
     * A scatter of final values, or a note instead when no run has a finite y: at small sizes a
     * metric can be NaN in every run (absorption, when no parent and child fire together on the
     * held-out batch), and there is then nothing to draw.
     */
    private static Plot scatterOrNote(Path dir, String name, String title, String xLabel, String yLabel, Map<String, double[][]> pairs,
                                      boolean logX, Plots.Palette colour) throws IOException {
        boolean anyY = pairs.values().stream().anyMatch(xy -> java.util.Arrays.stream(xy[1]).anyMatch(Double::isFinite));
        if (!anyY) return new Plot(null, name, name + " not drawn: " + yLabel + " is NaN in every run (not measurable at these sizes)");
        return new Plot(Plots.scatter(dir.resolve(name), title, xLabel, yLabel, pairs, logX, colour), name);
    }

    /** Per-phase bands, or a note instead when the metric is NaN in every run and phase. */
    private static Plot bandsOrNote(Path dir, String name, String title, String yLabel, Map<String, double[][]> bands, Plots.Palette colour) throws IOException {
        boolean anyY = bands.values().stream().anyMatch(b -> java.util.Arrays.stream(b[1]).anyMatch(Double::isFinite));
        if (!anyY) return new Plot(null, name, name + " not drawn: " + yLabel + " is NaN in every run and phase (not measurable at these sizes)");
        return new Plot(Plots.bands(dir.resolve(name), title, "step", yLabel, bands, false, colour), name);
    }

    /** The three variants whose co-firing histograms are drawn side by side per phase. */
    static final List<String> HISTOGRAM_VARIANTS = List.of(Variant.TOPK, Variant.STATIC, Variant.ADAPTIVE);

    /** The variants drawn where every variant's bars side by side would be unreadable: those of {@link #HISTOGRAM_VARIANTS} that ran, else the first three. */
    static List<String> histogramVariants(Experiment.Result r) {
        List<String> all = r.config().variants().stream().map(Variant::id).toList();
        List<String> drawn = HISTOGRAM_VARIANTS.stream().filter(all::contains).toList();
        return drawn.isEmpty() ? all.subList(0, Math.min(3, all.size())) : drawn;
    }

    static final Map<String, String> CAPTIONS = Map.ofEntries(
            Map.entry("pareto-ev-mcc.png", "Each run's final MCC (mean |cos| between true features and decoder rows after one-to-one Hungarian matching) "
                    + "against its explained variance on the held-out batch: up and right is better; a variant that separates features better at equal "
                    + "reconstruction sits above the others at the same x."),
            Map.entry("pareto-ev-absorption.png", "Each run's final absorption rate against its explained variance: down and right is better."),
            Map.entry("pareto-l0-ev.png", "Each run's held-out L0 against explained variance: up and left is better."),
            Map.entry("pareto-l0-ce.png", "Each run's held-out L0 against its CE-loss score (1: the model's loss unchanged by the splice, 0: no better than zeroing the residual): up and left is better."),
            Map.entry("latent-density.png", "How often each latent fires on the held-out activations at the end of training (log10 of the fraction of tokens, 4 bins per decade, mean over seeds); dead latents (never firing) are counted in the legend."),
            Map.entry("recon-loss.png", "Reconstruction loss per training batch; solid: mean over seeds, dashed: the seeds' min and max."),
            Map.entry("penalty-share.png", "The penalty's contribution to the loss as a fraction of the reconstruction loss, λ2(p)·P / recon; a variant whose "
                    + "share stays below 1% on at least 90% of logged steps is marked 'mechanism inactive' in the verdict table."),
            Map.entry("lambda2.png", "The penalty weight λ2(p) each penalized variant trained with."),
            Map.entry("threshold.png", "The co-firing threshold(p) each penalized variant trained with."),
            Map.entry("active-latents.png", "Latents that fired at least once in the training batch; solid: mean over seeds, dashed: min and max."),
            Map.entry("cofire-cos-phases.png", "Diagnostic, not a verdict metric: mean |cos| between decoder rows of latent pairs that co-fire on the held-out batch."),
            Map.entry("mcc-phases.png", "MCC (mean |cos| after Hungarian matching of true features to decoder rows) at each evaluation phase; solid: mean over seeds, dashed: min and max."),
            Map.entry("absorption-phases.png", "Absorption at each phase: of the samples where a parent and its child both fire, the fraction where the parent's "
                    + "latent is silent while the child's latent fires carrying the parent's direction; solid: mean over seeds, dashed: min and max."));

    static String caption(String name) {
        return CAPTIONS.getOrDefault(name, name.startsWith("cofiring-hist")
                ? "How many latent pairs co-fire at each rate n_ij on the held-out batch (log10 n_ij on x, log10(1 + pairs) on y); dashed: each "
                + "batch-normalised penalised variant's threshold(p) at that phase, above which its penalty acts on a pair." : name);
    }

    /**
     * One colour per variant, the same in every plot and every experiment: by the variant's place
     * in {@link Variant#defaults()} (others after them, in the experiment's order). A series or
     * marker is coloured by its name's first word, the variant id.
     */
    static Plots.Palette palette(Experiment.Result r) {
        List<String> known = new ArrayList<>(Variant.defaults().stream().map(Variant::id).toList());
        r.config().variants().stream().map(Variant::id).filter(id -> !known.contains(id)).forEach(known::add);
        return name -> {
            int i = known.indexOf(name.split(" ", 2)[0]);
            return i < 0 ? null : COLOURS[i % COLOURS.length];
        };
    }

    /** Tableau's 10 colours, then 6 darker ones. */
    private static final Color[] COLOURS = {new Color(0x4E79A7), new Color(0xF28E2B), new Color(0xE15759), new Color(0x76B7B2),
            new Color(0x59A14F), new Color(0xEDC948), new Color(0xB07AA1), new Color(0xFF9DA7), new Color(0x9C755F), new Color(0xBAB0AC),
            new Color(0x1B3A5C), new Color(0x8C4A00), new Color(0x7A1F1F), new Color(0x2F5F2A), new Color(0x5A3D6B), new Color(0x333333)};

    /** Writes the plots; returns them in report order. */
    static List<Plot> write(Experiment.Result r, Path dir) throws IOException {
        List<String> all = r.config().variants().stream().map(Variant::id).toList();
        List<String> penalized = r.config().variants().stream().filter(v -> v.penalty() != PenaltyConfig.Kind.NONE).map(Variant::id).toList();
        Plots.Palette colour = palette(r);
        Snapshot first = r.runs().getFirst().last();
        List<Plot> out = new ArrayList<>();
        if (first.has(Snapshot.MCC)) {
            out.add(scatterOrNote(dir, "pareto-ev-mcc.png", "Separation vs reconstruction: MCC against explained variance (one point per run)",
                    "explained variance (held-out)", "MCC (mean |cos| after Hungarian matching)", finalPairs(r, Snapshot.EV, Snapshot.MCC), false, colour));
        }
        if (first.has(Snapshot.ABSORPTION)) {
            out.add(scatterOrNote(dir, "pareto-ev-absorption.png", "Absorption vs reconstruction (one point per run)",
                    "explained variance (held-out)", "absorption rate", finalPairs(r, Snapshot.EV, Snapshot.ABSORPTION), false, colour));
        }
        out.add(scatterOrNote(dir, "pareto-l0-ev.png", "Pareto: L0 vs explained variance (one point per run)", "L0 (log)",
                "explained variance (held-out)", finalPairs(r, Snapshot.L0, Snapshot.EV), true, colour));
        if (first.has(SpliceMetric.CE_SCORE)) {
            out.add(scatterOrNote(dir, "pareto-l0-ce.png", "Pareto: L0 vs CE-loss score (one point per run)", "L0 (log)",
                    "CE-loss score (held-out sequences)", finalPairs(r, Snapshot.L0, SpliceMetric.CE_SCORE), true, colour));
        }
        if (first.has(Snapshot.MCC)) {
            out.add(bandsOrNote(dir, "mcc-phases.png", "Ground-truth recovery per phase: MCC (mean over seeds, dashed: min–max)",
                    "MCC", perPhase(r, all, Snapshot.MCC), colour));
        }
        if (first.has(Snapshot.ABSORPTION)) {
            out.add(bandsOrNote(dir, "absorption-phases.png", "Absorption rate per phase (mean over seeds, dashed: min–max)",
                    "absorption rate", perPhase(r, all, Snapshot.ABSORPTION), colour));
        }
        out.add(new Plot(density(r, dir.resolve("latent-density.png"), colour), "latent-density.png"));
        out.add(new Plot(Plots.bands(dir.resolve("recon-loss.png"), "Reconstruction loss over training (mean over seeds, dashed: min–max)", "step",
                "‖x − x̂‖² per row (log)", curves(r, all, Experiment.CurvePoint::recon), true, colour), "recon-loss.png"));
        if (!penalized.isEmpty()) {
            out.add(new Plot(Plots.bands(dir.resolve("penalty-share.png"), "Penalty term / reconstruction loss over training (mean over seeds, dashed: min–max)",
                    "step", "λ2·P / recon", curves(r, penalized, PenaltyActivity::share), false, colour), "penalty-share.png"));
            out.add(new Plot(Plots.lines(dir.resolve("lambda2.png"), "λ2(p) over training", "step", "λ2",
                    means(curves(r, penalized, Experiment.CurvePoint::lambda2)), false, false, false, colour), "lambda2.png"));
            out.add(new Plot(Plots.lines(dir.resolve("threshold.png"), "Co-firing threshold(p) over training", "step", "threshold",
                    means(curves(r, penalized, Experiment.CurvePoint::threshold)), false, false, false, colour), "threshold.png"));
        }
        out.add(new Plot(Plots.bands(dir.resolve("active-latents.png"), "Active latents per training batch (mean over seeds, dashed: min–max)", "step",
                "latents firing in the batch", curves(r, all, p -> p.activeLatents()), false, colour), "active-latents.png"));
        List<String> hv = histogramVariants(r);
        double[] edges = new double[Separation.BINS + 1];
        for (int b = 0; b <= Separation.BINS; b++) edges[b] = Separation.LOG10_MIN * (1 - (double) b / Separation.BINS);
        for (int i = 0; i < r.config().phases(); i++) {
            Map<String, double[]> h = new LinkedHashMap<>();
            Map<String, Double> markers = new LinkedHashMap<>();
            long step = 0;
            for (String v : hv) {
                List<Experiment.RunResult> runs = r.of(v);
                double[] mean = new double[Separation.BINS];
                for (Experiment.RunResult run : runs) {
                    long[] c = run.phases().get(i).coFiringHistogram();
                    for (int b = 0; b < mean.length; b++) mean[b] += (double) c[b] / runs.size();
                }
                Snapshot s = runs.getFirst().phases().get(i);
                step = (long) s.get(Snapshot.STEP);
                h.put(v, mean);
                double t = s.get(Snapshot.THRESHOLD);
                if (penalized.contains(v) && t > 0 && batchNormalised(r, v)) {
                    markers.put(String.format(Locale.ROOT, "%s threshold(p) %.3g", v, t), Math.max(Separation.LOG10_MIN, Math.log10(t)));
                }
            }
            String name = String.format(Locale.ROOT, "cofiring-hist-phase%d.png", i + 1);
            out.add(new Plot(Plots.stepHistograms(dir.resolve(name), String.format(Locale.ROOT, "Co-firing latent pairs by n_ij, phase %d of %d (step %d, held-out batch)",
                    i + 1, r.config().phases(), step), "log10 n_ij (n_ij = rows where both fire / rows)", "pairs (mean over seeds)", edges, h, markers,
                    colour, true), name));
        }
        Map<String, double[][]> cof = perPhase(r, all, Snapshot.COFIRE_COS);
        out.add(new Plot(Plots.bands(dir.resolve("cofire-cos-phases.png"), "Diagnostic: mean |cos| of decoder rows of co-firing latent pairs, per phase", "step",
                "mean |cos(W_i, W_j)|", cof, false, colour), "cofire-cos-phases.png"));
        return out;
    }

    /** Whether a variant's n_ij is the batch fraction the histogram's axis shows (its threshold is then on that axis). */
    private static boolean batchNormalised(Experiment.Result r, String variant) {
        return r.config().variants().stream().anyMatch(v -> v.id().equals(variant) && v.normalization() == saelab.train.penalty.kernels.CoFiring.Normalization.BATCH);
    }

    /** Only the centre line of each series. */
    private static Map<String, double[][]> means(Map<String, double[][]> bands) {
        Map<String, double[][]> m = new LinkedHashMap<>();
        bands.forEach((k, v) -> m.put(k, new double[][] {v[0], v[1]}));
        return m;
    }

    /**
     * The latent density histogram of each variant's final SAEs (mean over seeds), drawn as steps
     * over log10 frequency, from the lowest frequency the held-out rows can show (1/rows) to 1.
     */
    static Path density(Experiment.Result r, Path png, Plots.Palette colour) throws IOException {
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
                "latents per bin", series, false, false, false, colour);
    }

    /** Column i of a band: the mean, min and max of the seeds' values. */
    private static void spread(double[] values, double[][] band, int i) {
        double sum = 0, lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double v : values) { sum += v; lo = Math.min(lo, v); hi = Math.max(hi, v); }
        band[1][i] = sum / values.length;
        band[2][i] = lo;
        band[3][i] = hi;
    }

    /** Per variant, {step, seed mean, min, max} of a curve quantity. */
    private static Map<String, double[][]> curves(Experiment.Result r, List<String> variants, ToDoubleFunction<Experiment.CurvePoint> f) {
        Map<String, double[][]> s = new LinkedHashMap<>();
        for (String v : variants) {
            List<Experiment.RunResult> runs = r.of(v);
            if (runs.isEmpty()) continue;
            int n = runs.stream().mapToInt(x -> x.curve().size()).min().orElse(0);
            double[][] band = new double[4][n];
            for (int i = 0; i < n; i++) {
                final int fi = i;
                band[0][i] = runs.getFirst().curve().get(i).step() + 1;
                spread(runs.stream().mapToDouble(run -> f.applyAsDouble(run.curve().get(fi))).toArray(), band, i);
            }
            s.put(v, band);
        }
        return s;
    }

    /** Per variant, {step, seed mean, min, max} of a snapshot metric at each phase. */
    private static Map<String, double[][]> perPhase(Experiment.Result r, List<String> variants, String key) {
        Map<String, double[][]> s = new LinkedHashMap<>();
        int phases = r.config().phases();
        for (String v : variants) {
            List<Experiment.RunResult> runs = r.of(v);
            if (runs.isEmpty()) continue;
            double[][] band = new double[4][phases];
            for (int i = 0; i < phases; i++) {
                final int fi = i;
                band[0][i] = runs.getFirst().phases().get(i).get(Snapshot.STEP);
                spread(runs.stream().mapToDouble(run -> run.phases().get(fi).get(key)).toArray(), band, i);
            }
            s.put(v, band);
        }
        return s;
    }

    /** Per variant, each run's final value of one metric against another's. */
    private static Map<String, double[][]> finalPairs(Experiment.Result r, String xKey, String yKey) {
        Map<String, double[][]> s = new LinkedHashMap<>();
        for (Variant v : r.config().variants()) {
            List<Experiment.RunResult> runs = r.of(v.id());
            s.put(v.id(), new double[][] {runs.stream().mapToDouble(x -> x.last().get(xKey)).toArray(),
                    runs.stream().mapToDouble(x -> x.last().get(yKey)).toArray()});
        }
        return s;
    }
}
