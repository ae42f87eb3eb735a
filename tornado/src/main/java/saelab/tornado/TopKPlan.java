package saelab.tornado;

import java.util.concurrent.atomic.AtomicLong;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/** Row-wise TopK of one shape (rows, cols, k): the rows go up and the k pairs per row come back on every call. */
final class TopKPlan implements AutoCloseable {
    record Key(int rows, int cols, int k) {}

    private static final AtomicLong IDS = new AtomicLong();

    final Key key;
    private final FloatArray x;
    private final IntArray idx;
    private final FloatArray val;
    /** The kernel's gate, always open here. */
    private final IntArray on = IntArray.fromElements(1);
    private final TornadoExecutionPlan plan;

    TopKPlan(Key key) {
        this.key = key;
        x = new FloatArray(key.rows() * key.cols());
        idx = new IntArray(key.rows() * key.k());
        val = new FloatArray(key.rows() * key.k());
        String name = "topk" + IDS.incrementAndGet();
        TaskGraph graph = new TaskGraph(name)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, on)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                .task("t", TopKKernel::topK, new KernelContext(), on, 0, x, idx, val, key.cols(), key.k())
                .transferToHost(DataTransferMode.EVERY_EXECUTION, idx, val);
        plan = new TornadoExecutionPlan(graph.snapshot());
        plan.withGridScheduler(new GridScheduler(name + ".t", TopKKernel.grid(key.rows())));
    }

    void run(float[] src, int off, int ld, int[] outIdx, float[] outVal) {
        int rows = key.rows(), cols = key.cols(), k = key.k();
        Staging.pack(src, off, ld, rows, cols, x.getSegment());
        plan.execute();
        java.lang.foreign.MemorySegment.copy(idx.getSegment(), java.lang.foreign.ValueLayout.JAVA_INT, 0, outIdx, 0, rows * k);
        Staging.unpack(val.getSegment(), 1, rows * k, outVal, 0, rows * k);
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
