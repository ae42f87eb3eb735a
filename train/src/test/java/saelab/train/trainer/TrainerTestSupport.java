package saelab.train.trainer;

import saelab.train.TestConfigs;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.source.SyntheticConfig;

/** Small configurations shared by the trainer tests. */
final class TrainerTestSupport {
    private TrainerTestSupport() {}

    /** Well-separated ground truth: 40 independent features in d = 32, ~3 per sample, no noise. */
    static SyntheticConfig separated(long seed) {
        return SyntheticConfig.independent(40, 32, 3, 1.0, 0.2, seed);
    }

    static TrainConfig topk(int d, int m, int k, long steps, int batch, long seed, PenaltyConfig pen) {
        return TestConfigs.legacy("topk", d, m, k, 3e-3, steps, batch, seed, steps / 20, steps * 8 / 10,
                1.0 / 32, 20L * batch, Math.max(1, d / 2), 0, 0, pen, 1.0, 10, 0, "synthetic", "test", "test");
    }
}
