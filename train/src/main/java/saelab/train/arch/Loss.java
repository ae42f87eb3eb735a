package saelab.train.arch;

import java.util.List;
import saelab.tensor.Tensor;

/**
 * One step's loss of an SAE: the total in the autograd graph, its named terms, and what the
 * trainer records besides (which latents fired, L0, the reconstruction for explained variance).
 * An architecture with fixed-k sparse codes ({@link SaeArchitecture#supportsPenalty}) also hands
 * the trainer its code values (a tensor in the graph, rows × k), their latent indices and k, on
 * which the co-firing and orthogonal penalties act.
 *
 * @param total          the loss to differentiate (the penalty is not in it: the trainer adds it)
 * @param terms          the named terms, in order, reconstruction first; total = Σ weight·value
 * @param fired          per latent, whether it fired on this batch
 * @param l0             mean number of firing latents per row
 * @param reconstruction x̂, rows × d
 * @param codeValues     rows × k code values in the graph, or null
 * @param codeIndices    their latents, rows × k, or null
 * @param k              code slots per row, or 0
 */
public record Loss(Tensor total, List<LossTerm> terms, boolean[] fired, double l0, float[] reconstruction,
                   Tensor codeValues, int[] codeIndices, int k) {

    public Loss {
        terms = List.copyOf(terms);
        if (terms.isEmpty()) throw new IllegalArgumentException("a loss needs at least one named term");
    }

    /** A loss without sparse codes for a penalty. */
    public Loss(Tensor total, List<LossTerm> terms, boolean[] fired, double l0, float[] reconstruction) {
        this(total, terms, fired, l0, reconstruction, null, null, 0);
    }
}
