package saelab.tornado;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import saelab.tensor.backend.Backend;
import saelab.tensor.backend.Backends;
import saelab.tensor.kernels.Gemm;
import saelab.train.penalty.kernels.CoFiring;
import saelab.train.penalty.kernels.CoFiringBackend;

/**
 * The hot kernels on a TornadoVM device (OpenCL or PTX; a GPU, or PoCL on a CPU).
 *
 * <p>Each operation keeps a small cache of {@link GemmPlan}/{@link TopKPlan}/{@link CoFiringPlan}
 * keyed by shape: the first call of a shape JIT-compiles its kernel and allocates its device
 * buffers, later calls reuse both. The least recently used plan is closed (device memory freed)
 * when a cache holds {@link #PLANS} of them. What stays on the device between calls is said in
 * each plan's documentation; in short, GEMM's B operand (the weight in x·W) stays resident until
 * its contents change, the co-firing scratch stays resident, and everything else moves per call.
 *
 * <p>Work too small to repay a device round trip (below {@code minVolume} multiply-adds or
 * elements), shapes beyond the device kernels' limits (k > {@link TopKKernel#KMAX}) and the
 * degenerate shapes (k = 0 and the like) run on {@link Backends#cpu()}, whose contract they share.
 * Calls are serialised: one device queue, plans that are not re-entrant.
 */
public final class TornadoBackend implements Backend, CoFiringBackend {
    /** Plans per operation kept; a training run uses a handful of shapes. */
    static final int PLANS = 16;
    /** Default smallest work offloaded: below this the CPU finishes before the transfers would. */
    public static final long DEFAULT_MIN_VOLUME = 1 << 15;

    private final String device;
    private final boolean hostCpu;
    private final long minVolume;
    private final Map<GemmPlan.Key, GemmPlan> gemms = lru();
    private final Map<TopKPlan.Key, TopKPlan> topKs = lru();
    private final Map<CoFiringPlan.Key, CoFiringPlan> coFirings = lru();

    /** Calls that ran on the device (not handed to the CPU), per operation: tests check that work really moved. */
    long gemmOnDevice, topKOnDevice, coFiringOnDevice;

    TornadoBackend(TornadoBackendProvider.Device device, long minVolume) {
        this.device = device.description();
        this.hostCpu = device.hostCpu();
        this.minVolume = minVolume;
    }

    /** As opened by the provider, offloading everything but tiny work; {@code minVolume} 0 offloads every shape (tests). */
    public static TornadoBackend open(long minVolume) throws saelab.tensor.backend.BackendUnavailableException {
        return new TornadoBackend(TornadoBackendProvider.probe(), minVolume);
    }

    @Override public String name() {
        return "tornado";
    }

    @Override public String device() {
        return device;
    }

    @Override public boolean onHostCpu() {
        return hostCpu;
    }

    @Override public synchronized void sgemm(Gemm.Form form, int m, int n, int k, float[] a, int aOff, int lda,
                                             float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        if (gemmStaysOnCpu(m, n, k)) {
            Backends.cpu().sgemm(form, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            return;
        }
        gemmOnDevice++;
        gemms.computeIfAbsent(new GemmPlan.Key(form, m, n, k, accumulate, false), GemmPlan::new)
                .run(a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    }

    @Override public synchronized void bf16GemmNT(int m, int n, int k, float[] a, int aOff, int lda, MemorySegment b,
                                                  long bByteOff, long ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        if (gemmStaysOnCpu(m, n, k)) {
            Backends.cpu().bf16GemmNT(m, n, k, a, aOff, lda, b, bByteOff, ldb, c, cOff, ldc, accumulate);
            return;
        }
        gemmOnDevice++;
        gemms.computeIfAbsent(new GemmPlan.Key(Gemm.Form.NT, m, n, k, accumulate, true), GemmPlan::new)
                .runBf16(a, aOff, lda, b, bByteOff, ldb, c, cOff, ldc);
    }

    /** Degenerate, too small to repay the transfers, or operands too large for the device arrays' int indices. */
    private boolean gemmStaysOnCpu(int m, int n, int k) {
        return m <= 0 || n <= 0 || k <= 0 || (long) m * n * k < minVolume || (long) m * n > Integer.MAX_VALUE / 2
                || (long) Math.max(m, n) * k > Integer.MAX_VALUE / 2;
    }

    @Override public synchronized void topKRows(float[] x, int off, int ld, int rows, int cols, int k, int[] outIdx, float[] outVal) {
        if (k <= 0 || k > cols || rows <= 0 || k > TopKKernel.KMAX || (long) rows * cols < minVolume
                || (long) rows * cols > Integer.MAX_VALUE / 2) {
            Backends.cpu().topKRows(x, off, ld, rows, cols, k, outIdx, outVal);
            return;
        }
        topKOnDevice++;
        topKs.computeIfAbsent(new TopKPlan.Key(rows, cols, k), TopKPlan::new).run(x, off, ld, outIdx, outVal);
    }

    @Override public synchronized CoFiring.Summary activationOverlap(int rows, int k, int m, int[] idx, float[] val,
                                                                     double threshold, CoFiring.Normalization norm,
                                                                     float[] gradVal, long[] nHistogram, boolean allPairs) {
        if (rows <= 0 || k <= 0 || (long) rows * k * k < minVolume || !CoFiringPlan.handles(norm)) {
            return CoFiring.activationOverlapOnCpu(rows, k, m, idx, val, threshold, norm, gradVal, nHistogram, allPairs);
        }
        return coFiring(rows, k, m, idx, val, threshold, norm, null, 0, gradVal, null, nHistogram, allPairs);
    }

    @Override public synchronized CoFiring.Summary decoderOverlap(int rows, int k, int m, int[] idx, float[] val,
                                                                  double threshold, CoFiring.Normalization norm, float[] w,
                                                                  int d, float[] gradW, long[] nHistogram, boolean allPairs) {
        if (rows <= 0 || k <= 0 || (long) rows * k * k < minVolume || (long) m * d > Integer.MAX_VALUE / 2 || !CoFiringPlan.handles(norm)) {
            return CoFiring.decoderOverlapOnCpu(rows, k, m, idx, val, threshold, norm, w, d, gradW, nHistogram, allPairs);
        }
        if (w.length < (long) m * d) throw new IllegalArgumentException("decoder has " + w.length + " floats, expected m·d = " + (long) m * d);
        return coFiring(rows, k, m, idx, val, threshold, norm, w, d, null, gradW, nHistogram, allPairs);
    }

    /** The host's O(B·k) part ({@link CoFiring.Postings}, shared with the CPU pass), then the device pass. */
    private CoFiring.Summary coFiring(int rows, int k, int m, int[] idx, float[] val, double threshold,
                                      CoFiring.Normalization norm, float[] w, int d, float[] gradVal, float[] gradW,
                                      long[] histogram, boolean allPairs) {
        CoFiring.Postings ps = CoFiring.Postings.of(rows, k, m, idx, val, threshold, norm, allPairs);
        boolean decoder = w != null;
        boolean grad = decoder ? gradW != null : gradVal != null;
        int bins = histogram == null ? 0 : histogram.length;
        coFiringOnDevice++;
        CoFiringPlan.Key key = new CoFiringPlan.Key(rows, k, m, decoder ? d : 0, decoder, grad, bins, norm);
        return coFirings.computeIfAbsent(key, CoFiringPlan::new)
                .run(idx, val, ps, threshold, w, gradVal, gradW, histogram);
    }

    /** How many times GEMM's B operand crossed to the device, over the cached plans (tests check residency with it). */
    synchronized long gemmBUploads() {
        long n = 0;
        for (GemmPlan p : gemms.values()) n += p.bUploads;
        return n;
    }

    private static <K, P extends AutoCloseable> Map<K, P> lru() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override protected boolean removeEldestEntry(Map.Entry<K, P> eldest) {
                if (size() <= PLANS) return false;
                try {
                    eldest.getValue().close();
                } catch (Exception e) {
                    // Closing only frees device memory early; the context frees it at exit.
                }
                return true;
            }
        };
    }
}
