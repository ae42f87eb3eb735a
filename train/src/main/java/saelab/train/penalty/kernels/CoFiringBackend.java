package saelab.train.penalty.kernels;

import saelab.tensor.backend.Backend;

/**
 * A backend's own co-firing pass: a {@link Backend} that also implements this (the tornado
 * backend does) gets {@link CoFiring}'s work when it is selected; any other runs it on the CPU.
 * The co-firing penalty lives in train, so its hook does too; tensor's {@link Backend} keeps the
 * generic kernels (GEMM, bf16 GEMM, TopK). Each method has the contract of the CPU kernel it
 * stands for, and may send shapes it does not handle to {@link CoFiring}'s CPU methods.
 */
public interface CoFiringBackend {

    /** {@link CoFiring#activationOverlap(int, int, int, int[], float[], double, CoFiring.Normalization, float[], long[], boolean)}. */
    CoFiring.Summary activationOverlap(int rows, int k, int m, int[] idx, float[] val, double threshold,
                                       CoFiring.Normalization norm, float[] gradVal, long[] nHistogram, boolean allPairs);

    /** {@link CoFiring#decoderOverlap(int, int, int, int[], float[], double, CoFiring.Normalization, float[], int, float[], long[], boolean)}. */
    CoFiring.Summary decoderOverlap(int rows, int k, int m, int[] idx, float[] val, double threshold,
                                    CoFiring.Normalization norm, float[] w, int d, float[] gradW, long[] nHistogram,
                                    boolean allPairs);

    /** The backend's co-firing pass, or null: the CPU backend and backends without one. */
    static CoFiringBackend of(Backend backend) {
        return !backend.isCpu() && backend instanceof CoFiringBackend c ? c : null;
    }
}
