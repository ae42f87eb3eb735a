package saelab.train.trainer;

import saelab.tensor.Tensor;
import saelab.train.sae.ReluSae;
import saelab.train.sae.SaeParams;

/**
 * dictionary_learning's April-update standard trainer: loss = ‖x − x̂‖² (sum over d, mean over
 * rows) + λ1·min(1, step / l1_warmup)·Σ_j f_j·‖W_dec[j]‖. The decoder is not constrained (the
 * norm-weighted L1 already stops the trade of small codes for large rows); b_dec starts at 0.
 */
public final class StandardTrainer extends SaeTrainer {
    private final ReluSae sae;

    /** @param engine the {@link #engine} line (always a host one: the resident step is TopK's) */
    StandardTrainer(TrainConfig cfg, SaeParams params, String engine) {
        super(cfg, params, engine);
        this.sae = new ReluSae(new ReluSae.Config(cfg.dIn(), cfg.dSae()), params);
    }

    static StandardTrainer fresh(TrainConfig cfg, String engine) {
        return new StandardTrainer(cfg, ReluSae.init(new ReluSae.Config(cfg.dIn(), cfg.dSae()), cfg.seed()).params(), engine);
    }

    public ReluSae sae() { return sae; }

    @Override public void initialize(float[] x, int rows) {
        // April update: biases start at zero; nothing depends on data.
    }

    @Override public Reconstruction reconstruct(float[] x, int rows) {
        try (var g = saelab.tensor.NoGrad.enter()) {
            ReluSae.Forward f = sae.forward(x, rows);
            long nonzero = 0;
            for (float v : f.latents().toArray()) if (v > 0) nonzero++;
            return new Reconstruction(f.reconstruction().toArray(), (double) nonzero / rows);
        }
    }

    /** The L1 coefficient at a step: linear warm-up from 0 (dictionary_learning's sparsity_scale). */
    double l1At(long step) {
        return cfg.l1WarmupSteps() == 0 ? cfg.l1() : cfg.l1() * Math.min(1.0, (double) step / cfg.l1WarmupSteps());
    }

    @Override protected StepStats lossAndBackward(float[] x, int rows, long step, double p, boolean allPairs) {
        int d = cfg.dIn(), m = cfg.dSae();
        ReluSae.Forward fw = sae.forward(x, rows);
        Tensor recon = fw.reconstruction().sub(Tensor.wrap(x, 0, rows, d)).square().sum(1, false).mean();
        Tensor l1 = sae.weightedL1(fw.latents());
        double w = l1At(step);
        Tensor total = recon.add(l1.mul((float) w));
        total.backward();
        float[] f = fw.latents().data();
        boolean[] fired = new boolean[m];
        long nonzero = 0;
        for (int i = 0; i < rows * m; i++) if (f[i] > 0) { fired[i % m] = true; nonzero++; }
        int active = recordFiring(fired, rows);
        return new StepStats(step, p, 0, total.item(), recon.item(), l1.item(), w, 0, 0, 0, 0, 0, 0, 0,
                (double) nonzero / rows, explainedVariance(x, fw.reconstruction().data(), rows, d), active, deadCount(), 0);
    }
}
