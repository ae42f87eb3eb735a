package saelab.cli;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import saelab.model.GemmaConfig;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.gemma2.Hooks;
import saelab.tensor.kernels.Bf16Gemm;

/**
 * Tokens/s of a Gemma-2 forward pass (to a layer, and to the logits) against the floor the bf16
 * GEMM's measured rate allows, and peak RSS against the checkpoint's size. Expects a
 * checkpoint written by {@code saelab gen-model --config gemma-2-2b} (any Gemma-2 works).
 */
@Command(name = "gemma", mixinStandardHelpOptions = true,
        description = {"Gemma-2 forward-pass throughput and memory on a checkpoint (e.g. from gen-model --config gemma-2-2b).",
                "Prints tokens/s to --layer and to the logits, the GEMM-rate floor for the same FLOPs, and peak RSS / file size."})
public final class BenchGemmaCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Checkpoint directory.")
    Path model;

    @Option(names = "--tokens", defaultValue = "128", description = "Sequence length of the forward pass (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--layer", defaultValue = "12", description = "Layer to stop after for the harvesting case (default: ${DEFAULT-VALUE}).")
    int layer;

    @Option(names = "--reps", defaultValue = "3", description = "Timed passes of each kind; the best is reported (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed passes first (JIT, page cache) (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Override
    public Integer call() throws IOException {
        Main.announceBackend(System.err);
        long fileBytes;
        try (Stream<Path> files = Files.list(model)) {
            fileBytes = files.filter(p -> p.toString().endsWith(".safetensors")).mapToLong(BenchGemmaCommand::size).sum();
        }
        long t0 = System.nanoTime();
        try (ProcessMemory memory = new ProcessMemory(20);
             Gemma2Model gemma = Gemma2Model.load(model)) {
            GemmaConfig c = gemma.config();
            System.out.printf("model %s: %d layers, hidden %d, vocab %d; safetensors %.3f GB; loaded in %.1f s%n",
                    model, c.numHiddenLayers(), c.hiddenSize(), c.vocabSize(), fileBytes / 1e9, (System.nanoTime() - t0) / 1e9);
            String tooLarge = HeapCheck.tooLarge("the logits of a " + tokens + "-token pass", 4L * tokens * c.vocabSize());
            if (tooLarge != null) {
                System.err.println("bench gemma: " + tooLarge);
                return 2;
            }
            int[] ids = new SplittableRandom(1).ints(tokens, 0, c.vocabSize()).toArray();
            ids[0] = c.bosTokenId();
            double gemmRate = bf16GemmRate(c);
            System.out.printf("bf16 GEMM %dx%dx%d: %.1f GFLOP/s (the floor below is the FLOPs at this rate)%n",
                    tokens, c.hiddenSize(), c.intermediateSize(), gemmRate / 1e9);
            System.out.printf("%-22s %10s %10s %12s %12s %10s %14s%n", "pass", "best s", "tokens/s", "GFLOP", "floor s", "ratio", "heap MB/pass");
            report("to layer " + layer, time(() -> gemma.forward(ids, 1, Hooks.none().capture(layer).stopAfter(layer))),
                    flops(c, layer + 1, false), gemmRate);
            report("to logits", time(() -> gemma.forward(ids, 1, Hooks.none())), flops(c, c.numHiddenLayers(), true), gemmRate);
            int prompt = Math.min(16, tokens), steps = 8;
            decodeSeconds = Double.MAX_VALUE;
            time(() -> {
                var cache = gemma.newCache(1, prompt + steps);
                gemma.extend(cache, java.util.Arrays.copyOf(ids, prompt));
                long t = System.nanoTime();
                for (int i = 0; i < steps; i++) gemma.extend(cache, new int[] {ids[prompt + i]});
                decodeSeconds = Math.min(decodeSeconds, (System.nanoTime() - t) / 1e9 / steps);
            });
            System.out.printf("decode (KV cache)      %10.3f s/token = %.2f tokens/s; reads %.3f GB of weights per token: %.1f GB/s; "
                            + "heap %.1f MB per %d-token prefill + %d steps%n",
                    decodeSeconds, 1 / decodeSeconds, fileBytes / 1e9, fileBytes / 1e9 / decodeSeconds,
                    allocatedPerPass / 1e6, prompt, steps);
            // After the warm-up and timed passes: the tile should be compiled by now; if not, the rates above are the fallback's.
            System.out.println(new JitFallbackCheck("bench gemma", System.err).measureNow().summary());
            long peak = ProcessMemory.read().peakTotal();
            System.out.printf("peak RSS %.3f GB = %.3f × the safetensors size (goal ≤ 1.15)%n", peak / 1e9, (double) peak / fileBytes);
            System.out.printf("  sampled peaks: RssFile %.3f GB (mapped checkpoint, %.3f × its size), RssAnon %.3f GB (heap, JVM, buffers); "
                            + "max heap %.2f GB%n",
                    memory.peakFile() / 1e9, (double) memory.peakFile() / fileBytes, memory.peakAnon() / 1e9,
                    Runtime.getRuntime().maxMemory() / 1e9);
        }
        return 0;
    }

    private double decodeSeconds; // best of the decode passes timed
    private double allocatedPerPass; // heap bytes allocated by all threads, mean over the timed passes of the last time()

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    private double time(Runnable pass) {
        for (int i = 0; i < warmup; i++) pass.run();
        double best = Double.MAX_VALUE;
        long allocated = THREADS.getTotalThreadAllocatedBytes();
        for (int i = 0; i < reps; i++) {
            long t = System.nanoTime();
            pass.run();
            best = Math.min(best, (System.nanoTime() - t) / 1e9);
        }
        allocatedPerPass = (double) (THREADS.getTotalThreadAllocatedBytes() - allocated) / reps;
        return best;
    }

    private void report(String name, double seconds, double flops, double gemmRate) {
        double floor = flops / gemmRate;
        System.out.printf("%-22s %10.3f %10.1f %12.1f %12.3f %10.2f %14.1f%n",
                name, seconds, tokens / seconds, flops / 1e9, floor, seconds / floor, allocatedPerPass / 1e6);
    }

    /** Multiply-adds ×2 of the projections of {@code layers} layers (and the unembedding), plus attention's q·k and p·v. */
    private double flops(GemmaConfig c, int layers, boolean logits) {
        double h = c.hiddenSize(), q = (double) c.numAttentionHeads() * c.headDim(), kv = (double) c.numKeyValueHeads() * c.headDim();
        double perToken = 2 * (h * q + 2 * h * kv + q * h + 3 * h * c.intermediateSize());
        double attention = 2.0 * 2 * c.numAttentionHeads() * c.headDim() * tokens * (tokens + 1) / 2.0;
        double total = layers * (tokens * perToken + attention);
        if (logits) total += 2.0 * tokens * h * c.vocabSize();
        return total;
    }

    /** Best-of-5 rate of the MLP-shaped bf16 GEMM (tokens × hidden · (intermediate × hidden)ᵀ). */
    private double bf16GemmRate(GemmaConfig c) {
        int m = tokens, k = c.hiddenSize(), n = c.intermediateSize();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment w = arena.allocate(2L * n * k, 2);
            SplittableRandom r = new SplittableRandom(2);
            for (long i = 0; i < (long) n * k; i++) w.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, i, (short) (0x3C00 | r.nextInt(0x100)));
            float[] a = new float[m * k], out = new float[m * n];
            for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 7; i++) {
                long t = System.nanoTime();
                Bf16Gemm.gemmNT(m, n, k, a, 0, k, w, 0, k, out, 0, n, false);
                if (i >= 2) best = Math.min(best, (System.nanoTime() - t) / 1e9);
            }
            return 2.0 * m * n * k / best;
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
