package saelab.eval.experiment;

import java.util.ArrayList;
import saelab.train.arch.Sae;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import saelab.eval.SpliceScores;
import saelab.train.sae.SaeParams;
import saelab.train.trainer.TrainConfig;

/**
 * SAEBench's KL-div and CE-loss scores of a run's final SAE ({@link SpliceScores}) over the
 * held-out sequences, with the raw KL and CE (clean, spliced, zero-ablated) beside them. The SAE's
 * reconstruction replaces the residual after the harvested layer at every position except the
 * {@code <bos>} ones, which keep their own residual (SAEBench's exclude-special-tokens setting:
 * the SAE never trained on those attention-sink rows). The held-out set goes through the model
 * in chunks of whole sequences, sized so one pass's logits stay near {@link #LOGITS_FLOATS} floats,
 * and the chunks are pooled ({@link SpliceScores#pooled}).
 */
public final class SpliceMetric implements ModelMetric {
    public static final String KL_SCORE = "kl_div_score", CE_SCORE = "ce_loss_score", KL_SAE = "kl_div_sae",
            KL_ABLATION = "kl_div_ablation", CE_CLEAN = "ce_loss_clean", CE_SAE = "ce_loss_sae", CE_ABLATION = "ce_loss_ablation";

    /** Logits per forward pass: 2^26 floats (256 MiB); each chunk holds three passes' logits at once. */
    static final long LOGITS_FLOATS = 1L << 26;

    @Override public String name() { return "splice"; }

    @Override public List<ExperimentReport.Column> summaryColumns() {
        return List.of(new ExperimentReport.Column(KL_SCORE, "KL-div score", 4), new ExperimentReport.Column(CE_SCORE, "CE-loss score", 4));
    }

    @Override public List<ExperimentReport.Column> runColumns() {
        return List.of(new ExperimentReport.Column(KL_SCORE, "KL-div score", 4), new ExperimentReport.Column(CE_SCORE, "CE-loss score", 4),
                new ExperimentReport.Column(KL_SAE, "KL (SAE)", 4), new ExperimentReport.Column(KL_ABLATION, "KL (zero)", 4),
                new ExperimentReport.Column(CE_CLEAN, "CE clean", 4), new ExperimentReport.Column(CE_SAE, "CE (SAE)", 4),
                new ExperimentReport.Column(CE_ABLATION, "CE (zero)", 4));
    }

    /** Sequences per chunk for this model and context. */
    static int sequencesPerPass(int context, int vocab) {
        return (int) Math.max(1, LOGITS_FLOATS / ((long) context * vocab));
    }

    @Override public Map<String, Double> measure(Context c, TrainConfig cfg, SaeParams sae) {
        SpliceScores s = scores(c, cfg, sae);
        Map<String, Double> o = new LinkedHashMap<>();
        o.put(KL_SCORE, s.klScore());
        o.put(CE_SCORE, s.ceScore());
        o.put(KL_SAE, s.klSae());
        o.put(KL_ABLATION, s.klAblation());
        o.put(CE_CLEAN, s.ceClean());
        o.put(CE_SAE, s.ceSae());
        o.put(CE_ABLATION, s.ceAblation());
        return o;
    }

    public static SpliceScores scores(Context c, TrainConfig cfg, SaeParams sae) {
        HeldOutSet h = c.heldOut();
        int layer = c.config().model().layer();
        int chunk = sequencesPerPass(h.context(), c.model().config().vocabSize());
        List<SpliceScores> parts = new ArrayList<>();
        for (int from = 0; from < h.sequences(); from += chunk) {
            int n = Math.min(chunk, h.sequences() - from);
            int[] ids = h.ids(from, n);
            c.progress().accept(String.format(java.util.Locale.ROOT, "eval: splice scores, sequences %d–%d of %d", from + 1, from + n, h.sequences()));
            parts.add(SpliceScores.measure(c.model(), ids, n, layer, x -> reconstruct(cfg, sae, x, ids, h.bosTokenId())));
        }
        // One chunk is returned as measured (pooling one part would round-trip its means through × n / n).
        return parts.size() == 1 ? parts.getFirst() : SpliceScores.pooled(parts);
    }

    /** x̂ of the SAE for every row of the residual x, except rows whose token is {@code <bos>}, which keep x. */
    public static float[] reconstruct(TrainConfig cfg, SaeParams sae, float[] x, int[] ids, int bos) {
        int d = sae.dIn(), rows = ids.length;
        if (x.length != rows * d) throw new IllegalArgumentException("residual holds " + x.length + " floats, " + rows + " tokens × " + d + " expected");
        Sae s = cfg.architecture().around(cfg.settings(), sae);
        float[] xHat = s.decode(s.encode(x, rows));
        for (int r = 0; r < rows; r++) if (ids[r] == bos) System.arraycopy(x, r * d, xHat, r * d, d);
        return xHat;
    }
}
