package saelab.train.sae;

import java.util.Map;
import saelab.tensor.Tensor;

/**
 * One training step's loss of a sparse SAE: the recorded total to backpropagate, each named term's
 * value (unweighted, in the order the loss adds them; a term that was not computed is absent),
 * the codes the step kept and the reconstruction (x̂ of the whole dictionary, for L0, firing
 * counts and explained variance).
 */
public record TrainingLoss(Tensor total, Map<String, Double> terms, SparseEncoder.Selection selection, Tensor reconstruction) {
    public TrainingLoss {
        terms = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(terms));
    }

    /** A term's value, 0 when the step did not compute it. */
    public double term(String name) { return terms.getOrDefault(name, 0.0); }
}
