package saelab.train.optim;

/**
 * dictionary_learning's learning-rate multiplier: linear warm-up over the first
 * {@code warmupSteps}, constant, then linear decay to 0 from {@code decayStart} to the end.
 * The warm-up reaches lr/warmup at the first step rather than 0, so no step is wasted.
 */
public record LrSchedule(double lr, long totalSteps, long warmupSteps, long decayStart) {
    public LrSchedule {
        if (!(lr > 0)) throw new IllegalArgumentException("lr must be > 0, got " + lr);
        if (totalSteps <= 0) throw new IllegalArgumentException("steps must be > 0, got " + totalSteps);
        if (warmupSteps < 0 || decayStart < 0) throw new IllegalArgumentException("warm-up and decay start must be ≥ 0");
    }

    public double at(long step) {
        double f = 1;
        if (step < warmupSteps) f = (step + 1.0) / warmupSteps;
        if (decayStart < totalSteps && step >= decayStart) f = Math.min(f, (double) (totalSteps - step) / (totalSteps - decayStart));
        return lr * f;
    }
}
