package saelab.eval.experiment;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import saelab.eval.StatusLine;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.harvest.HarvestException;
import saelab.model.harvest.HarvestManifest;
import saelab.model.harvest.Harvester;
import saelab.train.source.ShardSource;

/**
 * The experiment on a gemma-2 model's activations: the variants × seeds of {@link Experiment},
 * trained from one harvest instead of the synthetic source, so the model runs once for the
 * activations, not once per run.
 *
 * <ol>
 *   <li>Harvest ({@link Harvester}) into {@code out/harvest/}: the held-out sequences first, then
 *       the training rows. Run again with the same {@code out}, the harvest is reused as it
 *       stands (its manifest says what it holds), resumed after an interruption, or extended when
 *       more tokens are asked for; one with another model, data file, layer, context or dtype is
 *       refused with the differences listed (delete {@code out/harvest} or choose another out).</li>
 *   <li>Each run trains from the training rows through a {@link ShardSource} (BOS rows skipped,
 *       shuffled with the experiment's data seed, the same stream for every run), and is
 *       measured after each phase on the held-out rows that are not {@code <bos>}: reconstruction,
 *       sparsity, latent density and separation ({@link Snapshot}; no ground truth here).</li>
 *   <li>The model is loaded once for all runs, and each model metric ({@link ModelMetric}: the splice
 *       scores by default; sparse probing and first-letter absorption when asked) does its work that
 *       does not depend on the SAE ({@link ModelMetric#prepare}: residual passes, probes on residuals)
 *       before the first run trains. After the last phase of each run they measure its final SAE.</li>
 * </ol>
 */
public final class ModelExperiment {
    private ModelExperiment() {}

    /**
     * What the model experiment ran on, for the report.
     *
     * @param harvestedNow   tokens this run harvested (0: the harvest was reused as it stood)
     * @param harvestSeconds time spent harvesting (and checking the harvest)
     */
    public record Info(Path harvestDir, HarvestManifest manifest, int heldOutSequences, int heldOutRows, long trainingRows,
                       long harvestedNow, double harvestSeconds, List<ModelMetric> metrics) {}

    /** Harvests (or reuses) the activations, then trains and evaluates every variant × seed. */
    public static Experiment.Result run(ExperimentConfig e, PrintStream err, List<ModelMetric> metrics) {
        long begin = System.nanoTime();
        ModelData md = e.model();
        long[] harvested = new long[1];
        HarvestManifest manifest = harvest(e, err, harvested);
        double harvestSeconds = (System.nanoTime() - begin) / 1e9;
        HeldOutSet held = HeldOutSet.read(e.harvestDir(), manifest, md.heldOutSequences());
        Info info = new Info(e.harvestDir(), manifest, md.heldOutSequences(), held.rows(), md.tokens(), harvested[0], harvestSeconds, List.copyOf(metrics));
        if (err != null) {
            err.printf(Locale.ROOT, "held-out: %d sequences × %d tokens (rows [0, %d)), %d rows without <bos> for the core metrics; training rows [%d, %d)%n",
                    md.heldOutSequences(), md.context(), md.heldOutRows(), held.rows(), md.heldOutRows(), md.harvestTokens());
        }
        List<Experiment.RunResult> runs = new ArrayList<>();
        ExperimentProgress progress = new ExperimentProgress(err, ExperimentProgress.plan(e), 1, begin); // one run at a time, on every core
        try (Gemma2Model model = Gemma2Model.load(md.model())) {
            prepare(e, model, metrics, err);
            for (Variant v : e.variants()) {
                for (long seed : e.seeds()) {
                    ShardSource.Options o = ShardSource.Options.defaults().withSeed(e.dataSeed()).withRows(md.heldOutRows(), md.harvestTokens());
                    try (ShardSource src = new ShardSource(e.harvestDir(), o)) {
                        runs.add(Experiment.runOne(e, v, seed, src, (cfg, p, step, last, status) -> {
                            Snapshot s = Snapshot.measure(cfg, p, step, held.x(), held.rows());
                            if (!last) return s;
                            ModelMetric.Context ctx = new ModelMetric.Context(e, model, held, Experiment.runDir(e, v, seed), status);
                            Map<String, Double> more = new LinkedHashMap<>();
                            for (ModelMetric metric : metrics) {
                                status.accept("eval: " + metric.name() + "...");
                                more.putAll(metric.measure(ctx, cfg, p));
                            }
                            return saelab.eval.saebench.ExperimentSaeBench.core(e, Experiment.runDir(e, v, seed), cfg, s.with(more), true, held.rows());
                        }, progress.start(v.id(), Experiment.label(v, seed), e.steps())));
                    }
                }
            }
        }
        return new Experiment.Result(e, null, info, runs, (System.nanoTime() - begin) / 1e9);
    }

    /** Each metric's once-per-experiment work ({@link ModelMetric#prepare}), with a status line and its log lines on err. */
    static void prepare(ExperimentConfig e, Gemma2Model model, List<ModelMetric> metrics, PrintStream err) {
        for (ModelMetric metric : metrics) {
            if (!metric.ran()) {
                if (err != null) err.println(metric.name() + ": not run (see the report)");
                continue;
            }
            StatusLine line = err == null ? null : new StatusLine(err, 5_000_000_000L);
            long t0 = System.nanoTime();
            metric.prepare(e, model, text -> {
                if (line != null) line.show(metric.name() + ": " + text, false);
            }, text -> {
                if (line == null) return;
                line.finish();
                err.println(metric.name() + ": " + text);
            });
            if (line != null) line.finish();
            double s = (System.nanoTime() - t0) / 1e9;
            if (err != null && s >= 1) err.printf(Locale.ROOT, "%s: prepared in %.1f s%n", metric.name(), s);
        }
    }

    /**
     * Runs the harvest of {@code e.harvestDir()} to the rows the experiment needs (nothing when it
     * holds them already) and returns its manifest; {@code harvested[0]} gets the rows harvested now.
     */
    static HarvestManifest harvest(ExperimentConfig e, PrintStream err, long[] harvested) {
        ModelData md = e.model();
        Path dir = e.harvestDir();
        HarvestProgress progress = new HarvestProgress(err, dir);
        HarvestManifest m;
        try {
            m = Harvester.run(md.harvestSettings(dir), progress);
        } catch (HarvestException ex) {
            throw new HarvestException(ex.getMessage() + "\n(This is the experiment's harvest folder " + dir
                    + ": delete it to harvest afresh, or give the experiment another --out.)", ex);
        }
        progress.finish(m);
        harvested[0] = progress.rows;
        if (m.tokens() < md.harvestTokens()) {
            throw new HarvestException(md.data() + ": the data ran out at " + m.tokens() + " tokens (packed into sequences of " + md.context()
                    + "); the experiment needs " + md.heldOutRows() + " held-out + " + md.tokens() + " training = " + md.harvestTokens()
                    + ". Give more text, or lower --tokens or --heldout-tokens.");
        }
        return m;
    }

    /** Harvest progress on stderr: tokens, rate and time left, a line every 5 s at most. */
    private static final class HarvestProgress implements Harvester.Listener {
        private final PrintStream err;
        private final Path dir;
        private long start, lastPrint, toHarvest, rows;

        HarvestProgress(PrintStream err, Path dir) {
            this.err = err;
            this.dir = dir;
        }

        @Override public void starting(HarvestManifest kept, long rowsToHarvest) {
            start = lastPrint = System.nanoTime();
            toHarvest = rowsToHarvest;
            if (err == null) return;
            if (rowsToHarvest == 0) {
                err.printf(Locale.ROOT, "harvest: reusing %s (%d tokens, %s of %s)%n", dir, kept.tokens(), kept.hookName(), kept.model());
            } else {
                if (!kept.shards().isEmpty()) err.printf(Locale.ROOT, "harvest: %d tokens kept in %s, harvesting the rest%n", kept.tokens(), dir);
                err.printf(Locale.ROOT, "harvest: %d tokens of %s (%s of %s) into %s%n", rowsToHarvest, kept.dataFile(), kept.hookName(), kept.model(), dir);
            }
        }

        @Override public void harvested(long rowsThisRun) {
            rows = rowsThisRun;
            long now = System.nanoTime();
            if (err == null || (now - lastPrint < 5_000_000_000L && rowsThisRun < toHarvest)) return;
            lastPrint = now;
            double s = (now - start) / 1e9, rate = rowsThisRun / Math.max(s, 1e-9);
            err.printf(Locale.ROOT, "harvest: %d / %d tokens (%.0f%%), %.0f tokens/s%s%n", rowsThisRun, toHarvest, 100.0 * rowsThisRun / toHarvest, rate,
                    rowsThisRun < toHarvest ? String.format(Locale.ROOT, ", %.0f s left", (toHarvest - rowsThisRun) / rate) : "");
        }

        void finish(HarvestManifest m) {
            if (err == null || toHarvest == 0) return;
            double s = (System.nanoTime() - start) / 1e9;
            err.printf(Locale.ROOT, "harvest: done: %d tokens in %.1f s (%.0f tokens/s); %d tokens in %d shards%n", rows, s, rows / Math.max(s, 1e-9),
                    m.tokens(), m.shards().size());
        }
    }
}
