package saelab.train.checkpoint;

import saelab.train.TestConfigs;
import java.nio.file.Path;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.source.SyntheticConfig;
import saelab.train.source.SyntheticSource;
import saelab.train.trainer.TrainConfig;
import saelab.train.trainer.TrainingRun;
import saelab.model.RunLock;

/**
 * What the crash and lock tests run in a child JVM: {@code train DIR} trains {@link #config} into
 * DIR, printing "step N" after each step (before its checkpoint); {@code lock DIR} takes the
 * folder's lock, prints "locked" and holds it until killed.
 */
public final class CrashChild {
    private CrashChild() {}

    /** Tiny, with a checkpoint after every step so that a kill lands inside a checkpoint's writes often. */
    static TrainConfig config() {
        return TestConfigs.legacy("topk", 64, 128, 8, 3e-3, 40, 64, 5, 4, 30, 1.0 / 32, 128, 32, 0.04, 10,
                PenaltyConfig.none(), 1.0, 5, 1, "synthetic", "t", "t");
    }

    static SyntheticSource source() { return new SyntheticSource(SyntheticConfig.small(13)); }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        switch (args[0]) {
            case "train" -> TrainingRun.start(config(), source(), new TrainingRun.Options(dir, 0, (s, tokens, seconds) -> {
                System.out.println("step " + s.step());
                System.out.flush();
            }));
            case "lock" -> {
                try (RunLock lock = RunLock.acquire(dir)) {
                    System.out.println("locked");
                    System.out.flush();
                    Thread.sleep(120_000);
                }
            }
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }
}
