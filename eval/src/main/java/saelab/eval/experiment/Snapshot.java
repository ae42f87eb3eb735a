package saelab.eval.experiment;

import java.util.LinkedHashMap;
import saelab.train.sae.SparseCodes;
import saelab.train.arch.Sae;
import java.util.Map;
import saelab.eval.GroundTruthScores;
import saelab.eval.HierarchyAbsorption;
import saelab.eval.ReconstructionMetrics;
import saelab.eval.SparsityMetrics;
import saelab.train.sae.SaeParams;
import saelab.train.source.SyntheticSource;
import saelab.train.trainer.TrainConfig;

/**
 * Everything measured about one SAE at one point of training, on the held-out batch: a flat
 * map of named numbers (the keys below, as written to results.json), the co-firing n_ij
 * histogram, and the latent density histogram (log10 firing frequency of each latent; see
 * {@link #densityBinEdges()}). On a model there is no ground truth: the ground-truth and
 * absorption keys are absent (not zero), and the final snapshot carries the model metrics
 * ({@link ModelMetric}) instead.
 */
public record Snapshot(Map<String, Double> metrics, long[] coFiringHistogram, long[] densityHistogram) {

    public static final String STEP = "step", P = "p", LAMBDA2 = "lambda2", THRESHOLD = "threshold",
            EV = "explained_variance", EV_LEGACY = "explained_variance_legacy", MSE = "mse", COSINE = "cosine_similarity",
            L2_RATIO = "l2_ratio", REL_BIAS = "relative_bias", L0 = "l0", L1 = "l1", DEAD = "dead_latents", DENSE = "dense_latents",
            ACTIVE = "active_latents", MCC = GroundTruthScores.MCC, SIGNED_COS = GroundTruthScores.SIGNED_COS,
            F1 = GroundTruthScores.F1, UNIQUENESS = GroundTruthScores.UNIQUENESS, BAR_RECALL = GroundTruthScores.BAR_RECALL,
            ABSORPTION = GroundTruthScores.ABSORPTION, PARENT_RECALL = GroundTruthScores.PARENT_RECALL,
            CHILD_RECALL = GroundTruthScores.CHILD_RECALL, ABSORPTION_PAIRS = GroundTruthScores.ABSORPTION_PAIRS,
            TRUE_PAIRS_ABOVE = GroundTruthScores.TRUE_PAIRS_ABOVE, TRUE_PARENT_CHILD_ABOVE = GroundTruthScores.TRUE_PARENT_CHILD_ABOVE,
            COFIRE_PAIRS = "cofiring_pairs", COFIRE_COS = "cofiring_pair_abs_cos", COFIRE_COS_WEIGHTED = "cofiring_pair_abs_cos_weighted",
            ALL_COS = "all_pair_abs_cos", LATENT_PAIRS_ABOVE = "latent_pairs_above_threshold";

    /** A latent firing on more than this fraction of held-out rows counts as dense. */
    public static final double DENSE_FRACTION = 0.1;
    /** Parent/child pairs seen together fewer times are left out of the absorption mean. */
    public static final int ABSORPTION_MIN_SAMPLES = 10;

    /** Latent density histogram: {@link #DENSITY_BINS} equal bins of log10 frequency over [−{@link #DENSITY_DECADES}, 0], then dead latents. */
    public static final int DENSITY_DECADES = 6, DENSITY_BINS = 4 * DENSITY_DECADES;

    /**
     * The held-out batch and its truth: batch {@link ExperimentConfig#HELD_OUT_INDEX} of the source's
     * stream 0, the same rows for every run, with the true directions and parents read once.
     */
    public record HeldOut(SyntheticSource source, SyntheticSource.Batch batch, float[] directions, int[] parentOf) {
        public static HeldOut of(SyntheticSource s, int rows) {
            SyntheticSource fixed = s.withStream(0);
            return new HeldOut(fixed, fixed.batchAt(ExperimentConfig.HELD_OUT_INDEX, rows), s.directions(), s.parents());
        }
    }

    /**
     * On the synthetic source: every metric, SynthSAEBench's ground-truth scores and the hierarchy
     * absorption included ({@link GroundTruthScores}); the true pairs co-firing above the
     * variant's threshold(p) (the seed's base 0.1 for a variant without a co-firing penalty; at
     * threshold 0, every co-firing pair, as c_ij = [n_ij > 0] there).
     */
    public static Snapshot measure(TrainConfig cfg, SaeParams p, long step, HeldOut h, double bar) {
        SyntheticSource src = h.source();
        SyntheticSource.Batch b = h.batch();
        int rows = b.rows(), d = cfg.dIn();
        double threshold = cfg.penalty().coFiring() ? cfg.penalty().thresholdAt((double) step / cfg.steps()) : BASE_THRESHOLD;
        return measure(cfg, p, step, b.x(), rows, (o, codes, wDec) -> o.putAll(GroundTruthScores.of(h.directions(), h.parentOf(), wDec, d, rows,
                b.rowStart(), b.feature(), codes.k(), codes.idx(), codes.val(),
                new GroundTruthScores.Settings(bar, HierarchyAbsorption.DEFAULT_BAR, ABSORPTION_MIN_SAMPLES, threshold)).metrics()));
    }

    /** The co-firing threshold of the seed (base_threshold), for counting true pairs where a variant has none. */
    public static final double BASE_THRESHOLD = 0.1;

    /** Without ground truth (held-out model activations, BOS rows already left out): reconstruction, sparsity, separation. */
    public static Snapshot measure(TrainConfig cfg, SaeParams p, long step, float[] x, int rows) {
        return measure(cfg, p, step, x, rows, null);
    }

    /** Adds the ground-truth metrics, which need the codes and the decoder. */
    private interface Truth {
        void put(Map<String, Double> o, SparseCodes codes, float[] wDec);
    }

    private static Snapshot measure(TrainConfig cfg, SaeParams p, long step, float[] x, int rows, Truth truth) {
        int d = cfg.dIn(), m = cfg.dSae();
        double prog = (double) step / cfg.steps();
        Sae sae = cfg.architecture().around(cfg.settings(), p);
        SparseCodes codes = sae.encode(x, rows);
        float[] xHat = sae.decode(codes);
        ReconstructionMetrics rec = ReconstructionMetrics.of(x, xHat, rows, d, null);
        SparsityMetrics sp = SparsityMetrics.of(rows, codes.k(), m, codes.idx(), codes.val(), DENSE_FRACTION);
        float[] wDec = p.wDec().data();
        Separation sep = Separation.of(codes, wDec, d, cfg.penalty().coFiring() ? cfg.penalty().thresholdAt(prog) : Double.NaN, cfg.penalty().normalization());
        Map<String, Double> o = new LinkedHashMap<>();
        o.put(STEP, (double) step);
        o.put(P, prog);
        o.put(LAMBDA2, cfg.penalty().lambda2At(prog));
        o.put(THRESHOLD, cfg.penalty().thresholdAt(prog));
        o.put(EV, rec.explainedVariance());
        o.put(EV_LEGACY, rec.explainedVarianceLegacy());
        o.put(MSE, rec.mse());
        o.put(COSINE, rec.cosineSimilarity());
        o.put(L2_RATIO, rec.l2Ratio());
        o.put(REL_BIAS, rec.relativeBias());
        o.put(L0, sp.l0());
        o.put(L1, sp.l1());
        o.put(DEAD, (double) sp.dead());
        o.put(DENSE, (double) sp.dense());
        o.put(ACTIVE, (double) (m - sp.dead()));
        if (truth != null) truth.put(o, codes, wDec);
        o.put(COFIRE_PAIRS, (double) sep.coFiringPairs());
        if (cfg.penalty().coFiring()) {
            o.put(LATENT_PAIRS_ABOVE, (double) sep.pairsAboveThreshold());
        }
        o.put(COFIRE_COS, sep.coFirePairAbsCos());
        o.put(COFIRE_COS_WEIGHTED, sep.coFirePairAbsCosWeighted());
        o.put(ALL_COS, sep.allPairAbsCos());
        return new Snapshot(o, sep.histogram(), sp.log10DensityHistogram(DENSITY_BINS, DENSITY_DECADES));
    }

    /** This snapshot with more metrics (the final snapshot's model metrics). */
    public Snapshot with(Map<String, Double> more) {
        Map<String, Double> o = new LinkedHashMap<>(metrics);
        o.putAll(more);
        return new Snapshot(o, coFiringHistogram, densityHistogram);
    }

    public boolean has(String key) { return metrics.containsKey(key); }

    /** The lower edges of the density bins in log10 frequency: −6, −5.75, …, −0.25. */
    public static double[] densityBinEdges() {
        double[] e = new double[DENSITY_BINS];
        for (int i = 0; i < DENSITY_BINS; i++) e[i] = -DENSITY_DECADES + (double) i * DENSITY_DECADES / DENSITY_BINS;
        return e;
    }

    public double get(String key) {
        Double v = metrics.get(key);
        if (v == null) throw new IllegalArgumentException("no metric " + key);
        return v;
    }
}
