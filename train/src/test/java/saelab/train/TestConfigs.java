package saelab.train;

import java.util.Map;
import saelab.train.arch.Architectures;
import saelab.train.arch.SaeArchitecture;
import saelab.train.arch.SaeSettings;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.trainer.TrainConfig;

/** Training configurations in the argument order the tests were written in (before the architecture registry). */
public final class TestConfigs {
    private TestConfigs() {}

    /** Every setting of both built-in architectures as before; the named architecture takes its own. */
    public static TrainConfig legacy(String architecture, int dIn, int dSae, int k, double lr, long steps, int batch, long seed,
                                     long warmupSteps, long decayStart, double auxkAlpha, long deadTokens, int kAux, double l1,
                                     long l1WarmupSteps, PenaltyConfig penalty, double gradClip, long logEvery, long checkpointEvery,
                                     String source, String hookName, String modelName) {
        SaeArchitecture a = Architectures.byName(architecture);
        Map<String, String> all = Map.of("k", Integer.toString(k), "auxk_alpha", Double.toString(auxkAlpha), "k_aux", Integer.toString(kAux),
                "l1_coefficient", Double.toString(l1), "l1_warmup_steps", Long.toString(l1WarmupSteps));
        SaeSettings settings = a.settingsOffered(all, dIn, dSae);
        return new TrainConfig(settings, dIn, dSae, lr, steps, batch, seed, warmupSteps, decayStart, deadTokens, penalty, gradClip,
                logEvery, checkpointEvery, source, hookName, modelName);
    }
    /** TopK's settings of a topk configuration (tests only: main code asks the architecture). */
    public static saelab.train.arch.TopKSettings topk(TrainConfig cfg) {
        return (saelab.train.arch.TopKSettings) cfg.settings();
    }
}
