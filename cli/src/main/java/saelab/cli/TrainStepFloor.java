package saelab.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import saelab.tensor.kernels.GatherBound;
import saelab.tensor.kernels.Gemm;
import saelab.tensor.kernels.Parallel;

/**
 * The floor of one TopK training step on this machine, measured in the same run as the step: the
 * encoder GEMM at the step's shape (rows × d by d × m, the one dense product a TopK step cannot
 * avoid) plus one streaming pass over the optimiser state at the machine's copy bandwidth. That
 * pass reads the parameters, their gradients and both Adam moments and writes the parameters and
 * both moments back: 7 arrays of P floats, P the parameter count, 28·P bytes of traffic. The copy
 * bandwidth is a large array copy's bytes read plus written per second, on all threads.
 *
 * <p>Beside it, not part of it: the least time of the {@value #GATHER_PASSES} gather passes a step of
 * latent-major sparse products makes ({@link GatherBound}: the decode, the gradient into the code
 * values and W_dec, W_enc's gradient, each rows·k row segments read per tile from cache and
 * nothing else). The floor plus those passes bounds how near its floor such a step can come on
 * this machine, whatever else it does well.
 *
 * @param gemmSeconds      best time of the encoder GEMM
 * @param copyBytesPerSec  best copy bandwidth (read + written bytes per second)
 * @param streamBytes      the optimiser pass's traffic, 28·P
 * @param gatherSeconds    best time of one bare gather pass at the step's shape
 */
record TrainStepFloor(double gemmSeconds, double copyBytesPerSec, long streamBytes, double gatherSeconds) {

    /** Gather passes of a TopK step: the sparse decode, the backward's code-value and W_dec gradient, W_enc's gradient. */
    static final int GATHER_PASSES = 3;

    /** The floor plus the step's bare gather passes. */
    double boundSeconds() { return seconds() + GATHER_PASSES * gatherSeconds; }

    /** Arrays touched by the optimiser pass: w, g, m, v read; w, m, v written. */
    static final int STREAMED_ARRAYS = 7;

    double streamSeconds() { return streamBytes / copyBytesPerSec; }

    double seconds() { return gemmSeconds + streamSeconds(); }

    /** Measures the floor for a step of {@code rows} rows at d, m, k; {@code rounds} tries of each part, best kept. */
    static TrainStepFloor measure(int rows, int d, int m, int k, int rounds) {
        return measure(rows, d, m, k, rounds, COPY_FLOATS);
    }

    /** Fewest tries of the copy bandwidth. */
    static final int COPY_ROUNDS = 12;

    /** 64 Mi floats: 256 MiB each way, far beyond any cache. */
    static final int COPY_FLOATS = 1 << 26;

    /** As {@link #measure(int, int, int, int, int)}, copying {@code copyFloats} floats (a multiple of 2^20) for the bandwidth. */
    static TrainStepFloor measure(int rows, int d, int m, int k, int rounds, int copyFloats) {
        Meter meter = new Meter(rows, d, m, k, copyFloats);
        // The copy is cheap (a 256 MiB copy takes ~15 ms) and its bandwidth swung 43-70 GB/s between runs
        // on a shared machine: at least COPY_ROUNDS tries in all make the best of them steadier.
        int copies = (Math.max(COPY_ROUNDS, rounds) + rounds - 1) / rounds;
        meter.round(false, 1); // for the JIT and the pages
        for (int r = 0; r < rounds; r++) meter.round(true, copies);
        try {
            return meter.floor();
        } finally {
            meter.drop();
        }
    }

    /**
     * The floor measured a round at a time between the steps' rounds, so that the floor and the
     * step each keep their best from the same stretch of time: on a shared machine the copy
     * bandwidth alone swung 43-75 GB/s between runs, and a floor measured once, after the rounds,
     * moved the ratio by as much as the step did. Holds the GEMM's operands, the copy's arrays and
     * the gather pass's tile and entries (~0.8 GB at d 2304, m 16384, k 320, batch 2048) until dropped.
     */
    static final class Meter {
        private final int rows, d, m, copyFloats;
        private float[] a, b, c, src, dst;
        private GatherBound gather;
        private double bestGemm = Double.POSITIVE_INFINITY, bestCopy = Double.POSITIVE_INFINITY, bestGather = Double.POSITIVE_INFINITY;
        private int rounds;

        Meter(int rows, int d, int m, int k, int copyFloats) {
            this.rows = rows;
            this.d = d;
            this.m = m;
            this.copyFloats = copyFloats;
            gather = new GatherBound(rows, k, m, d, 16, 1f);
            a = new float[rows * d];
            b = new float[d * m];
            c = new float[rows * m];
            java.util.Arrays.fill(a, 0.5f);
            java.util.Arrays.fill(b, 0.25f);
            src = new float[copyFloats];
            dst = new float[copyFloats];
            java.util.Arrays.fill(src, 1f);
        }

        /** One GEMM, {@link #COPIES_PER_ROUND} copies and a gather pass; {@code timed} false: untimed (the JIT's warm-up). */
        void round(boolean timed) {
            round(timed, COPIES_PER_ROUND);
        }

        /** One GEMM (of x [rows × d] · W [d × m], values that do not change its time), the best of {@code copies} copies, one gather pass. */
        void round(boolean timed, int copies) {
            long t0 = System.nanoTime();
            Gemm.sgemm(Gemm.Form.NN, rows, m, d, a, b, c, false);
            double g = (System.nanoTime() - t0) / 1e9;
            if (c[0] != 0.125f * d) throw new IllegalStateException("floor GEMM: c[0] = " + c[0] + ", expected " + 0.125f * d);
            double copy = copySeconds(src, dst, copies);
            double gathered = gather.passSeconds();
            if (timed) {
                bestGemm = Math.min(bestGemm, g);
                bestCopy = Math.min(bestCopy, copy);
                bestGather = Math.min(bestGather, gathered);
                rounds++;
            }
        }

        /** Timed rounds so far. */
        int rounds() { return rounds; }

        /** The floor from the best GEMM and the best copy of the timed rounds. */
        TrainStepFloor floor() {
            if (rounds == 0) throw new IllegalStateException("floor meter: no timed round");
            long params = 2L * d * m + m + d;
            return new TrainStepFloor(bestGemm, 2.0 * 4 * copyFloats / bestCopy, STREAMED_ARRAYS * 4L * params, bestGather);
        }

        /** Lets the arrays go. */
        void drop() {
            a = b = c = src = dst = null;
            if (gather != null) gather.close();
            gather = null;
        }
    }

    /** Copies per round of the {@link Meter}: the copy is cheap (~15 ms for 256 MiB) and noisy. */
    static final int COPIES_PER_ROUND = 4;

    /** The best of {@code tries} copies of src into dst split over the kernel threads, in seconds. */
    private static double copySeconds(float[] src, float[] dst, int tries) {
        int n = src.length, chunk = Math.min(n, 1 << 20), tasks = n / chunk;
        double best = Double.POSITIVE_INFINITY;
        for (int r = 0; r < tries; r++) {
            long t0 = System.nanoTime();
            Parallel.forRange(tasks, t -> System.arraycopy(src, t * chunk, dst, t * chunk, chunk));
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        if (dst[n - 1] != src[n - 1]) throw new IllegalStateException("floor copy did not copy");
        return best;
    }

    /** The "model name" line of /proc/cpuinfo, or the OS architecture where there is none. */
    static String cpuModel() {
        try {
            return cpuModel(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch") + " (no /proc/cpuinfo)";
        }
    }

    static String cpuModel(String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals("model name")) return line.substring(colon + 1).strip();
        }
        return System.getProperty("os.arch") + " (no model name in /proc/cpuinfo)";
    }
}
