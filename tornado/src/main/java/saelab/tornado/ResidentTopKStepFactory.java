package saelab.tornado;

import saelab.tensor.backend.Backend;
import saelab.train.trainer.DeviceTopKStep;
import saelab.train.trainer.TrainConfig;

/**
 * Offers {@link ResidentTopKStep} to the TopK trainer when the run is on the tornado backend and
 * the step is one it computes: k and the auxiliary k within {@link TopKKernel#KMAX}, and every
 * buffer within int indexing (with or without the co-firing penalty).
 */
public final class ResidentTopKStepFactory implements DeviceTopKStep.Factory {
    /** The largest buffer TornadoVM's arrays index with an int, with room for the 2-D GEMM grids. */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE / 2;

    @Override public DeviceTopKStep.Opening open(TrainConfig cfg, Backend backend) {
        if (!(backend instanceof TornadoBackend)) return DeviceTopKStep.Opening.no("the backend is " + backend.name() + ", not tornado");
        if (cfg.architecture() != TrainConfig.Architecture.TOPK) return DeviceTopKStep.Opening.no("only the TopK SAE has a resident step");
        int kAux = Math.min(cfg.kAux(), cfg.dSae());
        if (cfg.k() > TopKKernel.KMAX || kAux > TopKKernel.KMAX) {
            return DeviceTopKStep.Opening.no("k = " + cfg.k() + " and k_aux = " + kAux + " must be at most " + TopKKernel.KMAX + " on the device");
        }
        long rowsByM = (long) cfg.batch() * cfg.dSae(), dByM = (long) cfg.dIn() * cfg.dSae();
        if (rowsByM > MAX_ELEMENTS || dByM > MAX_ELEMENTS || (long) cfg.batch() * Math.max(cfg.dIn(), kAux) > MAX_ELEMENTS) {
            return DeviceTopKStep.Opening.no("batch × m = " + rowsByM + " or d × m = " + dByM + " exceeds the device arrays' int indexing ("
                    + MAX_ELEMENTS + ")");
        }
        return DeviceTopKStep.Opening.of(new ResidentTopKStep(cfg, backend.device()));
    }
}
