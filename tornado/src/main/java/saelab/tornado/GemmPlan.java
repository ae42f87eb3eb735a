package saelab.tornado;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;
import saelab.tensor.kernels.Gemm;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * One compiled GEMM of a fixed shape, form and accumulate flag, with its device buffers; built
 * once and reused for every call of that shape.
 *
 * <p>What moves and what stays: the plan holds two task graphs. Graph 0 uploads B (for the bf16
 * product: the bf16 bits, widened to float32 on the device) and keeps it resident
 * ({@code persistOnDevice}); graph 1 consumes that resident B, uploads A (and C when
 * accumulating), multiplies and downloads C. Graph 0 runs only when the caller's B differs from
 * the copy last uploaded: the host keeps that copy in B's staging buffer and compares the two
 * (an exact comparison; a changed operand is typically detected at its first element). So frozen
 * weights (bf16 checkpoint matrices, an SAE being evaluated) cross the bus once; weights the
 * optimizer updates each step cross it once per step; A and C move on every call.
 */
final class GemmPlan implements AutoCloseable {
    record Key(Gemm.Form form, int m, int n, int k, boolean accumulate, boolean bf16) {}

    private static final AtomicLong IDS = new AtomicLong();

    final Key key;
    private final FloatArray a;
    private final FloatArray b;
    private final ShortArray bBits;
    private final FloatArray c;
    /** The kernel's gate, always open here. */
    private final IntArray on = IntArray.fromElements(1);
    private final TornadoExecutionPlan plan;
    private boolean bResident;
    /** How many times graph 0 ran: B crossed to the device. */
    long bUploads;

    GemmPlan(Key key) {
        this.key = key;
        int m = key.m(), n = key.n(), k = key.k();
        a = new FloatArray(m * k);
        b = new FloatArray(k * n);
        bBits = key.bf16() ? new ShortArray(n * k) : null;
        c = new FloatArray(m * n);
        long id = IDS.incrementAndGet();
        String up = "gemmB" + id, mul = "gemm" + id;
        TaskGraph upload = new TaskGraph(up);
        GridScheduler grids = new GridScheduler();
        if (key.bf16()) {
            WorkerGrid widen = new WorkerGrid1D(roundUp(n * k, 256));
            widen.setLocalWork(256, 1, 1);
            grids.addWorkerGrid(up + ".t", widen);
            upload.transferToDevice(DataTransferMode.EVERY_EXECUTION, bBits)
                    .task("t", GemmKernels::widenBf16, new KernelContext(), bBits, b, n * k);
        } else {
            upload.transferToDevice(DataTransferMode.EVERY_EXECUTION, b)
                    .task("t", GemmKernels::keep, b, n * k);
        }
        upload.persistOnDevice(b);
        TaskGraph multiply = new TaskGraph(mul).consumeFromDevice(up, b);
        multiply.transferToDevice(DataTransferMode.FIRST_EXECUTION, on);
        if (key.accumulate()) multiply.transferToDevice(DataTransferMode.EVERY_EXECUTION, a, c);
        else multiply.transferToDevice(DataTransferMode.EVERY_EXECUTION, a);
        int transA = key.form() == Gemm.Form.TN ? 1 : 0;
        int transB = key.form() == Gemm.Form.NT ? 1 : 0;
        multiply.task("t", GemmKernels::gemm, new KernelContext(), on, 0, a, b, c, m, n, k, transA, transB, key.accumulate() ? 1 : 0)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, c);
        grids.addWorkerGrid(mul + ".t", GemmKernels.grid(m, n));
        plan = new TornadoExecutionPlan(upload.snapshot(), multiply.snapshot());
        plan.withGridScheduler(grids);
    }

    /** C = op(A)·op(B) (+ C) for float32 B; the caller's arrays, offsets and strides as in Gemm. */
    void run(float[] aSrc, int aOff, int lda, float[] bSrc, int bOff, int ldb, float[] cDst, int cOff, int ldc) {
        int m = key.m(), n = key.n(), k = key.k();
        boolean nt = key.form() == Gemm.Form.NT;
        Staging.pack(aSrc, aOff, lda, key.form() == Gemm.Form.TN ? k : m, key.form() == Gemm.Form.TN ? m : k, a.getSegment());
        if (!Staging.sameFloats(bSrc, bOff, ldb, nt ? n : k, nt ? k : n, b.getSegment()) || !bResident) {
            Staging.pack(bSrc, bOff, ldb, nt ? n : k, nt ? k : n, b.getSegment());
            uploadB();
        }
        multiply(cDst, cOff, ldc, m, n);
    }

    /** C = A·Bᵀ (+ C) with B the bf16 n×k matrix at {@code bByteOff} of {@code seg}, row stride ldb elements. */
    void runBf16(float[] aSrc, int aOff, int lda, MemorySegment seg, long bByteOff, long ldb, float[] cDst, int cOff, int ldc) {
        int m = key.m(), n = key.n(), k = key.k();
        Staging.pack(aSrc, aOff, lda, m, k, a.getSegment());
        if (!Staging.sameShorts(seg, bByteOff, ldb, n, k, bBits.getSegment()) || !bResident) {
            Staging.packShorts(seg, bByteOff, ldb, n, k, bBits.getSegment());
            uploadB();
        }
        multiply(cDst, cOff, ldc, m, n);
    }

    private void uploadB() {
        plan.withGraph(0).execute();
        bResident = true;
        bUploads++;
    }

    private void multiply(float[] cDst, int cOff, int ldc, int m, int n) {
        if (key.accumulate()) Staging.pack(cDst, cOff, ldc, m, n, c.getSegment());
        plan.withGraph(1).execute();
        Staging.unpack(c.getSegment(), m, n, cDst, cOff, ldc);
    }

    @Override public void close() {
        try {
            plan.freeDeviceMemory();
            plan.close();
        } catch (Exception e) {
            // Device memory is released with the context at exit anyway; nothing to recover here.
        }
    }

    static int roundUp(int x, int multiple) {
        return ceilDiv(x, multiple) * multiple;
    }

    static int ceilDiv(int x, int d) {
        return (x + d - 1) / d;
    }
}
