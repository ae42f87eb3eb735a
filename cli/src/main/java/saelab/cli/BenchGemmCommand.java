package saelab.cli;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import saelab.tensor.backend.Backends;
import saelab.tensor.kernels.Bf16Gemm;
import saelab.tensor.kernels.Gemm;
import saelab.tensor.kernels.VectorOps;
import saelab.tensor.kernels.Parallel;

/**
 * GFLOP/s of the float32 GEMM (NN) and the bf16 GEMM (A·Wᵀ, W bf16) at saelab's shapes, each
 * next to numpy's time for the same product measured in the same run (interleaved shape by
 * shape, so both see the same machine load), with the ratio; with {@code --torch} also
 * torch.matmul's (cuBLAS SGEMM with TF32 off on a GPU), the issue-6 yardstick for the tornado backend.
 */
@Command(name = "gemm", mixinStandardHelpOptions = true,
        description = {"GFLOP/s of saelab's GEMMs against numpy (OpenBLAS) on the same machine, same run.",
                "Shapes are MxKxN: C[M,N] = A[M,K]·B[K,N]; a 'bf16:' prefix times A·Wᵀ with W[N,K] in bf16.",
                "--torch adds torch.matmul of the same shapes (fp32, TF32 off; on the GPU when torch sees one) "
                        + "and a 'vs torch' column: torch ms / saelab ms."})
public final class BenchGemmCommand implements Runnable {

    static final String DEFAULT_SHAPES =
            "2048x2304x16384,2048x16384x2304,128x2304x9216,1024x1024x1024,bf16:128x2304x9216";

    @Option(names = "--shapes", split = ",", paramLabel = "MxKxN",
            description = "Comma-separated shapes (default: ${DEFAULT-VALUE}).", defaultValue = DEFAULT_SHAPES)
    List<String> shapes;

    @Option(names = "--reps", description = "Timed repetitions per shape; the best is reported (default: ${DEFAULT-VALUE}).",
            defaultValue = "5")
    int reps;

    @Option(names = "--warmup", description = "Untimed repetitions first, for the JIT and caches (default: ${DEFAULT-VALUE}).",
            defaultValue = "2")
    int warmup;

    @Option(names = "--warmup-seconds", description = "Keep warming up until this much time has passed: small "
            + "products call the kernels too few times per run for the JIT to compile them otherwise "
            + "(default: ${DEFAULT-VALUE}).", defaultValue = "2.0")
    double warmupSeconds;

    @Spec
    CommandSpec spec;

    @Option(names = "--threads", description = "Threads for saelab and for numpy (default: all cores, ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--python", description = "Python interpreter with numpy (default: ${DEFAULT-VALUE}).",
            defaultValue = "python3")
    String python;

    @Option(names = "--no-numpy", description = "Skip the numpy reference.")
    boolean noNumpy;

    @Mixin
    TorchReference.Options torchOptions;

    /** Best-of-N seconds of one product, with W transposed (x·Wᵀ) for the bf16 lines. */
    private static final String NUMPY_SCRIPT = String.join("\n",
            "import sys, time, numpy as np",
            "m, k, n, warm, reps, wt = map(int, sys.argv[1:7])",
            "rng = np.random.default_rng(0)",
            "a = rng.random((m, k), dtype=np.float32)",
            "b = rng.random((n, k), dtype=np.float32).T if wt else rng.random((k, n), dtype=np.float32)",
            "for _ in range(warm): a @ b",
            "best = float('inf')",
            "for _ in range(reps):",
            "    t = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - t)",
            "print(best)");

    record Shape(String text, boolean bf16, int m, int k, int n) {
        double flops() {
            return 2.0 * m * n * k;
        }

        static Shape parse(String s) {
            String t = s.trim();
            boolean bf16 = t.startsWith("bf16:");
            String dims = bf16 ? t.substring(5) : t;
            String[] d = dims.toLowerCase().split("x");
            String usage = "shape must be MxKxN with positive sizes, optionally bf16:MxKxN: " + s;
            if (d.length != 3) throw new IllegalArgumentException(usage);
            int m = Integer.parseInt(d[0]), k = Integer.parseInt(d[1]), n = Integer.parseInt(d[2]);
            if (m < 1 || k < 1 || n < 1) throw new IllegalArgumentException(usage);
            return new Shape(t, bf16, m, k, n);
        }
    }

    record Row(Shape shape, double seconds, double numpySeconds, double torchSeconds) {}

    @Override
    public void run() {
        Main.announceBackend(System.err);
        if (reps < 1 || warmup < 0 || threads < 1 || warmupSeconds < 0) {
            throw new ParameterException(spec.commandLine(), "need --reps >= 1, --warmup >= 0, --warmup-seconds >= 0, --threads >= 1");
        }
        List<Shape> parsed;
        try {
            parsed = shapes.stream().map(Shape::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Parallel.setParallelism(threads);
        NumpyProbe probe = noNumpy ? new NumpyProbe(null, "numpy column skipped (--no-numpy)") : probeNumpy(python, threads);
        String numpyNote = probe.whyNot();
        boolean numpy = numpyNote == null;

        System.out.printf("saelab bench gemm: %d thread(s), warm-up >= %d runs and >= %.1f s, then best of %d; vector species %s, %d registers, register tile %s%n",
                threads, warmup, warmupSeconds, reps, jdk.incubator.vector.FloatVector.SPECIES_PREFERRED, VectorOps.registers(), Gemm.tile());
        if (numpy) System.out.println("  numpy " + probe.description() + droppedBlasOverrides());
        TorchReference torch = null;
        String torchNote = null;
        if (torchOptions.enabled) {
            System.out.print("  starting torch ...");
            System.out.flush();
            try {
                torch = TorchReference.open(torchOptions, python, threads, "gemm");
                System.out.println(" " + torch.describe());
            } catch (PythonServer.Unavailable e) {
                torchNote = "torch rows omitted: " + e.getMessage();
                System.out.println(" unavailable");
            }
        }
        List<Row> rows = new ArrayList<>();
        try {
            for (Shape s : parsed) {
                System.out.printf("  running %-22s ...", s.text());
                System.out.flush();
                double t = s.bf16() ? timeBf16(s) : timeF32(s);
                double np = numpy ? timeNumpy(s) : Double.NaN;
                double pt = torch != null ? torch.gemmSeconds(s.m(), s.k(), s.n(), s.bf16(), warmup, warmupSeconds, reps) : Double.NaN;
                System.out.printf(" %.1f GFLOP/s%s%s%n", s.flops() / t / 1e9,
                        numpy ? String.format(" (numpy %.1f)", s.flops() / np / 1e9) : "",
                        torch != null ? String.format(" (torch %.1f)", s.flops() / pt / 1e9) : "");
                rows.add(new Row(s, t, np, pt));
            }
        } finally {
            if (torch != null) torch.close();
        }
        System.out.println();
        printTable(rows, numpy, torch != null);
        if (!numpy) System.out.println("note: " + numpyNote);
        else if (parsed.stream().anyMatch(Shape::bf16)) {
            System.out.println("note: numpy has no bf16 GEMM; its bf16 lines time the float32 product x·Wᵀ of the same shape.");
        }
        if (torchNote != null) System.out.println("note: " + torchNote);
        if (torch != null) printTorchNote(torch, parsed.stream().anyMatch(Shape::bf16));
    }

    private static void printTorchNote(TorchReference torch, boolean bf16) {
        System.out.println("note: torch rows: " + torch.describe() + "; torch.matmul into a preallocated C, operands resident "
                + (torch.isCuda() ? "on the GPU, best of the reps each between torch.cuda.synchronize() calls" : "in memory")
                + "; vs torch = torch ms / saelab ms (> 1: saelab faster).");
        if (torch.isCuda()) {
            System.out.println("note: with TF32 off torch.matmul is a real fp32 cuBLAS SGEMM; issue 6's goal for --backend tornado "
                    + "is vs torch >= 0.5.");
        }
        if (!Backends.current().isCpu()) {
            System.out.println("note: saelab's time on " + Backends.current().name() + " includes moving A and C between host "
                    + "and device on every call (B stays on the device until it changes); torch's operands stay on its device.");
        }
        if (bf16) System.out.println("note: torch's bf16 lines, like numpy's, time the float32 product x·Wᵀ of the same shape.");
    }

    /** Without torch, numpy's ratio column keeps its old name ("ratio"); beside torch's it is "vs numpy". */
    private void printTable(List<Row> rows, boolean numpy, boolean torch) {
        StringBuilder head = new StringBuilder(String.format("%-6s %-18s %10s %10s", "kind", "M x K x N", "ms", "GFLOP/s"));
        if (numpy) head.append(String.format(" %10s %10s %8s", "numpy ms", "numpy GF/s", torch ? "vs numpy" : "ratio"));
        if (torch) head.append(String.format(" %10s %10s %8s", "torch ms", "torch GF/s", "vs torch"));
        System.out.println(head);
        System.out.println("-".repeat(head.length()));
        for (Row r : rows) {
            Shape s = r.shape();
            String kind = s.bf16() ? "bf16" : "f32";
            String dims = s.m() + "x" + s.k() + "x" + s.n();
            StringBuilder line = new StringBuilder(String.format("%-6s %-18s %10.2f %10.1f", kind, dims, r.seconds() * 1e3,
                    s.flops() / r.seconds() / 1e9));
            if (numpy) line.append(referenceColumns(s, r.numpySeconds(), r.seconds()));
            if (torch) line.append(referenceColumns(s, r.torchSeconds(), r.seconds()));
            System.out.println(line);
        }
    }

    /** A reference's ms, GFLOP/s and its time over ours (> 1: saelab faster). */
    private static String referenceColumns(Shape s, double refSeconds, double seconds) {
        return String.format(" %10.2f %10.1f %7.2fx", refSeconds * 1e3, s.flops() / refSeconds / 1e9, refSeconds / seconds);
    }

    private double timeF32(Shape s) {
        Random r = new Random(1);
        float[] a = random(r, (long) s.m() * s.k()), b = random(r, (long) s.k() * s.n());
        float[] c = new float[Math.multiplyExact(s.m(), s.n())];
        return best(() -> Gemm.sgemm(Gemm.Form.NN, s.m(), s.n(), s.k(), a, b, c, false));
    }

    private double timeBf16(Shape s) {
        Random r = new Random(1);
        float[] a = random(r, (long) s.m() * s.k());
        float[] c = new float[Math.multiplyExact(s.m(), s.n())];
        // Auto arena: any thread may read it, like a mapped checkpoint.
        MemorySegment w = Arena.ofAuto().allocate(2L * s.n() * s.k());
        ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long e = 0; e < (long) s.n() * s.k(); e++) {
            w.set(le, 2 * e, (short) (Float.floatToRawIntBits(r.nextFloat()) >>> 16));
        }
        return best(() -> Bf16Gemm.gemmNT(s.m(), s.n(), s.k(), a, 0, s.k(), w, 0, s.k(), c, 0, s.n(), false));
    }

    private double best(Runnable product) {
        long start = System.nanoTime();
        for (int i = 0; i < warmup || System.nanoTime() - start < warmupSeconds * 1e9; i++) product.run();
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            product.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }

    private static float[] random(Random r, long size) {
        float[] x = new float[Math.toIntExact(size)];
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
        return x;
    }

    /**
     * A Python function {@code blas_info()}: numpy's BLAS and, for OpenBLAS, the kernels it runs on
     * this CPU ("scipy-openblas 0.3.31, core SkylakeX"), read from the library itself; "core
     * unknown" where it cannot be read. Printed beside every numpy figure, so a reader sees whether
     * the reference ran its best kernels.
     */
    static final String BLAS_INFO_PY = String.join("\n",
            "def blas_info():",
            "    import numpy",
            "    try:",
            "        b = numpy.show_config(mode='dicts')['Build Dependencies']['blas']",
            "        name = (str(b.get('name', 'BLAS')) + ' ' + str(b.get('version', ''))).strip()",
            "    except Exception:",
            "        name = 'BLAS'",
            "    core = 'unknown'",
            "    try:",
            "        import ctypes",
            "        for path in sorted({l.split()[-1] for l in open('/proc/self/maps') if 'openblas' in l.lower() and '.so' in l}):",
            "            lib = ctypes.CDLL(path)",
            "            for f in ('scipy_openblas_get_corename64_', 'scipy_openblas_get_corename', 'openblas_get_corename64_', 'openblas_get_corename'):",
            "                if hasattr(lib, f):",
            "                    g = getattr(lib, f); g.restype = ctypes.c_char_p; core = g().decode()",
            "    except Exception:",
            "        pass",
            "    return name + ', core ' + core");

    /**
     * Variables that pin OpenBLAS's kernels instead of letting it pick them for the CPU. Some
     * machines set them for old OpenBLAS builds that misdetect new processors; a current numpy
     * then runs e.g. its AVX2 (Haswell) kernels on an AVX-512 CPU at about half speed. A reference
     * must run at its best, so the benchmarks' Python children do not inherit them.
     */
    static final List<String> BLAS_OVERRIDES = List.of("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE");

    /** What of {@link #BLAS_OVERRIDES} this environment sets and the references therefore drop ("" when none). */
    static String droppedBlasOverrides() {
        List<String> set = BLAS_OVERRIDES.stream().filter(v -> System.getenv(v) != null).map(v -> v + "=" + System.getenv(v)).toList();
        return set.isEmpty() ? "" : "; " + String.join(", ", set) + " from this environment not passed on (OpenBLAS picks its kernels for this CPU)";
    }

    /**
     * What one start of the reference's Python said of numpy.
     *
     * @param description numpy's version and BLAS ("2.4.6, scipy-openblas 0.3.31, core SkylakeX"); null when unusable
     * @param whyNot      null when numpy can be used, otherwise why not
     */
    record NumpyProbe(String description, String whyNot) {}

    /** Whether {@code python} can import numpy, and its version and BLAS (shared with the other benchmarks). */
    static NumpyProbe probeNumpy(String python, int threads) {
        try {
            Result res = python(python, threads, "import numpy\n" + BLAS_INFO_PY + "\nprint(numpy.__version__ + ', ' + blas_info())");
            if (res.exit != 0) return new NumpyProbe(null, "numpy column omitted: '" + python + "' cannot import numpy (" + res.output.strip() + ")");
            String[] lines = res.output.strip().split("\n");
            return new NumpyProbe(lines[lines.length - 1].strip(), null);
        } catch (IOException e) {
            return new NumpyProbe(null, "numpy column omitted: '" + python + "' could not be started (" + e.getMessage() + ")");
        }
    }

    private double timeNumpy(Shape s) {
        try {
            Result res = python(NUMPY_SCRIPT, String.valueOf(s.m()), String.valueOf(s.k()), String.valueOf(s.n()),
                    String.valueOf(warmup), String.valueOf(reps), s.bf16() ? "1" : "0");
            if (res.exit != 0) throw new IllegalStateException("numpy run failed: " + res.output);
            String[] lines = res.output.strip().split("\n");
            return Double.parseDouble(lines[lines.length - 1].strip());
        } catch (IOException e) {
            throw new IllegalStateException("numpy run failed", e);
        }
    }

    record Result(int exit, String output) {}

    private Result python(String script, String... args) throws IOException {
        return python(python, threads, script, args);
    }

    /** {@code python -c script args...} with BLAS limited to {@code threads} threads. */
    static ProcessBuilder pythonProcess(String python, int threads, String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of(python, "-c", script));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        referenceEnvironment(pb.environment(), threads);
        return pb;
    }

    /** A reference child's environment: BLAS on {@code threads} threads, kernels of its own choosing ({@link #BLAS_OVERRIDES} dropped). */
    static void referenceEnvironment(java.util.Map<String, String> env, int threads) {
        // Same thread count as saelab; every BLAS numpy may be linked against reads one of these.
        String t = String.valueOf(threads);
        for (String v : List.of("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")) env.put(v, t);
        BLAS_OVERRIDES.forEach(env::remove);
    }

    static Result python(String python, int threads, String script, String... args) throws IOException {
        Process p = pythonProcess(python, threads, script, args).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Result(-1, "timed out");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
        return new Result(p.exitValue(), out);
    }
}
