package saelab.train;

import java.util.Map;
import saelab.tensor.kernels.VectorOps;

/**
 * Hashes of training runs recorded per lane count ({@link VectorOps#lanes}): the kernels sum by lanes
 * and by tiles of whole vectors, so a run's bits are the same on every machine with this JVM's lane
 * count and differ between counts. 16 lanes were recorded on AVX-512; 8 and 4 on the same machine with
 * {@code -XX:MaxVectorSize=32} and {@code =16}, which is what the Vector API gives on AVX2 and on NEON
 * or SSE (lanewise IEEE arithmetic, fused multiply-adds exact everywhere). The 8-lane hashes hold under
 * {@code -XX:UseAVX=2} too (AVX2's 16 registers, where the GEMM's tile and the backward's four-vector
 * column kernel take their 16-register forms, with the same bits).
 */
public final class RecordedBits {
    private RecordedBits() {}

    /** The value recorded for this JVM's lane count, or null where none was (the caller skips or says so). */
    public static <T> T forThisMachine(Map<Integer, T> byLanes) {
        return byLanes.get(VectorOps.lanes());
    }

    /** Why a recorded comparison cannot run here. */
    public static String notRecorded(Map<Integer, ?> byLanes) {
        return "hashes recorded for " + byLanes.keySet() + " float lanes; this JVM's preferred vectors have " + VectorOps.lanes();
    }
}
