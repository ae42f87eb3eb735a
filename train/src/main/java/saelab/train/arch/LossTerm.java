package saelab.train.arch;

/**
 * One named term of a training loss, as it enters the total: weight·value.
 *
 * @param name      the term's name: the log writes its value as NAME_loss ("recon", "auxk", "l1", ...)
 * @param value     the unweighted value this step
 * @param weightKey the log key of its weight ("auxk_alpha", "l1_coefficient"), or null for weight 1 unlogged
 * @param weight    its weight this step
 */
public record LossTerm(String name, double value, String weightKey, double weight) {

    /** A term with weight 1 and no weight column (the reconstruction). */
    public static LossTerm unweighted(String name, double value) {
        return new LossTerm(name, value, null, 1);
    }

    /** The term's log key. */
    public String logKey() { return name + "_loss"; }
}
