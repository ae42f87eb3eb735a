package saelab.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * PyTorch as a benchmark reference: {@code torch_reference.py} (beside this class) run as a
 * {@link PythonServer}, on CUDA when torch sees a GPU, else on the CPU. Optional everywhere: a
 * Python without torch (or without CUDA when {@code --torch-device cuda} asked for it) only omits
 * the rows, with a one-line note.
 */
final class TorchReference implements AutoCloseable {

    enum Device { auto, cpu, cuda }

    /** The options both benchmarks mix in. */
    static final class Options {
        @Option(names = "--torch", description = "Add PyTorch rows measured in the same run: float32, TF32 off, "
                + "on CUDA when torch sees a GPU, else on the CPU (needs a Python with torch; omitted with a note otherwise).")
        boolean enabled;

        @Option(names = "--torch-device", paramLabel = "auto|cpu|cuda", description = "Where the torch rows run: "
                + "auto (cuda when torch.cuda.is_available(), else cpu), cpu or cuda (default: ${DEFAULT-VALUE}).",
                defaultValue = "auto")
        Device device;

        @Option(names = "--torch-python", paramLabel = "PYTHON",
                description = "Python interpreter with torch (default: the --python interpreter).")
        String python;

        String python(String numpyPython) {
            return python != null ? python : numpyPython;
        }
    }

    static final String SCRIPT = loadScript();

    private final PythonServer server;
    /** torch.__version__, "cuda" or "cpu", and the GPU's name (or "N thread(s)" on the CPU). */
    final String version, device, deviceName;

    private TorchReference(PythonServer server) {
        this.server = server;
        String[] g = server.greeting.split("\\s+", 3);
        version = g[0];
        device = g.length > 1 ? g[1] : "?";
        deviceName = g.length > 2 ? g[2] : "";
    }

    /**
     * Starts torch_reference.py in {@code mode} ("gemm", or "train" or "shards" with their arguments in {@code args}).
     *
     * @throws PythonServer.Unavailable no interpreter, no torch, or no CUDA when it was asked for
     */
    static TorchReference open(Options o, String numpyPython, int threads, String mode, String... args) throws PythonServer.Unavailable {
        List<String> all = new ArrayList<>(List.of(mode, o.device.name(), String.valueOf(threads)));
        all.addAll(List.of(args));
        ProcessBuilder pb = BenchGemmCommand.pythonProcess(o.python(numpyPython), threads, SCRIPT, all.toArray(String[]::new));
        return new TorchReference(new PythonServer(pb, "torch"));
    }

    /** For the header line and the row notes: "torch 2.5.1 on cuda (NVIDIA H100 80GB HBM3), TF32 off". */
    String describe() {
        return "torch " + version + " on " + device + " (" + deviceName + ")" + (isCuda() ? ", TF32 off" : "");
    }

    boolean isCuda() {
        return device.equals("cuda");
    }

    /** Best of {@code reps} seconds of C[M,N] = A[M,K]·B[K,N] (x·Wᵀ when {@code transposedB}), after the warm-up. */
    double gemmSeconds(int m, int k, int n, boolean transposedB, int warmup, double warmupSeconds, int reps) {
        String[] f = server.request(m + " " + k + " " + n + " " + (transposedB ? 1 : 0) + " " + warmup + " " + warmupSeconds + " " + reps,
                "torch");
        return Double.parseDouble(f[0]);
    }

    /** All the steps of mode "shards": {seconds (the child's own clock), the last loss}. */
    double[] run() {
        String[] f = server.request("run", "torch");
        return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])};
    }

    /** The child's peak resident memory so far (VmHWM), in bytes; -1 where it cannot be read. */
    long peakResidentBytes() {
        return ProcessMemory.peakOf(server.pid());
    }

    /** One training step: {seconds (the child's own clock, around synchronize), loss}. */
    double[] step() {
        String[] f = server.request("step", "torch");
        return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])};
    }

    @Override public void close() {
        server.close();
    }

    private static String loadScript() {
        try (InputStream in = TorchReference.class.getResourceAsStream("torch_reference.py")) {
            if (in == null) throw new IllegalStateException("torch_reference.py is missing beside " + TorchReference.class.getName());
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
