package saelab.eval.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import saelab.train.arch.LossTerm;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import saelab.eval.report.SeedSpread;
import saelab.model.harvest.HarvestManifest;
import saelab.train.penalty.PenaltyConfig;

/**
 * results.json: the configuration (with the synthetic source, or the model, data and harvest),
 * every run's final and per-phase numbers with its co-firing and latent density histograms, its
 * training curve, the per-variant summary over seeds, on a model what each model metric holds for
 * the whole experiment ("model_metrics": e.g. the residual baseline of sparse probing, the letter
 * probes of first-letter absorption), and the conclusion. Metrics a run did not
 * measure are absent; NaN and infinities are written as null. Written atomically.
 */
final class ResultsJson {
    private ResultsJson() {}

    /** The final metrics each run also carries at its top level (others check these first). */
    static final java.util.List<String> HEADLINE = java.util.List.of(Snapshot.MCC, Snapshot.EV, Snapshot.L0, Snapshot.ABSORPTION);

    static void write(Experiment.Result r, Map<String, Map<String, SeedSpread>> summary, List<Verdicts.Row> verdicts, String conclusion,
                      Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ExperimentConfig c = r.config();
        ObjectNode cfg = root.putObject("config");
        cfg.put("source", c.sourceSpec());
        if (r.synthetic() != null) cfg.put("synthetic", r.synthetic().toString());
        if (r.onModel()) model(cfg.putObject("model"), r);
        cfg.put("steps", c.steps());
        cfg.put("batch", c.batch());
        cfg.put("m", c.m());
        cfg.put("k", c.k());
        cfg.put("phases", c.phases());
        cfg.put("eval_rows", r.onModel() ? r.model().heldOutRows() : c.evalRows());
        if (!r.onModel()) {
            cfg.put("held_out_batch_index", ExperimentConfig.HELD_OUT_INDEX);
            cfg.put("recovery_bar", c.recoveryBar());
        }
        ArrayNode seeds = cfg.putArray("seeds");
        c.seeds().forEach(seeds::add);
        ArrayNode vs = cfg.putArray("variants");
        for (Variant v : c.variants()) {
            ObjectNode o = vs.addObject();
            o.put("id", v.id());
            o.put("description", v.description());
            o.put("architecture", v.architecture().name());
            o.put("role", v.role().name().toLowerCase(java.util.Locale.ROOT));
            PenaltyConfig pc = v.penaltyConfig();
            o.put("penalty", PenaltyConfig.name(pc.kind()));
            if (pc.active()) {
                o.put("lambda2", pc.lambda2().spec());
                if (pc.kind() == PenaltyConfig.Kind.ORTHOGONAL) {
                    o.put("chunks", pc.chunks());
                } else {
                    o.put("threshold", pc.threshold().spec());
                    o.put("overlap", PenaltyConfig.name(pc.target()));
                    o.put("normalization", PenaltyConfig.name(pc.normalization()));
                }
            }
            o.put("lr", c.onModel() ? v.modelLr(c.m()) : v.lr());
            if (v.l1() > 0) o.put("l1", v.l1());
        }
        cfg.put("ev_equivalence_margin", c.evMargin());
        cfg.put("commit", System.getProperty("saelab.commit", "unknown"));
        root.put("wall_seconds", r.seconds());
        ArrayNode runs = root.putArray("runs");
        for (Experiment.RunResult run : r.runs()) {
            ObjectNode o = runs.addObject();
            o.put("variant", run.variant());
            o.put("seed", run.seed());
            Snapshot last = run.last();
            for (String key : HEADLINE) if (last.has(key)) num(o, key, last.get(key));
            PenaltyActivity activity = PenaltyActivity.of(run);
            num(o, "penalty_active_fraction", activity.nonZeroFraction());
            num(o, "penalty_share_mean", activity.meanShare());
            num(o, "penalty_negligible_fraction", activity.quietFraction());
            o.put("dir", run.dir().toString());
            o.put("train_seconds", run.trainSeconds());
            o.put("eval_seconds", run.evalSeconds());
            putMetrics(o.putObject("final"), run.last().metrics());
            ArrayNode ph = o.putArray("phases");
            for (Snapshot s : run.phases()) {
                ObjectNode p = ph.addObject();
                putMetrics(p, s.metrics());
                ArrayNode h = p.putArray("cofiring_histogram");
                for (long v : s.coFiringHistogram()) h.add(v);
                ArrayNode d = p.putArray("density_histogram");
                for (long v : s.densityHistogram()) d.add(v);
            }
            ArrayNode cv = o.putArray("curve");
            for (Experiment.CurvePoint p : run.curve()) {
                ObjectNode q = cv.addObject();
                q.put("step", p.step());
                num(q, "loss", p.loss());
                // The architecture's named terms under their log keys (recon_loss first, then e.g. auxk_loss or l1_loss).
                for (LossTerm t : p.terms()) num(q, t.logKey(), t.value());
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
        ObjectNode density = root.putObject("density_histogram_bins");
        density.put("what", "latents by log10 firing frequency on the held-out rows: one count per bin starting at each edge (width "
                + (double) Snapshot.DENSITY_DECADES / Snapshot.DENSITY_BINS + "), then the dead latents");
        ArrayNode edges = density.putArray("log10_lower_edges");
        for (double e : Snapshot.densityBinEdges()) edges.add(e);
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
        if (r.onModel()) {
            ObjectNode metrics = root.putObject("model_metrics");
            for (ModelMetric m : r.model().metrics()) {
                ObjectNode o = json.createObjectNode();
                m.results(o);
                if (!o.isEmpty()) metrics.set(m.name(), o);
            }
        }
        ArrayNode vt = root.putArray("verdicts");
        for (Verdicts.Row row : verdicts) {
            var v = row.row();
            ObjectNode o = vt.addObject();
            o.put("family", row.family());
            o.put("a", v.comparison().a());
            o.put("b", v.comparison().b());
            o.put("metric", v.metric().name());
            o.put("higher_is_better", v.metric().higherIsBetter());
            if (v.metric().hasMargin()) o.put("equivalence_margin", v.metric().equivalenceMargin());
            o.put("seeds", v.n());
            num(o, "mean_difference", v.meanDifference());
            num(o, "ci95_low", v.ciLow());
            num(o, "ci95_high", v.ciHigh());
            num(o, "p", v.rawP());
            num(o, "holm_p", v.holmP());
            num(o, "cohen_dz", v.cohenDz());
            if (v.metric().hasMargin()) {
                num(o, "tost_p", v.tostP());
                o.put("within_margin", Verdicts.withinMargin(v));
            }
            o.put("verdict", Verdicts.word(v.verdict()));
            num(o, "detectable_effect_80", v.detectableEffect());
            if (v.seedsNeeded() > 0) o.put("seeds_needed", v.seedsNeeded());
            if (row.noTest()) o.put("caveat", row.caveat());
        }
        root.put("conclusion", conclusion);
        try {
            saelab.model.AtomicFiles.write(file, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static void model(ObjectNode o, Experiment.Result r) {
        ModelData md = r.config().model();
        HarvestManifest m = r.model().manifest();
        o.put("model", md.model().toString());
        o.put("model_config_sha256", m.modelConfigSha256());
        o.put("data", md.data().toString());
        o.put("data_sha256", m.data().sha256());
        o.put("layer", md.layer());
        o.put("hook_name", m.hookName());
        o.put("context", md.context());
        o.put("harvest_dir", r.model().harvestDir().toString());
        o.put("harvest_dtype", HarvestManifest.dtypeName(m.dtype()));
        o.put("harvest_tokens", m.tokens());
        o.put("harvested_now_tokens", r.model().harvestedNow());
        o.put("harvest_seconds", r.model().harvestSeconds());
        o.put("held_out_sequences", r.model().heldOutSequences());
        o.put("held_out_rows", md.heldOutRows());
        o.put("held_out_rows_without_bos", r.model().heldOutRows());
        o.put("training_rows_first", md.heldOutRows());
        o.put("training_rows_end", md.harvestTokens());
        ArrayNode metrics = o.putArray("model_metrics");
        r.model().metrics().stream().filter(ModelMetric::ran).forEach(x -> metrics.add(x.name()));
    }

    private static void putMetrics(ObjectNode o, Map<String, Double> m) { m.forEach((k, v) -> num(o, k, v)); }

    /** NaN and infinities are not JSON: written as null. */
    private static void num(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) o.put(k, v); else o.putNull(k);
    }
}
