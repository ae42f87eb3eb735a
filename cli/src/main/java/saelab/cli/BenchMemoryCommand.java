package saelab.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import saelab.train.source.SyntheticConfig;
import saelab.train.source.SyntheticHarvest;

/**
 * Peak resident memory of a whole training run: {@code saelab train} on a synthetic harvest folder,
 * in a child JVM started with this JVM's own flags (the launcher gives "bench memory" the flags it
 * gives train), and with {@code --torch} the same TopK SAE trained by PyTorch from the same files
 * (torch_reference.py, mode "shards"), both measured by the kernel's high-water mark of the child.
 */
@Command(name = "memory", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Peak resident memory (RSS) of `saelab train` at the small peer shape, run on the CPU in a child process on a "
                + "synthetic harvest folder written for it; --torch adds a PyTorch TopK trainer reading the same files, measured the same way.")
public final class BenchMemoryCommand implements Runnable {

    @Option(names = "--d", description = "Input width d of the synthetic harvest (default: ${DEFAULT-VALUE}).", defaultValue = "256")
    int d;
    @Option(names = "--m", description = "Latents m (default: ${DEFAULT-VALUE}).", defaultValue = "4096")
    int m;
    @Option(names = "--k", description = "TopK's k (default: ${DEFAULT-VALUE}).", defaultValue = "32")
    int k;
    @Option(names = "--batch", description = "Rows per step (default: ${DEFAULT-VALUE}).", defaultValue = "2048")
    int batch;
    @Option(names = "--steps", description = "Training steps of each trainer (default: ${DEFAULT-VALUE}).", defaultValue = "300")
    int steps;
    @Option(names = "--rows", description = "Rows of the synthetic harvest, in shards of 65,536 (default: ${DEFAULT-VALUE}, "
            + "twice the shard source's buffer).", defaultValue = "131072")
    long rows;
    @Option(names = "--python", description = "Python interpreter for the torch row (default: ${DEFAULT-VALUE}; --torch-python "
            + "names another).", defaultValue = "python3")
    String python;
    @Mixin
    TorchReference.Options torchOptions;
    @Option(names = "--seed", description = "Seeds the harvest and both SAEs (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    long seed;

    @Spec
    CommandSpec spec;

    static final int SHARD_ROWS = 65_536;
    /** How often a child's VmHWM is read: the kernel keeps the peak, so only growth in its last period is missed. */
    static final long POLL_MILLIS = 10;

    /** One trainer's measurement. */
    record Row(String name, long peakBytes, double wallSeconds, String detail) {}

    /** What the saelab child did and ran with, read from what it wrote: its peak learning rate and clip go to the torch trainer. */
    record Finished(long steps, double loss, double lr, double gradClip) {}

    @Override public void run() {
        check();
        int threads = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "saelab bench memory: TopK SAE d %d, m %d, k %d, batch %d, %d steps, on a synthetic harvest of %d rows "
                        + "(%.1f MB of f32); %d cores (%s); load average %s%n", d, m, k, batch, steps, rows, rows * d * 4 / 1e6, threads,
                TrainStepFloor.cpuModel(), BenchTrainCommand.loadAverage());
        Path dir;
        try {
            dir = Files.createTempDirectory("saelab-bench-memory-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder: " + e.getMessage(), e);
        }
        try {
            Path harvest = dir.resolve("harvest");
            ProgressLine progress = new ProgressLine("writing the synthetic harvest", rows, "rows", 1, System.err);
            SyntheticHarvest.write(harvest, SyntheticConfig.independent(4 * m, d, Math.max(1, k), 1.0, 0.25, seed), rows, SHARD_ROWS, progress::update);
            List<Row> table = new ArrayList<>();
            Path run = dir.resolve("run");
            table.add(saelabTrain(harvest, run));
            String note = null;
            if (torchOptions.enabled) {
                try {
                    table.add(torchTrain(harvest, threads, finished(run)));
                } catch (PythonServer.Unavailable e) {
                    note = "torch row omitted: " + e.getMessage();
                }
            }
            print(table);
            if (note != null) System.out.println("note: " + note);
        } finally {
            deleteTree(dir);
        }
    }

    private void check() {
        String bad = d < 1 || m < 1 || batch < 1 || steps < 1 ? "--d, --m, --batch and --steps must be at least 1"
                : k < 1 || k > m ? "--k " + k + " must be between 1 and --m " + m
                : rows < batch ? "--rows " + rows + " must be at least --batch " + batch
                : null;
        if (bad != null) throw new ParameterException(spec.commandLine(), bad);
        if (!ProcessMemory.available()) {
            throw new IllegalStateException("bench memory reads each child's peak RSS from /proc (Linux); there is no /proc/self/status here");
        }
    }

    /** `saelab train` in a child JVM with this JVM's flags; its peak RSS read until it exits. */
    private Row saelabTrain(Path harvest, Path out) {
        List<String> jvmFlags = ManagementFactory.getRuntimeMXBean().getInputArguments();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "--backend", "cpu", "train",
                "--source", "shards:" + harvest, "--m", String.valueOf(m), "--k", String.valueOf(k), "--batch", String.valueOf(batch),
                "--steps", String.valueOf(steps), "--seed", String.valueOf(seed), "--out", out.toString()));
        System.out.println("  saelab train: a child JVM with " + gcFlags(jvmFlags));
        long start = System.nanoTime(), peak = -1;
        int exit;
        Process p;
        try {
            p = new ProcessBuilder(cmd).inheritIO().redirectInput(ProcessBuilder.Redirect.PIPE).start();
            p.getOutputStream().close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the saelab child: " + e.getMessage(), e);
        }
        try {
            while (true) {
                peak = Math.max(peak, ProcessMemory.peakOf(p.pid()));
                if (p.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) break;
            }
            exit = p.exitValue();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the saelab child ran (stopped it)");
        }
        double wall = (System.nanoTime() - start) / 1e9;
        if (exit != 0) throw new IllegalStateException("the saelab train child exited with status " + exit + " (its messages are above)");
        Finished f = finished(out);
        if (f.steps() != steps) throw new IllegalStateException("the saelab train child finished " + f.steps() + " steps, expected " + steps);
        return new Row("saelab train", peak, wall, String.format(Locale.ROOT, "%d steps, loss %.4g", steps, f.loss()));
    }

    /** The PyTorch trainer on the same files, at the saelab run's peak learning rate and clip; its peak RSS read after it answers. */
    private Row torchTrain(Path harvest, int threads, Finished saelab) throws PythonServer.Unavailable {
        long start = System.nanoTime();
        try (TorchReference torch = TorchReference.open(torchOptions, python, threads, "shards", harvest.toString(), String.valueOf(m),
                String.valueOf(k), String.valueOf(batch), String.valueOf(steps), String.valueOf(seed), String.valueOf(saelab.lr()),
                String.valueOf(saelab.gradClip()))) {
            System.out.println("  " + torch.describe() + ": the same SAE trained by torch_reference.py from the same shards");
            double[] secondsLoss = torch.run();
            long peak = torch.peakResidentBytes();
            double wall = (System.nanoTime() - start) / 1e9;
            return new Row("torch " + torch.version + " (" + torch.device + ")", peak, wall,
                    String.format(Locale.ROOT, "%d steps, %.1f ms/step, loss %.4g", steps, secondsLoss[0] * 1e3 / steps, secondsLoss[1]));
        }
    }

    /** The steps in the run's last checkpoint, the loss on its last log line, and its cfg.json's learning rate and clip. */
    static Finished finished(Path run) {
        try {
            var json = com.fasterxml.jackson.databind.json.JsonMapper.builder().build();
            long done = json.readTree(run.resolve("checkpoint.json").toFile()).path("step").asLong(-1);
            List<String> log = Files.readAllLines(run.resolve("log.jsonl")).stream().filter(l -> !l.isBlank()).toList();
            double loss = log.isEmpty() ? Double.NaN : json.readTree(log.getLast()).path("loss").asDouble(Double.NaN);
            var cfg = json.readTree(run.resolve("cfg.json").toFile()).path("saelab");
            return new Finished(done, loss, cfg.path("lr").asDouble(Double.NaN), cfg.path("grad_clip").asDouble(Double.NaN));
        } catch (IOException e) {
            throw new UncheckedIOException("the saelab train child left no readable checkpoint.json, log.jsonl and cfg.json in " + run + ": "
                    + e.getMessage(), e);
        }
    }

    private static void print(List<Row> table) {
        System.out.printf("%n%-28s %14s %22s   %s%n", "trainer", "peak RSS (GB)", "wall incl. start (s)", "");
        System.out.println("-".repeat(90));
        for (Row r : table) {
            System.out.printf(Locale.ROOT, "%-28s %14.3f %22.1f   %s%n", r.name(), r.peakBytes() / 1e9, r.wallSeconds(), r.detail());
        }
        System.out.println("peak RSS: the kernel's high-water mark (VmHWM) of each child process, read every " + POLL_MILLIS
                + " ms until the saelab child exits and once the torch child has answered.");
        if (table.size() == 2 && table.get(1).peakBytes() > 0) {
            System.out.printf(Locale.ROOT, "saelab's peak is %.2fx torch's.%n", (double) table.get(0).peakBytes() / table.get(1).peakBytes());
        }
    }

    /** The collector and heap flags among the JVM's (what the launcher chose). */
    static String gcFlags(List<String> jvmFlags) {
        List<String> gc = jvmFlags.stream().filter(f -> f.startsWith("-XX:+Use") && f.endsWith("GC") || f.startsWith("-XX:GCTimeRatio")
                || f.startsWith("-Xmx") || f.startsWith("-Xms") || f.startsWith("-XX:MaxRAMPercentage")).toList();
        return gc.isEmpty() ? "the JVM's default collector and heap" : String.join(" ", gc);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            System.err.println("note: could not remove " + dir + " (" + e.getMessage() + ")");
        }
    }
}
