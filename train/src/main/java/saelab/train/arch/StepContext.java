package saelab.train.arch;

/**
 * What a training step tells {@link Sae#loss} besides the batch.
 *
 * @param step     the optimiser step (0-based)
 * @param progress step / steps, in [0, 1)
 * @param dead     latents without a firing for the dead-token window (null: none known)
 * @param seed     the run's seed (for anything drawn per step)
 */
public record StepContext(long step, double progress, boolean[] dead, long seed) {

    /** How many latents are dead. */
    public int deadCount() {
        int n = 0;
        if (dead != null) for (boolean b : dead) if (b) n++;
        return n;
    }
}
