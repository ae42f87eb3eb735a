package saelab.tornado;

import java.util.concurrent.atomic.AtomicLong;
import saelab.train.penalty.kernels.CoFiring;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

/**
 * The co-firing pass for one shape and mode. Resident: the G×m scratch accumulators (uploaded
 * zeroed once; the kernel leaves them zeroed). Up on every call: the codes (indices, values),
 * counts, candidate flags, postings, the threshold and, for the decoder overlap, W. Down: the
 * per-work-item statistics and the gradient wanted (dP/dval or dP/dW), as deltas the host adds.
 */
final class CoFiringPlan implements AutoCloseable {
    record Key(int rows, int k, int m, int d, boolean decoder, boolean grad, int bins, CoFiring.Normalization norm) {}

    /** Scratch is 16 bytes per (work-item, latent); this bounds it. */
    private static final long SCRATCH_BYTES = 128L << 20;
    private static final AtomicLong IDS = new AtomicLong();

    final Key key;
    final int workers;
    private final IntArray idx, latent, postings, dims;
    private final FloatArray val, w, grad;
    private final DoubleArray params, dstats;
    private final LongArray lstats, hist;
    private final TornadoExecutionPlan plan;

    CoFiringPlan(Key key) {
        this.key = key;
        int rows = key.rows(), k = key.k(), m = key.m(), d = key.d();
        workers = workers(m);
        idx = new IntArray(rows * k);
        val = new FloatArray(rows * k);
        latent = new IntArray(2 * m);
        postings = new IntArray(m + 1 + rows * k);
        dims = IntArray.fromElements(rows, k, m, d, workers, key.bins(),
                minCountFlag(key.norm()), key.decoder() ? 1 : 0, key.grad() ? 1 : 0);
        w = new FloatArray(key.decoder() ? m * d : 1);
        params = new DoubleArray(1);
        IntArray both = new IntArray(workers * m), touched = new IntArray(workers * m);
        DoubleArray acc = new DoubleArray(workers * m);
        both.init(0);
        touched.init(0);
        acc.init(0);
        dstats = new DoubleArray(2 * workers);
        lstats = new LongArray(2 * workers);
        hist = new LongArray(Math.max(1, workers * key.bins()));
        grad = new FloatArray(!key.grad() ? 1 : key.decoder() ? m * d : rows * k);
        String name = "cofire" + IDS.incrementAndGet();
        TaskGraph graph = new TaskGraph(name)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, dims, both, acc, touched)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, idx, val, latent, postings, params);
        graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, w);
        graph.task("t", CoFiringKernel::pairs, new KernelContext(), idx, val, latent, postings, w, params, dims,
                both, acc, touched, dstats, lstats, hist, grad);
        graph.transferToHost(DataTransferMode.EVERY_EXECUTION, dstats, lstats);
        if (key.bins() > 0) graph.transferToHost(DataTransferMode.EVERY_EXECUTION, hist);
        if (key.grad()) graph.transferToHost(DataTransferMode.EVERY_EXECUTION, grad);
        plan = new TornadoExecutionPlan(graph.snapshot());
        plan.withGridScheduler(new GridScheduler(name + ".t", CoFiringKernel.grid(workers)));
    }

    /**
     * One pass; {@code ps} is the host's O(B·k) preparation (counts, candidates, postings). Adds the
     * gradient into gradValHost or gradWHost as CoFiring does.
     */
    CoFiring.Summary run(int[] codeIdx, float[] codeVal, CoFiring.Postings ps, double threshold, float[] wHost,
                         float[] gradValHost, float[] gradWHost, long[] histogram) {
        int rows = key.rows(), k = key.k(), m = key.m(), d = key.d();
        int[] count = ps.count(), start = ps.start(), post = ps.post();
        boolean[] candidate = ps.candidate();
        Staging.pack(codeIdx, rows * k, idx.getSegment());
        Staging.pack(codeVal, rows * k, val.getSegment());
        for (int i = 0; i < m; i++) {
            latent.set(i, count[i]);
            latent.set(m + i, candidate[i] ? 1 : 0);
        }
        Staging.pack(start, m + 1, postings.getSegment());
        java.lang.foreign.MemorySegment.copy(post, 0, postings.getSegment(), java.lang.foreign.ValueLayout.JAVA_INT,
                4L * (m + 1), start[m]);
        params.set(0, threshold);
        if (key.decoder()) Staging.pack(wHost, m * d, w.getSegment());
        plan.execute();
        if (histogram != null) {
            for (int g = 0; g < workers; g++) {
                for (int b = 0; b < key.bins(); b++) histogram[b] += hist.get(g * key.bins() + b);
            }
        }
        if (key.grad() && key.decoder()) {
            for (int p = 0; p < m * d; p++) gradWHost[p] += grad.get(p);
        } else if (key.grad()) {
            // Slots of skipped latents are not written by the device (their gradient is 0).
            for (int p = 0; p < rows * k; p++) if (codeVal[p] > 0 && candidate[codeIdx[p]]) gradValHost[p] += grad.get(p);
        }
        return summary(dstats, lstats, workers, ps);
    }

    /**
     * Whether {@link CoFiringKernel} computes this normalisation: BATCH and MIN_COUNT. JACCARD is not
     * implemented on the device; {@link TornadoBackend} runs those passes on the CPU and
     * {@link ResidentTopKStepFactory} leaves those runs to the host step.
     */
    static boolean handles(CoFiring.Normalization norm) {
        return norm == CoFiring.Normalization.BATCH || norm == CoFiring.Normalization.MIN_COUNT;
    }

    /** The kernel's minCount flag for a normalisation it {@link #handles}. */
    static int minCountFlag(CoFiring.Normalization norm) {
        if (!handles(norm)) throw new IllegalArgumentException("the device co-firing kernel has no " + norm + " normalisation");
        return norm == CoFiring.Normalization.MIN_COUNT ? 1 : 0;
    }

    /** Work-items of the pass over m latents: at most 4096, and scratch (16 bytes per work-item and latent) within SCRATCH_BYTES. */
    static int workers(int m) {
        return (int) Math.max(1, Math.min(m, Math.min(4096, SCRATCH_BYTES / (16L * m))));
    }

    /** The pass's summary from its per-work-item statistics (dstats: penalty, Σc; lstats: pairs, penalized pairs). */
    static CoFiring.Summary summary(DoubleArray dstats, LongArray lstats, int workers, CoFiring.Postings ps) {
        double penalty = 0, sumC = 0;
        long pairs = 0, penalized = 0;
        for (int g = 0; g < workers; g++) {
            penalty += dstats.get(2 * g);
            sumC += dstats.get(2 * g + 1);
            pairs += lstats.get(2 * g);
            penalized += lstats.get(2 * g + 1);
        }
        return new CoFiring.Summary(penalty, pairs, penalized, pairs == 0 ? 0 : sumC / pairs, !ps.pruned());
    }

    @Override public void close() {
        try {
            plan.freeDeviceMemory();
            plan.close();
        } catch (Exception e) {
            // Released with the device context at exit anyway.
        }
    }
}
