package saelab.train.trainer;

import java.util.Arrays;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.sae.TopKSae;
import saelab.train.source.SyntheticConfig;
import saelab.train.source.SyntheticSource;

/** Small configurations shared by the trainer tests. */
final class TrainerTestSupport {
    private TrainerTestSupport() {}

    /** Well-separated ground truth: 40 independent features in d = 32, ~3 per sample, no noise. */
    static SyntheticConfig separated(long seed) {
        return new SyntheticConfig(40, 32, 3, 0.0, 1.0, 0.2, 0, 0, 1, 0, false, 0, 0, 0, 0.0, seed);
    }

    static TrainConfig topk(int d, int m, int k, long steps, int batch, long seed, PenaltyConfig pen) {
        return new TrainConfig(TrainConfig.Architecture.TOPK, d, m, k, 3e-3, steps, batch, seed, steps / 20, steps * 8 / 10,
                1.0 / 32, 20L * batch, Math.max(1, d / 2), 0, 0, pen, 1.0, 10, 0, "synthetic", "test", "test");
    }

    private static boolean settled;

    /**
     * Trains a small TopK SAE until two runs in a row end bitwise equal, before tests that compare
     * separate runs bit for bit. The Vector API's reduceLanes(ADD) (in VectorOps.dot and sum)
     * adds its lanes in one order in the interpreter and C1 and in another once C2 compiles it,
     * so the first runs in a fresh JVM differ in the last bits from later ones (measured: two
     * host runs of the same 30 steps, first in the JVM, differ by 2 ulp in W_enc). Once the hot
     * kernels are compiled, the same inputs give the same bits.
     */
    static synchronized void settleJit() {
        if (settled) return;
        TrainConfig cfg = new TrainConfig(TrainConfig.Architecture.TOPK, 64, 128, 8, 3e-3, 30, 64, 1, 5, 20, 1.0 / 32, 128, 32, 0, 0,
                PenaltyConfig.none(), 1.0, 3, 0, "synthetic", "t", "t");
        SyntheticSource src = new SyntheticSource(SyntheticConfig.small(1));
        float[] previous = null;
        for (int run = 0; run < 12; run++) {
            TopKTrainer t = TopKTrainer.on(cfg, TopKSae.init(new TopKSae.Config(64, 128, 8), 1).params(), null);
            float[] x = new float[64 * 64];
            src.batchAt(-1, x, 64);
            t.initialize(x, 64);
            for (int s = 0; s < cfg.steps(); s++) {
                src.batchAt(s, x, 64);
                t.step(x, 64);
            }
            float[] now = t.params().wEnc().toArray();
            if (previous != null && Arrays.equals(previous, now)) {
                settled = true;
                return;
            }
            previous = now;
        }
        throw new AssertionError("12 identical training runs in a row still differ bitwise: not the JIT settling");
    }
}
