package saelab.tornado;

import saelab.tensor.backend.Backend;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.trainer.DeviceTopKStep;
import saelab.train.trainer.TrainConfig;

/**
 * Offers {@link ResidentTopKStep} to the TopK trainer when the run is on the tornado backend and
 * the step is one it computes: k and the auxiliary k within {@link TopKKernel#KMAX}, every
 * buffer within int indexing, and no penalty or a co-firing one with batch or min-count
 * normalisation (Jaccard and the orthogonal penalty train on the host step).
 */
public final class ResidentTopKStepFactory implements DeviceTopKStep.Factory {
    /** The largest buffer TornadoVM's arrays index with an int, with room for the 2-D GEMM grids. */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE / 2;

    /** @param topk what the architecture's settings give the step (DeviceSteps asks only residentCapable architectures) */
    @Override public DeviceTopKStep.Opening open(TrainConfig cfg, DeviceTopKStep.TopK topk, Backend backend) {
        if (!(backend instanceof TornadoBackend)) return DeviceTopKStep.Opening.no("the backend is " + backend.name() + ", not tornado");
        int kAux = Math.min(topk.kAux(), cfg.dSae());
        if (topk.k() > TopKKernel.KMAX || kAux > TopKKernel.KMAX) {
            return DeviceTopKStep.Opening.no("k = " + topk.k() + " and k_aux = " + kAux + " must be at most " + TopKKernel.KMAX + " on the device");
        }
        if (cfg.penalty().kind() == PenaltyConfig.Kind.ORTHOGONAL) {
            return DeviceTopKStep.Opening.no("the orthogonal penalty has no device step; it trains on the host");
        }
        if (cfg.penalty().active() && !CoFiringPlan.handles(cfg.penalty().normalization())) {
            return DeviceTopKStep.Opening.no("the device co-firing kernel has batch and min-count normalisation only; "
                    + PenaltyConfig.name(cfg.penalty().normalization()) + " trains on the host");
        }
        long rowsByM = (long) cfg.batch() * cfg.dSae(), dByM = (long) cfg.dIn() * cfg.dSae();
        if (rowsByM > MAX_ELEMENTS || dByM > MAX_ELEMENTS || (long) cfg.batch() * Math.max(cfg.dIn(), kAux) > MAX_ELEMENTS) {
            return DeviceTopKStep.Opening.no("batch × m = " + rowsByM + " or d × m = " + dByM + " exceeds the device arrays' int indexing ("
                    + MAX_ELEMENTS + ")");
        }
        return DeviceTopKStep.Opening.of(new ResidentTopKStep(cfg, topk, backend.device()));
    }
}
