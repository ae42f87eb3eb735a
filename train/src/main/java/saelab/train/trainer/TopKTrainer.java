package saelab.train.trainer;

import saelab.tensor.kernels.CoFiring;
import saelab.train.optim.GeometricMedian;
import saelab.train.sae.DecoderNorms;
import saelab.train.sae.SaeParams;
import saelab.train.sae.SparseEncoder;
import saelab.train.sae.TopKSae;

/**
 * dictionary_learning's TopK trainer, with the co-firing penalty added to its loss
 * ({@link TopKLoss}): b_dec starts at the geometric median of a batch; decoder rows stay unit
 * norm, with each row's gradient component along the row removed before the step (so Adam does
 * not spend its step on a radial move the projection would undo) and rows renormalised after.
 */
public final class TopKTrainer extends SaeTrainer {
    private final TopKSae sae;
    private final TopKLoss.Settings settings;

    TopKTrainer(TrainConfig cfg, SaeParams params) {
        super(cfg, params);
        this.sae = new TopKSae(new TopKSae.Config(cfg.dIn(), cfg.dSae(), cfg.k()), params);
        this.settings = new TopKLoss.Settings(cfg.penalty(), cfg.auxkAlpha(), cfg.kAux());
    }

    static TopKTrainer fresh(TrainConfig cfg) {
        return new TopKTrainer(cfg, TopKSae.init(new TopKSae.Config(cfg.dIn(), cfg.dSae(), cfg.k()), cfg.seed()).params());
    }

    public TopKSae sae() { return sae; }

    @Override public void initialize(float[] x, int rows) {
        float[] median = GeometricMedian.of(x, rows, cfg.dIn(), 100, 1e-5);
        System.arraycopy(median, 0, params.bDec().data(), 0, cfg.dIn());
    }

    @Override protected StepStats lossAndBackward(float[] x, int rows, long step, double p, boolean allPairs) {
        TopKLoss.Terms t = TopKLoss.compute(sae, x, rows, p, settings, deadMask(), allPairs);
        t.total().backward();
        SparseEncoder.Selection sel = t.forward().selection();
        boolean[] fired = new boolean[cfg.dSae()];
        float[] v = sel.values();
        int[] idx = sel.indices();
        for (int i = 0; i < v.length; i++) if (v[i] > 0) fired[idx[i]] = true;
        int active = recordFiring(fired, rows);
        CoFiring.Summary cs = t.penalty() == null ? null : t.penalty().summary();
        return new StepStats(step, p, 0, t.total().item(), t.recon(), t.auxk(), cfg.auxkAlpha(), t.penaltyTerm(),
                t.penalty() == null ? 0 : t.penalty().lambda2(), t.penalty() == null ? 0 : t.penalty().threshold(),
                cs == null ? 0 : cs.penalty(), cs == null ? 0 : cs.coFiringPairs(), cs == null ? 0 : cs.penalizedPairs(),
                cs == null ? 0 : cs.meanC(), SparseEncoder.l0(sel),
                explainedVariance(x, t.forward().reconstruction().data(), rows, cfg.dIn()), active, deadCount(), 0);
    }

    @Override public Reconstruction reconstruct(float[] x, int rows) {
        try (var g = saelab.tensor.NoGrad.enter()) {
            TopKSae.Forward f = sae.forward(x, rows);
            return new Reconstruction(f.reconstruction().toArray(), SparseEncoder.l0(f.selection()));
        }
    }

    @Override protected void beforeUpdate() {
        float[] g = params.wDec().gradData();
        if (g != null) DecoderNorms.removeParallelComponent(params.wDec().data(), g, cfg.dSae(), cfg.dIn());
    }

    @Override protected void afterUpdate() {
        DecoderNorms.normalizeRows(params.wDec().data(), cfg.dSae(), cfg.dIn(), 1f);
    }
}
