package saelab.tornado;

import static saelab.tornado.StepKernels.ALWAYS;
import static saelab.tornado.StepKernels.AUX_ON;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;
import saelab.train.penalty.kernels.CoFiring;
import saelab.train.optim.AdamOptimizer;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.sae.SaeParams;
import saelab.train.trainer.DeviceTopKStep;
import saelab.train.trainer.TrainConfig;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

/**
 * A TopK SAE training step that runs entirely on a TornadoVM device, its parameters and Adam
 * moments resident there from one step to the next.
 *
 * <p>The plan holds two task graphs over one set of device buffers. Graph 0 uploads the state
 * (W_enc, b_enc, W_dec, b_dec and both Adam moments of each) and keeps it on the device; it runs
 * only when the host hands over new state ({@link #upload}). Graph 1 is the step: it consumes
 * that resident state, updates it in place and leaves it there. Per step the batch x, eight
 * floats of coefficients, three gate flags and the dead-latent mask (m ints) go up; per-row
 * squared errors and L0 counts, the firing flags (m ints) and four scalars come back. The state
 * crosses back only when the host asks ({@link #download}).
 *
 * <p>The step, in graph order (what SaeTrainer's TopK host path computes, without a penalty):
 * <pre>
 *   xc = x − b_dec; pre = xc·W_enc + b_enc                  (GEMM)
 *   (idx, val) = TopK_k(pre), val = ReLU(val)               (one work-group per row)
 *   x̂ = b_dec + Σ val·W_dec[idx]; err = x̂ − x; dx̂ = 2·err/B; dval = [val > 0]·dx̂·W_dec[idx]
 *   auxiliary loss, when latents are dead: TopK_kAux of pre among dead latents, ê = Σ·W_dec,
 *     denominator mean_b ‖e_b − ē‖², dê, dvalAux
 *   S = dense codes, D = dense dpre (+ auxiliary dpre); gW_dec = Sᵀ·dx̂ (+ S_auxᵀ·dê);
 *     gW_enc = xcᵀ·D; gb_enc = Σ_b D; gb_dec = Σ_b dx̂ − W_enc·gb_enc            (GEMMs)
 *   gW_dec loses its component along each row; global-norm clip; Adam; W_dec rows to unit norm
 * </pre>
 * With a co-firing penalty the step is two graphs: the forward ends with the codes, which come
 * down (B·k indices and values) for the host to build the postings the co-firing pass needs
 * ({@code CoFiring.Postings}, O(B·k), shared with the CPU path); the second graph takes the
 * postings up, runs the pass ({@link CoFiringKernel}) on the resident W_dec and codes, and adds
 * λ2·dP/dval to dval (activation overlap) or λ2·dP/dW to gW_dec (decoder overlap) before
 * the rest. The codes are batch-sized; the weights still never move.
 *
 * <p>The backward goes through dense B×m code matrices rather than the host's posting lists: on a
 * GPU two dense GEMMs are cheaper than sorting slots by latent, and they are what the
 * forward's encoder GEMM costs anyway.
 */
final class ResidentTopKStep implements DeviceTopKStep {
    private static final AtomicLong IDS = new AtomicLong();

    private final String device;
    private final int rows, d, m, k, kAux;
    private final float clip, auxAlpha;
    private final PenaltyConfig penalty;
    /** State: the parameters (SaeParams order) and Adam's first and second moments of each. */
    private final FloatArray[] param = new FloatArray[4], first = new FloatArray[4], second = new FloatArray[4];
    private final Object[] state;
    private final int[] sizes;
    // Per step, up: the batch, coefficients, gates, dead mask. Down: the statistics.
    private final FloatArray x, hyper, rowErr, rowAuxErr, scal;
    private final IntArray gates, dead, kept, fired;
    // Intermediates, device-only.
    private final FloatArray gWEnc, gBEnc, gWDec, gBDec, xc, pre, val, xHat, err, dxHat, dval, s, dPre;
    private final IntArray idx, idxAux;
    private final FloatArray valAux, dvalAux, eHat, dEHat, errMean, rowVar, partial;
    // The co-firing pass (penalty runs only): host-built postings up, per-work-item statistics down.
    private final int workers;
    private IntArray latent, postings, cfDims, cfBoth, cfTouched;
    private DoubleArray cfThreshold, cfAcc, cfStats;
    private LongArray cfCounts, cfHist;
    private FloatArray cfGrad;
    private final TornadoExecutionPlan plan;
    /** The plan's graphs: 0 uploads the state; 1 is the step, or with a penalty its forward half and 2 the rest. */
    private static final int UPLOAD = 0, STEP = 1, REST = 2;
    private TornadoExecutionResult last;
    private AdamOptimizer adam;
    private boolean closed;
    /** Times the state crossed to the device and back (tests check that steps alone move none). */
    long uploads, downloads;
    /** With {@link #profile}: bytes TornadoVM copied to and from the device in the last step's graphs. */
    long lastStepBytesUp, lastStepBytesDown;
    private boolean profiling;

    /** @param topk TopK's settings as the architecture gives them to a resident step */
    ResidentTopKStep(TrainConfig cfg, DeviceTopKStep.TopK topk, String device) {
        this.device = device;
        rows = cfg.batch();
        d = cfg.dIn();
        m = cfg.dSae();
        k = topk.k();
        kAux = Math.min(topk.kAux(), m);
        clip = (float) cfg.gradClip();
        auxAlpha = (float) topk.auxkAlpha();
        penalty = cfg.penalty();
        sizes = new int[] {d * m, m, m * d, d};
        for (int p = 0; p < 4; p++) {
            param[p] = new FloatArray(sizes[p]);
            first[p] = new FloatArray(sizes[p]);
            second[p] = new FloatArray(sizes[p]);
        }
        state = new Object[] {param[0], param[1], param[2], param[3], first[0], first[1], first[2], first[3],
                second[0], second[1], second[2], second[3]};
        x = new FloatArray(rows * d);
        hyper = new FloatArray(StepKernels.HYPER);
        gates = new IntArray(StepKernels.GATES);
        dead = new IntArray(m);
        rowErr = new FloatArray(rows);
        rowAuxErr = new FloatArray(rows);
        kept = new IntArray(rows);
        fired = new IntArray(m);
        scal = new FloatArray(StepKernels.SCAL);
        gWEnc = new FloatArray(d * m);
        gBEnc = new FloatArray(m);
        gWDec = new FloatArray(m * d);
        gBDec = new FloatArray(d);
        xc = new FloatArray(rows * d);
        pre = new FloatArray(rows * m);
        val = new FloatArray(rows * k);
        idx = new IntArray(rows * k);
        xHat = new FloatArray(rows * d);
        err = new FloatArray(rows * d);
        dxHat = new FloatArray(rows * d);
        dval = new FloatArray(rows * k);
        s = new FloatArray(rows * m);
        dPre = new FloatArray(rows * m);
        idxAux = new IntArray(rows * kAux);
        valAux = new FloatArray(rows * kAux);
        dvalAux = new FloatArray(rows * kAux);
        eHat = new FloatArray(rows * d);
        dEHat = new FloatArray(rows * d);
        errMean = new FloatArray(d);
        rowVar = new FloatArray(rows);
        partial = new FloatArray(d + m + 2);
        workers = CoFiringPlan.workers(m);

        long id = IDS.incrementAndGet();
        String up = "stateUp" + id;
        TaskGraph upload = new TaskGraph(up)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, state)
                .task("t", StepKernels::keep, param[0], param[1], param[2], param[3], first[0], first[1], first[2], first[3],
                        second[0], second[1], second[2], second[3], 1)
                .persistOnDevice(state);
        GridScheduler grids = new GridScheduler();
        Object[] scratch = {gWEnc, gBEnc, gWDec, gBDec, xHat, err, dxHat, dval, s, dPre, idxAux, valAux, dvalAux, eHat, dEHat,
                errMean, rowVar, partial};
        Object[] forwardOut = {xc, pre, val, idx, kept};
        if (!penalty.active()) {
            String st = "step" + id;
            Grids g = new Grids(st, grids);
            TaskGraph step = new TaskGraph(st)
                    .consumeFromDevice(up, state)
                    .transferToDevice(DataTransferMode.FIRST_EXECUTION, forwardOut)
                    .transferToDevice(DataTransferMode.FIRST_EXECUTION, scratch)
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, x, hyper, gates, dead);
            forward(step, g);
            rest(step, g);
            step.transferToHost(DataTransferMode.EVERY_EXECUTION, rowErr, rowAuxErr, kept, fired, scal)
                    .persistOnDevice(state);
            plan = new TornadoExecutionPlan(upload.snapshot(), step.snapshot());
        } else {
            // The co-firing pass needs postings (slots per latent) built on the host from the codes, so
            // the step is two graphs: the forward sends the codes (B·k) down, the rest takes the postings up.
            latent = new IntArray(2 * m);
            postings = new IntArray(m + 1 + rows * k);
            cfDims = IntArray.fromElements(rows, k, m, d, workers, 0,
                    CoFiringPlan.minCountFlag(penalty.normalization()), decoderTarget() ? 1 : 0, 1);
            cfThreshold = new DoubleArray(1);
            cfBoth = new IntArray(workers * m);
            cfTouched = new IntArray(workers * m);
            cfAcc = new DoubleArray(workers * m);
            cfBoth.init(0);
            cfTouched.init(0);
            cfAcc.init(0);
            cfStats = new DoubleArray(2 * workers);
            cfCounts = new LongArray(2 * workers);
            cfHist = new LongArray(1);
            cfGrad = new FloatArray(decoderTarget() ? m * d : rows * k);
            String fw = "forward" + id, st = "rest" + id;
            TaskGraph forward = new TaskGraph(fw)
                    .consumeFromDevice(up, state)
                    .transferToDevice(DataTransferMode.FIRST_EXECUTION, xc, pre)
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, x, hyper, gates);
            forward(forward, new Grids(fw, grids));
            forward.persistOnDevice(state)
                    .persistOnDevice(x, hyper, gates, xc, pre, idx, val, kept);
            Grids g = new Grids(st, grids);
            TaskGraph step = new TaskGraph(st)
                    .consumeFromDevice(fw, state)
                    .consumeFromDevice(fw, x, hyper, gates, xc, pre, idx, val, kept)
                    .transferToDevice(DataTransferMode.FIRST_EXECUTION, scratch)
                    .transferToDevice(DataTransferMode.FIRST_EXECUTION, cfDims, cfBoth, cfAcc, cfTouched)
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, dead, latent, postings, cfThreshold);
            grids.addWorkerGrid(st + ".coFiring", CoFiringKernel.grid(workers));
            step.task("coFiring", CoFiringKernel::pairs, new KernelContext(), idx, val, latent, postings, param[2], cfThreshold,
                    cfDims, cfBoth, cfAcc, cfTouched, cfStats, cfCounts, cfHist, cfGrad);
            rest(step, g);
            // kept comes down with the codes: a consumed buffer is not copied back by a later graph.
            step.transferToHost(DataTransferMode.EVERY_EXECUTION, rowErr, rowAuxErr, fired, scal, cfStats, cfCounts)
                    .persistOnDevice(state);
            plan = new TornadoExecutionPlan(upload.snapshot(), forward.snapshot(), step.snapshot());
        }
        plan.withGridScheduler(grids);
    }

    private boolean decoderTarget() {
        return penalty.target() == PenaltyConfig.OverlapTarget.DECODER;
    }

    /** Encoder GEMM, TopK, ReLU: the codes. */
    private void forward(TaskGraph step, Grids g) {
        FloatArray wEnc = param[0], bEnc = param[1], bDec = param[3];
        step.task(g.flat("center", rows * d), StepKernels::center, new KernelContext(), x, bDec, xc, rows, d);
        step.task(g.gemm("encode", rows, m), GemmKernels::gemm, new KernelContext(), gates, ALWAYS, xc, wEnc, pre, rows, m, d, 0, 0, 0);
        step.task(g.flat("bias", rows * m), StepKernels::addBias, new KernelContext(), pre, bEnc, rows, m);
        step.task(g.rowGroups("topk", rows), TopKKernel::topK, new KernelContext(), gates, ALWAYS, pre, idx, val, m, k);
        step.task(g.flat("relu", rows), StepKernels::relu, new KernelContext(), val, kept, rows, k);
    }

    /** Everything after the codes: decoder, losses, backward, clip, Adam, projection (and the penalty's gradients). */
    private void rest(TaskGraph step, Grids g) {
        FloatArray wEnc = param[0], wDec = param[2], bDec = param[3];
        step.task(g.flat("decode", rows * d), StepKernels::decode, new KernelContext(), gates, ALWAYS, val, idx, wDec, bDec, 1, xHat, rows, k, d);
        step.task(g.flat("residual", rows * d), StepKernels::residual, new KernelContext(), x, xHat, err, dxHat, rows, d);
        step.task(g.flat("rowErr", rows), StepKernels::rowSumSquares, new KernelContext(), gates, ALWAYS, err, rowErr, 0, rows, d);
        step.task(g.flat("dval", rows * k), StepKernels::valueGrad, new KernelContext(), gates, ALWAYS, dxHat, wDec, idx, val, dval, rows, k, d);
        if (penalty.active() && !decoderTarget()) {
            step.task(g.flat("penaltyVal", rows * k), StepKernels::addPenaltyToValues, new KernelContext(), val, idx, latent, cfGrad,
                    hyper, dval, rows, k, m);
        }
        // The auxiliary loss (gated off when no latent is dead); S is its masked scratch.
        step.task(g.flat("mask", rows * m), StepKernels::maskDead, new KernelContext(), gates, pre, dead, s, rows, m);
        step.task(g.rowGroups("topkAux", rows), TopKKernel::topK, new KernelContext(), gates, AUX_ON, s, idxAux, valAux, m, kAux);
        step.task(g.flat("reluAux", rows * kAux), StepKernels::auxRelu, new KernelContext(), gates, valAux, rows, kAux);
        step.task(g.flat("decodeAux", rows * d), StepKernels::decode, new KernelContext(), gates, AUX_ON, valAux, idxAux, wDec, bDec, 0, eHat, rows, kAux, d);
        step.task(g.flat("errMean", d), StepKernels::columnMean, new KernelContext(), gates, err, errMean, rows, d);
        step.task(g.flat("rowVar", rows), StepKernels::rowCenteredSumSquares, new KernelContext(), gates, err, errMean, rowVar, rows, d);
        step.task(g.single("auxFactor"), StepKernels::auxFactor, new KernelContext(), gates, rowVar, hyper, scal, rows);
        step.task(g.flat("auxResidual", rows * d), StepKernels::auxResidual, new KernelContext(), gates, eHat, err, scal, dEHat, rows, d);
        step.task(g.flat("rowAuxErr", rows), StepKernels::rowSumSquares, new KernelContext(), gates, AUX_ON, eHat, rowAuxErr, 0, rows, d);
        step.task(g.flat("dvalAux", rows * kAux), StepKernels::valueGrad, new KernelContext(), gates, AUX_ON, dEHat, wDec, idxAux, valAux, dvalAux, rows, kAux, d);
        // Dense codes, and the weight gradients as GEMMs over them.
        step.task(g.flat("zeroS", rows * m), StepKernels::zero, new KernelContext(), gates, ALWAYS, s, rows * m);
        step.task(g.flat("zeroD", rows * m), StepKernels::zero, new KernelContext(), gates, ALWAYS, dPre, rows * m);
        step.task(g.flat("zeroFired", m), StepKernels::zeroInts, new KernelContext(), fired, m);
        step.task(g.flat("scatter", rows * k), StepKernels::scatter, new KernelContext(), idx, val, dval, s, dPre, fired, rows, k, m);
        step.task(g.gemm("gWDec", m, d), GemmKernels::gemm, new KernelContext(), gates, ALWAYS, s, dxHat, gWDec, m, d, rows, 1, 0, 0);
        step.task(g.flat("zeroSAux", rows * m), StepKernels::zero, new KernelContext(), gates, AUX_ON, s, rows * m);
        step.task(g.flat("scatterAux", rows * kAux), StepKernels::scatterAux, new KernelContext(), gates, idxAux, valAux, dvalAux, s, dPre, rows, kAux, m);
        step.task(g.gemm("gWDecAux", m, d), GemmKernels::gemm, new KernelContext(), gates, AUX_ON, s, dEHat, gWDec, m, d, rows, 1, 0, 1);
        if (penalty.active() && decoderTarget()) {
            step.task(g.flat("penaltyDec", m * d), StepKernels::addPenaltyToDecoder, new KernelContext(), gWDec, cfGrad, hyper, m * d);
        }
        step.task(g.gemm("gWEnc", d, m), GemmKernels::gemm, new KernelContext(), gates, ALWAYS, xc, dPre, gWEnc, d, m, rows, 1, 0, 0);
        step.task(g.flat("gBEnc", m), StepKernels::columnSum, new KernelContext(), dPre, gBEnc, rows, m);
        step.task(g.flat("gBDec", d), StepKernels::bDecGrad, new KernelContext(), dxHat, wEnc, gBEnc, gBDec, rows, d, m);
        // Gradient surgery, clipping, Adam, projection.
        step.task(g.flat("tangent", m), StepKernels::removeParallel, new KernelContext(), wDec, gWDec, m, d);
        step.task(g.flat("normWEnc", d), StepKernels::rowSumSquares, new KernelContext(), gates, ALWAYS, gWEnc, partial, 0, d, m);
        step.task(g.flat("normWDec", m), StepKernels::rowSumSquares, new KernelContext(), gates, ALWAYS, gWDec, partial, d, m, d);
        step.task(g.flat("normBEnc", 1), StepKernels::rowSumSquares, new KernelContext(), gates, ALWAYS, gBEnc, partial, d + m, 1, m);
        step.task(g.flat("normBDec", 1), StepKernels::rowSumSquares, new KernelContext(), gates, ALWAYS, gBDec, partial, d + m + 1, 1, d);
        step.task(g.single("clip"), StepKernels::clipFactor, new KernelContext(), partial, hyper, scal, d + m + 2);
        FloatArray[] grad = {gWEnc, gBEnc, gWDec, gBDec};
        for (int p = 0; p < 4; p++) {
            step.task(g.flat("adam" + p, sizes[p]), StepKernels::adam, new KernelContext(), param[p], grad[p], first[p], second[p],
                    hyper, scal, sizes[p]);
        }
        step.task(g.flat("unitRows", m), StepKernels::normalizeRows, new KernelContext(), wDec, m, d);
    }

    /** Turns on TornadoVM's profiler for this plan, so each step records the bytes it moved (tests). */
    void profile() {
        plan.withProfiler(ProfilerMode.SILENT);
        profiling = true;
    }

    private void countBytes(TornadoExecutionResult r, boolean first) {
        if (!profiling) return;
        if (first) {
            lastStepBytesUp = 0;
            lastStepBytesDown = 0;
        }
        lastStepBytesUp += r.getProfilerResult().getTotalBytesCopyIn();
        lastStepBytesDown += r.getProfilerResult().getTotalBytesCopyOut();
    }

    @Override public String device() {
        return device;
    }

    @Override public void upload(SaeParams params, AdamOptimizer adam) {
        open();
        this.adam = adam;
        float[][] host = hostArrays(params);
        for (int p = 0; p < 4; p++) {
            Staging.pack(host[p], host[p].length, param[p].getSegment());
            Staging.pack(adam.firstMoment(p), host[p].length, first[p].getSegment());
            Staging.pack(adam.secondMoment(p), host[p].length, second[p].getSegment());
        }
        plan.withGraph(UPLOAD).execute();
        last = null;
        uploads++;
    }

    @Override public Outcome step(float[] xHost, int n, Inputs in) {
        open();
        if (adam == null) throw new IllegalStateException("upload the parameters before the first step");
        if (n != rows) throw new IllegalArgumentException("this resident step was built for batches of " + rows + " rows, got " + n);
        if (in.dead().length != m) throw new IllegalArgumentException("dead mask has " + in.dead().length + " latents, expected " + m);
        if (in.kAux() < 0 || in.kAux() > kAux) throw new IllegalArgumentException("k_aux must be in [0, " + kAux + "], got " + in.kAux());
        Staging.pack(xHost, rows * d, x.getSegment());
        AdamOptimizer.Coefficients c = adam.coefficients(in.lr(), in.adamStep());
        hyper.set(StepKernels.BETA1, c.beta1());
        hyper.set(StepKernels.BETA2, c.beta2());
        hyper.set(StepKernels.STEP_SIZE, c.stepSize());
        hyper.set(StepKernels.INV_SQRT_BC2, c.invSqrtBc2());
        hyper.set(StepKernels.EPS, c.eps());
        hyper.set(StepKernels.CLIP, clip);
        hyper.set(StepKernels.AUX_ALPHA, auxAlpha);
        boolean aux = in.kAux() > 0;
        gates.set(StepKernels.AUX_ON, aux ? 1 : 0);
        gates.set(StepKernels.AUX_K, in.kAux());
        gates.set(ALWAYS, 1);
        hyper.set(StepKernels.LAMBDA2, (float) in.lambda2());
        for (int j = 0; j < m; j++) dead.set(j, in.dead()[j] ? 1 : 0);
        CoFiring.Summary coFiring = null;
        if (!penalty.active()) {
            last = plan.withGraph(STEP).execute();
            countBytes(last, true);
        } else {
            TornadoExecutionResult fw = plan.withGraph(STEP).execute();
            countBytes(fw, true);
            fw.transferToHost(idx, val, kept);
            if (profiling) lastStepBytesDown += 4L * 3 * rows * k; // the codes and L0 counts, pulled on demand
            CoFiring.Postings ps = stagePostings(in.threshold(), in.allPairs());
            last = plan.withGraph(REST).execute();
            countBytes(last, false);
            coFiring = CoFiringPlan.summary(cfStats, cfCounts, workers, ps);
        }

        float[] err = new float[rows];
        MemorySegment.copy(rowErr.getSegment(), ValueLayout.JAVA_FLOAT, 0, err, 0, rows);
        int[] l0 = new int[rows];
        MemorySegment.copy(kept.getSegment(), ValueLayout.JAVA_INT, 0, l0, 0, rows);
        boolean[] firedNow = new boolean[m];
        for (int j = 0; j < m; j++) firedNow[j] = fired.get(j) == 1;
        double denom = scal.get(StepKernels.AUX_DENOM);
        boolean auxActive = aux && denom > 0;
        double auxk = 0;
        if (auxActive) {
            double sum = 0;
            for (int b = 0; b < rows; b++) sum += rowAuxErr.get(b);
            auxk = sum / rows / denom;
        }
        return new Outcome(err, auxk, auxActive, scal.get(StepKernels.GRAD_NORM), l0, firedNow, coFiring);
    }

    /** The host's O(B·k) part of the co-firing pass (CoFiring.Postings, shared with the CPU), staged for the device. */
    private CoFiring.Postings stagePostings(double threshold, boolean allPairs) {
        int[] codeIdx = new int[rows * k];
        float[] codeVal = new float[rows * k];
        MemorySegment.copy(idx.getSegment(), ValueLayout.JAVA_INT, 0, codeIdx, 0, rows * k);
        MemorySegment.copy(val.getSegment(), ValueLayout.JAVA_FLOAT, 0, codeVal, 0, rows * k);
        CoFiring.Postings ps = CoFiring.Postings.of(rows, k, m, codeIdx, codeVal, threshold, penalty.normalization(), allPairs);
        for (int i = 0; i < m; i++) {
            latent.set(i, ps.count()[i]);
            latent.set(m + i, ps.candidate()[i] ? 1 : 0);
        }
        Staging.pack(ps.start(), m + 1, postings.getSegment());
        MemorySegment.copy(ps.post(), 0, postings.getSegment(), ValueLayout.JAVA_INT, 4L * (m + 1), ps.start()[m]);
        cfThreshold.set(0, threshold);
        return ps;
    }

    @Override public void download(SaeParams params, AdamOptimizer adam) {
        open();
        if (last != null) last.transferToHost(state);
        float[][] host = hostArrays(params);
        for (int p = 0; p < 4; p++) {
            int n = host[p].length;
            MemorySegment.copy(param[p].getSegment(), ValueLayout.JAVA_FLOAT, 0, host[p], 0, n);
            MemorySegment.copy(first[p].getSegment(), ValueLayout.JAVA_FLOAT, 0, adam.firstMoment(p), 0, n);
            MemorySegment.copy(second[p].getSegment(), ValueLayout.JAVA_FLOAT, 0, adam.secondMoment(p), 0, n);
        }
        downloads++;
    }

    @Override public void close() {
        if (closed) return;
        closed = true;
        try {
            plan.freeDeviceMemory();
            plan.close();
        } catch (Exception e) {
            // Released with the device context at exit anyway.
        }
    }

    private void open() {
        if (closed) throw new IllegalStateException("this resident step was closed");
    }

    private float[][] hostArrays(SaeParams params) {
        if (params.dIn() != d || params.dSae() != m) {
            throw new IllegalArgumentException("parameters are " + params.dIn() + "×" + params.dSae() + ", this step holds " + d + "×" + m);
        }
        return new float[][] {params.wEnc().data(), params.bEnc().data(), params.wDec().data(), params.bDec().data()};
    }

    /** Task names and their launch grids. */
    private static final class Grids {
        final GridScheduler scheduler;
        private final String graph;

        Grids(String graph, GridScheduler scheduler) {
            this.graph = graph;
            this.scheduler = scheduler;
        }

        /** One work-item per element, in groups of 256. */
        String flat(String task, int n) {
            WorkerGrid w = new WorkerGrid1D(GemmPlan.roundUp(Math.max(n, 1), 256));
            w.setLocalWork(256, 1, 1);
            scheduler.addWorkerGrid(graph + "." + task, w);
            return task;
        }

        /** A single work-item (the scalar reductions). */
        String single(String task) {
            WorkerGrid w = new WorkerGrid1D(1);
            w.setLocalWork(1, 1, 1);
            scheduler.addWorkerGrid(graph + "." + task, w);
            return task;
        }

        /** One TopK work-group per row. */
        String rowGroups(String task, int rows) {
            scheduler.addWorkerGrid(graph + "." + task, TopKKernel.grid(rows));
            return task;
        }

        /** GemmKernels' tiles for a cRows × cCols result. */
        String gemm(String task, int cRows, int cCols) {
            scheduler.addWorkerGrid(graph + "." + task, GemmKernels.grid(cRows, cCols));
            return task;
        }
    }
}
