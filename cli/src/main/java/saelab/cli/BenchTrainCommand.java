package saelab.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import saelab.tensor.Tensor;
import saelab.tensor.kernels.GatherBound;
import saelab.tensor.kernels.Parallel;
import saelab.tensor.kernels.ReusableArrays;
import saelab.train.optim.AdamOptimizer;
import saelab.train.penalty.CoFiringPenalty;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.sae.BlockedTopK;
import saelab.train.sae.DecoderNorms;
import saelab.train.sae.SaeParams;
import saelab.train.sae.SparseDecoder;
import saelab.train.sae.SparseEncoder;
import saelab.train.sae.TopKSae;
import saelab.train.trainer.SaeTrainer;
import saelab.train.arch.TopKSettings;
import saelab.train.trainer.TrainConfig;

/**
 * Speed of one full TopK training step (forward, backward, gradient surgery, clip, Adam, decoder
 * normalisation) at the seed's shapes, without and with the co-firing penalty, next to a plain
 * numpy implementation of the same step timed in the same run. Rounds are interleaved (every
 * variant, then numpy, once per round) so all see the same machine load; best of the rounds.
 * Each saelab variant says where its step runs (its trainer's engine line); when the plain TopK
 * step is resident on a device, the host step is timed beside it ("saelab topk, host step").
 * With {@code --torch}, a dictionary_learning-style torch step joins the rounds (on the GPU when
 * torch sees one), the issue-6 yardstick for the tornado backend.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Steps/s and tokens/s of one TopK SAE training step (no penalty, adaptive penalty, decoder-target penalty)",
                "against a plain numpy TopK step (float32, all cores) timed in the same run, interleaved round by round.",
                "--torch adds a dictionary_learning-style torch TopK step (on the GPU when torch sees one) and a 'vs torch' column."})
public final class BenchTrainCommand implements Runnable {

    @Option(names = "--d", description = "Input width d (default: ${DEFAULT-VALUE}).", defaultValue = "2304")
    int d;
    @Option(names = "--m", description = "Latents m (default: ${DEFAULT-VALUE}).", defaultValue = "16384")
    int m;
    @Option(names = "--k", description = "TopK's k (default: ${DEFAULT-VALUE}).", defaultValue = "320")
    int k;
    @Option(names = "--batch", description = "Rows per step (default: ${DEFAULT-VALUE}).", defaultValue = "2048")
    int batch;
    @Option(names = "--reps", description = "Timed rounds; the best step of each variant is reported (default: ${DEFAULT-VALUE}).",
            defaultValue = "3")
    int reps;
    @Option(names = "--warmup", description = "Untimed rounds first, for the JIT and the page cache (default: ${DEFAULT-VALUE}).",
            defaultValue = "1")
    int warmup;
    @Option(names = "--threads", description = "Threads for saelab and for numpy (default: all cores, ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();
    @Option(names = "--no-decoder", description = "Skip the decoder-target penalty variant.")
    boolean noDecoder;
    @Option(names = "--phases", description = "Also time the phases of the adaptive-penalty step one by one.")
    boolean phases;
    @Option(names = "--python", description = "Python interpreter with numpy (default: ${DEFAULT-VALUE}).", defaultValue = "python3")
    String python;
    @Option(names = "--no-numpy", description = "Skip the numpy reference.")
    boolean noNumpy;
    @Mixin
    TorchReference.Options torchOptions;
    @Option(names = "--seed", description = "Seeds the SAE and the batch (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    long seed;

    @Spec
    CommandSpec spec;

    /** Progress p at which the penalty's schedules are read (λ2 = 0.1·(1−p)², threshold 0.1·(1−p)). */
    static final double PROGRESS = 0.5;
    static final long STEPS = 2_000_000;
    static final double LR = 2e-4, CLIP = 1.0;

    /**
     * A plain numpy TopK step, served over stdin: each line "dense" or "gather" runs one step and
     * prints its seconds and loss. dense decodes x̂ = f·W_dec with the dense codes f [B, m];
     * gather sums the k kept W_dec rows per row by fancy indexing (in chunks of rows). Both use
     * dense GEMMs for the weight gradients (numpy has no scatter-add product).
     */
    static final String NUMPY_SCRIPT = String.join("\n",
            "import sys, time, numpy as np",
            "d, m, k, B, seed = map(int, sys.argv[1:6])",
            "lr, clip = float(sys.argv[6]), float(sys.argv[7])",
            "f32 = np.float32",
            "rng = np.random.default_rng(seed)",
            "x = rng.standard_normal((B, d), dtype=f32)",
            "W_dec = rng.standard_normal((m, d), dtype=f32)",
            "W_dec /= np.linalg.norm(W_dec, axis=1, keepdims=True)",
            "W_enc = np.ascontiguousarray(W_dec.T)",
            "b_enc = np.zeros(m, f32); b_dec = np.zeros(d, f32)",
            "params = [W_enc, b_enc, W_dec, b_dec]",
            "mom1 = [np.zeros_like(p) for p in params]; mom2 = [np.zeros_like(p) for p in params]",
            "b1, b2, eps = 0.9, 0.999, 1e-8",
            "t = 0",
            "rows = np.arange(B)[:, None]",
            "CH = 32",
            "def step(gather):",
            "    global t",
            "    xc = x - b_dec",
            "    pre = xc @ W_enc",
            "    pre += b_enc",
            "    idx = np.argpartition(pre, m - k, axis=1)[:, m - k:]",
            "    vals = np.maximum(np.take_along_axis(pre, idx, axis=1), 0)",
            "    if gather:",
            "        xhat = np.empty((B, d), f32)",
            "        for c in range(0, B, CH):",
            "            xhat[c:c+CH] = np.matmul(vals[c:c+CH, None, :], W_dec[idx[c:c+CH]])[:, 0, :]",
            "        xhat += b_dec",
            "    else:",
            "        f = np.zeros((B, m), f32); f[rows, idx] = vals",
            "        xhat = f @ W_dec; xhat += b_dec",
            "    e = xhat - x",
            "    loss = float(np.einsum('ij,ij->', e, e) / B)",
            "    g = e * f32(2.0 / B)",
            "    gb_dec = g.sum(0)",
            "    if gather:",
            "        dvals = np.empty((B, k), f32)",
            "        for c in range(0, B, CH):",
            "            dvals[c:c+CH] = np.matmul(W_dec[idx[c:c+CH]], g[c:c+CH, :, None])[:, :, 0]",
            "        f = np.zeros((B, m), f32); f[rows, idx] = vals",
            "    else:",
            "        dvals = np.take_along_axis(g @ W_dec.T, idx, axis=1)",
            "    gW_dec = f.T @ g",
            "    dvals *= vals > 0",
            "    dpre = np.zeros((B, m), f32); dpre[rows, idx] = dvals",
            "    gW_enc = xc.T @ dpre",
            "    gb_enc = dpre.sum(0)",
            "    gb_dec -= W_enc @ gb_enc",
            "    grads = [gW_enc, gb_enc, gW_dec, gb_dec]",
            "    dot = np.einsum('ij,ij->i', W_dec, gW_dec); nn = np.einsum('ij,ij->i', W_dec, W_dec)",
            "    gW_dec -= (dot / nn)[:, None] * W_dec",
            "    norm = np.sqrt(sum(float(np.vdot(gr, gr)) for gr in grads))",
            "    if norm > clip:",
            "        for gr in grads: gr *= f32(clip / (norm + 1e-6))",
            "    t += 1",
            "    step_size = f32(lr / (1 - b1 ** t)); inv_bc2 = f32(1 / np.sqrt(1 - b2 ** t))",
            "    for p, gr, m1, m2 in zip(params, grads, mom1, mom2):",
            "        m1 *= f32(b1); m1 += f32(1 - b1) * gr",
            "        m2 *= f32(b2); gr *= gr; gr *= f32(1 - b2); m2 += gr",
            "        den = np.sqrt(m2); den *= inv_bc2; den += f32(eps)",
            "        np.divide(m1, den, out=den); den *= step_size",
            "        p -= den",
            "    np.divide(W_dec, np.linalg.norm(W_dec, axis=1, keepdims=True), out=W_dec)",
            "    return loss",
            BenchGemmCommand.BLAS_INFO_PY,
            "print('ready', np.__version__ + ',', blas_info(), flush=True)",
            "for line in sys.stdin:",
            "    cmd = line.strip()",
            "    if cmd == 'quit': break",
            "    t0 = time.perf_counter(); loss = step(cmd == 'gather'); dt = time.perf_counter() - t0",
            "    print(dt, loss, flush=True)");

    /**
     * One timed thing: a name and a step that returns its loss.
     *
     * @param ownClock null for saelab's variants (timed here); for a Python reference, the seconds
     *                 its last step took by its own clock, without the pipe
     */
    private record Variant(String name, String note, DoubleSupplier step, DoubleSupplier ownClock) {
        Variant(String name, String note, DoubleSupplier step) {
            this(name, note, step, null);
        }
    }

    /** The plain TopK variant that runs on the host whatever the class path offers (timed only when "saelab topk" is resident). */
    static final String HOST_PLAIN = "saelab topk, host step";

    /** The saelab variants' trainers: a resident step holds device memory until closed. */
    private final List<SaeTrainer> trainers = new ArrayList<>();

    @Override
    public void run() {
        Main.announceBackend(System.err);
        if (reps < 1 || warmup < 0 || threads < 1 || d < 1 || m < 1 || k < 1 || k > m || batch < 1) {
            throw new ParameterException(spec.commandLine(), "need --reps >= 1, --warmup >= 0, --threads >= 1, positive sizes and k <= m");
        }
        Parallel.setParallelism(threads);
        String numpyNote = noNumpy ? "numpy rows skipped (--no-numpy)" : BenchGemmCommand.probeNumpy(python, threads).whyNot();

        System.out.printf("saelab bench train: d %d, m %d, k %d, batch %d; %d thread(s) of %d cores (%s); %d warm-up round(s), best of %d; "
                        + "load average %s%n", d, m, k, batch, threads, Runtime.getRuntime().availableProcessors(), TrainStepFloor.cpuModel(),
                warmup, reps, loadAverage());
        float[] x = Tensor.randn(seed + 1, batch, d).toArray();
        SaeParams params = TopKSae.init(new TopKSae.Config(d, m, k), seed).params();
        PenaltyConfig adaptive = PenaltyConfig.adaptiveDefault();
        PenaltyConfig decoder = new PenaltyConfig(PenaltyConfig.Kind.ADAPTIVE, adaptive.lambda2(), adaptive.threshold(),
                PenaltyConfig.OverlapTarget.DECODER, adaptive.normalization());
        // The variants share the parameters (and so their gradients) to save memory; each has its own Adam state.
        List<Variant> variants = new ArrayList<>();
        variants.add(javaVariant("saelab topk", "", PenaltyConfig.none(), params, x));
        if (trainers.getLast().resident()) {
            variants.add(javaVariant(HOST_PLAIN, "", PenaltyConfig.none(), params, x, false, true));
        }
        variants.add(javaVariant("saelab topk + adaptive", "activation target", adaptive, params, x));
        variants.add(javaVariant("saelab topk + adaptive, logged", "activation target, all-pair statistics", adaptive, params, x, true));
        if (!noDecoder) variants.add(javaVariant("saelab topk + decoder", "decoder target", decoder, params, x));

        NumpyServer np = null;
        if (numpyNote == null) {
            try {
                System.out.print("  starting numpy (random data, Adam state) ...");
                System.out.flush();
                np = new NumpyServer();
                System.out.println(" numpy " + np.version + BenchGemmCommand.droppedBlasOverrides());
                NumpyServer srv = np;
                variants.add(new Variant("numpy topk (dense f@W_dec)", "", () -> srv.step("dense"), () -> srv.lastSeconds));
                variants.add(new Variant("numpy topk (gather-sum)", "", () -> srv.step("gather"), () -> srv.lastSeconds));
            } catch (PythonServer.Unavailable | RuntimeException e) {
                numpyNote = "numpy rows omitted: " + e.getMessage();
                if (np != null) np.close();
                np = null;
            }
        }

        TorchStep torch = null;
        String torchNote = null;
        if (torchOptions.enabled) {
            System.out.print("  starting torch (random data, Adam state) ...");
            System.out.flush();
            try {
                torch = new TorchStep(TorchReference.open(torchOptions, python, threads, "train", String.valueOf(d), String.valueOf(m),
                        String.valueOf(k), String.valueOf(batch), String.valueOf(seed), String.valueOf(LR), String.valueOf(CLIP)));
                System.out.println(" " + torch.reference.describe());
                TorchStep t = torch;
                variants.add(new Variant(TORCH_PREFIX + t.reference.device + ")", "", t::step, () -> t.lastSeconds));
            } catch (PythonServer.Unavailable e) {
                torchNote = "torch rows omitted: " + e.getMessage();
                System.out.println(" unavailable");
            }
        }

        double[] best = new double[variants.size()];
        Arrays.fill(best, Double.POSITIVE_INFINITY);
        // With --phases the floor's parts are timed in every round too, beside the steps.
        TrainStepFloor.Meter floorMeter = phases ? new TrainStepFloor.Meter(batch, d, m, k, TrainStepFloor.COPY_FLOATS) : null;
        try {
            for (int round = 0; round < warmup + reps; round++) {
                boolean timed = round >= warmup;
                System.out.printf("  round %d/%d%s:", round + 1, warmup + reps, timed ? "" : " (warm-up)");
                if (floorMeter != null) floorMeter.round(timed);
                for (int v = 0; v < variants.size(); v++) {
                    long t0 = System.nanoTime();
                    double loss = variants.get(v).step().getAsDouble();
                    double sec = (System.nanoTime() - t0) / 1e9;
                    if (variants.get(v).ownClock() != null) sec = variants.get(v).ownClock().getAsDouble();
                    if (timed) best[v] = Math.min(best[v], sec);
                    if (!Double.isFinite(loss)) throw new IllegalStateException(variants.get(v).name() + ": loss is " + loss);
                    System.out.printf(" %.0f ms", sec * 1e3);
                    System.out.flush();
                }
                System.out.println();
            }
        } finally {
            if (np != null) np.close();
            for (SaeTrainer t : trainers) t.close();
            if (torch != null) torch.reference.close();
        }
        System.out.println();
        printTable(variants, best, torch == null ? null : torch.reference);
        if (numpyNote != null) System.out.println("note: " + numpyNote);
        if (torchNote != null) System.out.println("note: " + torchNote);
        System.out.printf("load average after: %s%n", loadAverage());
        if (phases) {
            TrainStepFloor inRounds = floorMeter.floor();
            floorMeter.drop();
            phaseBreakdown(params, adaptive, x, best[indexOf(variants, "saelab topk")], best[indexOf(variants, "saelab topk + adaptive")], inRounds);
        }
    }

    private Variant javaVariant(String name, String note, PenaltyConfig penalty, SaeParams params, float[] x) {
        return javaVariant(name, note, penalty, params, x, false, false);
    }

    /**
     * @param logged as on a step whose JSONL line is written (every --log-every steps): the
     *               penalty then enumerates every co-firing pair for the statistics; on other
     *               steps it skips pairs it cannot penalize
     */
    private Variant javaVariant(String name, String note, PenaltyConfig penalty, SaeParams params, float[] x, boolean logged) {
        return javaVariant(name, note, penalty, params, x, logged, false);
    }

    /** @param host on the host even where a resident step is on offer */
    private Variant javaVariant(String name, String note, PenaltyConfig penalty, SaeParams params, float[] x, boolean logged, boolean host) {
        TrainConfig cfg = new TrainConfig(new TopKSettings(k, 1.0 / 32, Math.max(1, d / 2)), d, m, LR, STEPS, batch, seed, 1000, STEPS,
                10_000_000L, penalty, CLIP, 1000, 0, "bench", "bench", "bench");
        // Each trainer trains its own copy of the shared parameters.
        SaeTrainer trainer = host ? SaeTrainer.on(cfg, params, null) : SaeTrainer.of(cfg, params);
        trainers.add(trainer);
        System.out.printf("  %-32s %s%n", name + ":", trainer.engine());
        // Start at p = 0.5 so the adaptive schedules are mid-way (fresh Adam moments).
        AdamOptimizer a = trainer.optimizer();
        int n = params.list().size();
        float[][] first = new float[n][], second = new float[n][];
        for (int i = 0; i < n; i++) { first[i] = a.firstMoment(i).clone(); second[i] = a.secondMoment(i).clone(); }
        trainer.restore((long) (PROGRESS * STEPS), 0, first, second, new long[m]);
        return new Variant(name, note, () -> trainer.step(x, batch, logged).loss());
    }

    /** saelab train's default --log-every, for the averaged overhead. */
    private static final int TRAIN_LOG_EVERY = 10;

    private static int indexOf(List<Variant> variants, String name) {
        for (int v = 0; v < variants.size(); v++) if (variants.get(v).name().equals(name)) return v;
        throw new IllegalStateException("no bench variant named " + name);
    }

    private void printTable(List<Variant> variants, double[] best, TorchReference torch) {
        int npIdx = -1, torchIdx = -1;
        for (int v = 0; v < variants.size(); v++) {
            if (variants.get(v).name().startsWith("numpy") && (npIdx < 0 || best[v] < best[npIdx])) npIdx = v;
            if (variants.get(v).name().startsWith(TORCH_PREFIX)) torchIdx = v;
        }
        String head = String.format("%-32s %10s %9s %11s %12s", "variant", "ms/step", "steps/s", "tokens/s", "vs numpy");
        if (torchIdx >= 0) head += String.format(" %12s", "vs torch");
        System.out.println(head);
        System.out.println("-".repeat(head.length()));
        for (int v = 0; v < variants.size(); v++) {
            double s = best[v];
            System.out.printf("%-32s %10.1f %9.3f %11.0f %12s%s%n", variants.get(v).name(), s * 1e3, 1 / s, batch / s,
                    ratio(best, npIdx, v), torchIdx < 0 ? "" : String.format(" %12s", ratio(best, torchIdx, v)));
        }
        System.out.println();
        boolean resident = variants.stream().anyMatch(v -> v.name().equals(HOST_PLAIN));
        double plain = best[indexOf(variants, "saelab topk")];
        double adaptive = best[indexOf(variants, "saelab topk + adaptive")];
        double logged = best[indexOf(variants, "saelab topk + adaptive, logged")];
        if (resident) {
            System.out.printf("resident TopK step: %.2fx the host step's speed%n", best[indexOf(variants, HOST_PLAIN)] / plain);
        }
        if (trainers.stream().map(SaeTrainer::engine).distinct().count() > (resident ? 2 : 1)) {
            System.out.println("note: the saelab variants run on different engines (listed above); the overheads below compare across them");
        }
        System.out.printf("adaptive penalty overhead (activation target): %+.1f%% of the plain TopK step; on a logged step "
                + "(all-pair statistics) %+.1f%%; averaged with a log line every %d steps (train's default) %+.1f%%%n",
                100 * (adaptive / plain - 1), 100 * (logged / plain - 1), TRAIN_LOG_EVERY,
                100 * (((TRAIN_LOG_EVERY - 1) * adaptive + logged) / TRAIN_LOG_EVERY / plain - 1));
        if (!noDecoder) System.out.printf("decoder-target penalty overhead: %+.1f%% of the plain TopK step%n",
                100 * (best[indexOf(variants, "saelab topk + decoder")] / plain - 1));
        if (npIdx >= 0) {
            System.out.printf("numpy reference: the faster of its two decoders, %s; ratios are numpy ms / saelab ms (> 1: saelab faster)%n",
                    variants.get(npIdx).name().replace("numpy topk (", "").replace(")", ""));
        }
        if (torchIdx >= 0) {
            System.out.printf("torch reference: %s; dictionary_learning's TopK step (dense encoder, relu then topk, dense "
                    + "scatter then codes@W_dec, parallel-gradient removal, clip_grad_norm_ %.1f, torch.optim.Adam, unit "
                    + "decoder rows)%s; saelab topk runs at %.2fx torch's speed (torch ms / saelab ms, > 1: saelab faster)%n",
                    torch.describe(), CLIP, torch.isCuda() ? ", timed between torch.cuda.synchronize() calls" : "",
                    best[torchIdx] / plain);
        }
        System.out.println("note: no latent is dead in these few steps, so the AuxK loss does not run (as in early training).");
    }

    /**
     * Times the phases of one adaptive-penalty step one by one, with the trainer's public pieces and its fused update
     * (clip, Adam and unit rows in one call), best of the rounds, arrays reused between rounds as between steps; then
     * the update's four passes unfused, for reference, and the step's floor, measured now.
     *
     * @param plainStep the best plain TopK step of the rounds above, in seconds
     * @param adaptiveStep the best adaptive-penalty step of those rounds, in seconds (what the phases should add up to)
     * @param inRounds  the floor from its parts' best times in those rounds
     */
    private void phaseBreakdown(SaeParams params, PenaltyConfig penalty, float[] x, double plainStep, double adaptiveStep, TrainStepFloor inRounds) {
        String[] names = {"encoder GEMM + top-k (fused)", "values op (ReLU)", "sparse decode", "recon loss graph",
                "penalty (CoFiring, + grad)", "backward (all ops)", "update (fused, two passes)"};
        String[] unfusedNames = {"parallel-grad removal", "grad clip", "Adam", "decoder normalisation"};
        double[] bestPh = new double[names.length], bestUnfused = new double[unfusedNames.length];
        Arrays.fill(bestPh, Double.POSITIVE_INFINITY);
        Arrays.fill(bestUnfused, Double.POSITIVE_INFINITY);
        AdamOptimizer adam = new AdamOptimizer(params.list()), fusedAdam = new AdamOptimizer(params.list());
        System.out.println();
        System.out.println("phases of the adaptive-penalty step (measured one by one, best of " + (warmup + reps) + " incl. warm-up):");
        for (int round = 0; round < warmup + reps; round++) {
            // The step's arrays are reused from round to round, as the trainer reuses them from step to step (fresh
            // ones cost their first-touch page faults: tens of ms a round on a virtual machine).
            try (ReusableArrays.Scope stepArrays = ReusableArrays.shared().openScope()) {
            params.zeroGrad();
            long t0 = System.nanoTime();
            // The trainer's encoder: GEMM, bias and each row's top k a chunk of latents at a time (BlockedTopK), one phase.
            BlockedTopK.Selections blocked = BlockedTopK.select(x, batch, params, k, null, 0);
            SparseEncoder.Selection sel = blocked.top();
            long t2 = System.nanoTime();
            Tensor values = SparseEncoder.values(blocked.centred(), sel, params);
            long t3 = System.nanoTime();
            Tensor xHat = SparseDecoder.decode(values, sel.indices(), params.wDec(), params.bDec());
            long t4 = System.nanoTime();
            Tensor total = xHat.squaredErrorRowMean(Tensor.wrap(x, 0, batch, d));
            total.item();
            long t5 = System.nanoTime();
            CoFiringPenalty.Result pen = CoFiringPenalty.apply(penalty, PROGRESS, values, sel.indices(), params.wDec());
            total = total.add(pen.term());
            long t6 = System.nanoTime();
            total.backward();
            long t7 = System.nanoTime();
            // The trainer's update: parallel-grad removal, clipping, Adam and the unit rows in two passes over the state.
            fusedAdam.clipAndStep(LR, CLIP, 2, d, true);
            long t8 = System.nanoTime();
            long[] marks = {t0, t2, t3, t4, t5, t6, t7, t8};
            for (int i = 0; i < names.length; i++) bestPh[i] = Math.min(bestPh[i], (marks[i + 1] - marks[i]) / 1e9);
            // The same update unfused, one pass per operation (from the same gradients, on its own moments), for reference.
            long u0 = System.nanoTime();
            DecoderNorms.removeParallelComponent(params.wDec().data(), params.wDec().gradData(), m, d);
            long u1 = System.nanoTime();
            AdamOptimizer.clipGradNorm(params.list(), CLIP);
            long u2 = System.nanoTime();
            adam.step(LR);
            long u3 = System.nanoTime();
            DecoderNorms.normalizeRows(params.wDec().data(), m, d, 1f);
            long u4 = System.nanoTime();
            long[] unfused = {u0, u1, u2, u3, u4};
            for (int i = 0; i < unfusedNames.length; i++) bestUnfused[i] = Math.min(bestUnfused[i], (unfused[i + 1] - unfused[i]) / 1e9);
            }
        }
        double sum = 0, unfusedSum = 0;
        for (double b : bestPh) sum += b;
        for (double b : bestUnfused) unfusedSum += b;
        for (int i = 0; i < names.length; i++) {
            System.out.printf("  %-28s %9.1f ms %5.1f%%%n", names[i], bestPh[i] * 1e3, 100 * bestPh[i] / sum);
        }
        System.out.printf("  %-28s %9.1f ms (the adaptive step above: %.1f ms)%n", "sum of phases", sum * 1e3, adaptiveStep * 1e3);
        StringBuilder parts = new StringBuilder();
        for (int i = 0; i < unfusedNames.length; i++) parts.append(String.format("%s%s %.1f", i == 0 ? "" : ", ", unfusedNames[i], bestUnfused[i] * 1e3));
        System.out.printf("  the update unfused, one pass each: %s = %.1f ms (AdamOptimizer.clipAndStep fuses them)%n", parts, unfusedSum * 1e3);
        System.out.printf("%nfloor of the step (its parts timed in each of the %d rounds above, best kept, as the steps' are; %s):%n",
                reps, TrainStepFloor.cpuModel());
        printFloor(inRounds);
        System.out.printf("  plain TopK step %.1f ms = %.2fx the floor%n", plainStep * 1e3, plainStep / inRounds.seconds());
        System.out.printf("%nfloor measured again now, beside the phases (load average %s):%n", loadAverage());
        TrainStepFloor now = TrainStepFloor.measure(batch, d, m, k, Math.max(2, reps));
        printFloor(now);
        System.out.printf("  sum of the phases above %.1f ms = %.2fx this floor%n", sum * 1e3, sum / now.seconds());
    }

    private void printFloor(TrainStepFloor floor) {
        System.out.printf("  %-28s %9.1f ms (%.0f GFLOP/s)%n", "encoder GEMM at this shape", floor.gemmSeconds() * 1e3,
                2.0 * batch * d * m / floor.gemmSeconds() / 1e9);
        System.out.printf("  %-28s %9.1f ms (%d arrays of %d parameters, %.2f GB, at the copy bandwidth %.1f GB/s read + written)%n",
                "optimiser streaming pass", floor.streamSeconds() * 1e3, TrainStepFloor.STREAMED_ARRAYS, 2L * d * m + m + d,
                floor.streamBytes() / 1e9, floor.copyBytesPerSec() / 1e9);
        System.out.printf("  %-28s %9.1f ms%n", "floor", floor.seconds() * 1e3);
        System.out.printf("  %-28s %9.1f ms (%d passes of %.1f ms: %d row segments of %d floats per tile gathered from cache, nothing else)%n",
                "+ the bare sparse gathers", TrainStepFloor.GATHER_PASSES * floor.gatherSeconds() * 1e3, TrainStepFloor.GATHER_PASSES,
                floor.gatherSeconds() * 1e3, (long) batch * k, GatherBound.WIDTH);
        System.out.printf("  %-28s %9.1f ms = %.2fx the floor: the nearest this step's design could come to its floor here%n",
                "design bound", floor.boundSeconds() * 1e3, floor.boundSeconds() / floor.seconds());
    }

    static String loadAverage() {
        double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        try {
            String s = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).strip();
            String[] f = s.split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return l < 0 ? "n/a" : String.format("%.2f", l);
        }
    }

    /** "1.00x (ref)" for the reference itself, else its time over this variant's; "-" without a reference. */
    private static String ratio(double[] best, int ref, int v) {
        return ref < 0 ? "-" : v == ref ? "1.00x (ref)" : String.format("%.2fx", best[ref] / best[v]);
    }

    /** The torch rows' names start with this; the device follows, e.g. "torch topk (cuda)". */
    private static final String TORCH_PREFIX = "torch topk (";

    /** The numpy step as a child process that keeps its arrays between steps. */
    private final class NumpyServer implements AutoCloseable {
        final PythonServer server;
        final String version;
        double lastSeconds;

        NumpyServer() throws PythonServer.Unavailable {
            server = new PythonServer(BenchGemmCommand.pythonProcess(python, threads, NUMPY_SCRIPT, String.valueOf(d), String.valueOf(m),
                    String.valueOf(k), String.valueOf(batch), String.valueOf(seed), String.valueOf(LR), String.valueOf(CLIP)), "numpy");
            version = server.greeting;
        }

        double step(String mode) {
            try {
                String[] f = server.request(mode, "numpy");
                lastSeconds = Double.parseDouble(f[0]);
                return Double.parseDouble(f[1]);
            } catch (RuntimeException e) {
                throw new IllegalStateException("numpy step failed: " + e.getMessage(), e);
            }
        }

        @Override public void close() {
            server.close();
        }
    }

    /** The torch step, with the seconds its last step took by its own clock. */
    private static final class TorchStep {
        final TorchReference reference;
        double lastSeconds;

        TorchStep(TorchReference reference) {
            this.reference = reference;
        }

        double step() {
            double[] r = reference.step();
            lastSeconds = r[0];
            return r[1];
        }
    }
}
