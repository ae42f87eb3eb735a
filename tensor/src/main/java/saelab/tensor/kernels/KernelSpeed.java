package saelab.tensor.kernels;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Whether the Vector API kernels run as vector instructions right now: times the GEMM's register
 * tile ({@link MicroKernel#tile}, the method itself, in whatever state the JIT holds it) against
 * a plain-Java twin of the same sums on the same small panels.
 *
 * <p>Why: the Vector API is fast only once C2 compiles a kernel with its intrinsics. Interpreted,
 * or compiled by C1 alone (seen in harvests under tiered compilation: C1 compiled the tile at tier
 * 2 and its tier-3 recompile failed, so C2 never took it over), every vector operation runs the
 * API's Java fallback, allocating arrays per operation: 5–10× slower runs with no other sign.
 * Compiled, the tile beats plain loops by about its lane count or more; in the fallback it is
 * slower than them by a wide margin, so "slower than plain loops" tells the two apart.
 *
 * <p>A measurement takes about {@value #BUDGET_MS} ms (warming the twin to C2 first) and does
 * not change any result: the tile computes the same bits in every JIT state.
 */
public final class KernelSpeed {
    private KernelSpeed() {}

    static final int KC = 128;
    static final long BUDGET_MS = 300;

    /** GFLOP/s of the vector tile and of the plain twin, and the lanes of a vector. */
    public record Probe(double vectorGflops, double plainGflops, int lanes) {
        /** The tile runs slower than plain loops: the JIT has not compiled it to vector instructions. */
        public boolean fellBack() {
            return vectorGflops < plainGflops;
        }

        /** How many times slower than expected (at least plain-loop speed × lanes) the tile runs. */
        public double slowdown() {
            return plainGflops * lanes / vectorGflops;
        }

        /** The one line a command prints when {@link #fellBack()}. */
        public String warning() {
            return String.format("warning: the vector kernels run %.0f× slower than expected (JIT fallback): the GEMM tile does "
                    + "%.2f GFLOP/s, plain Java loops %.2f (a compiled %d-lane tile beats them); results are unchanged, only slower. "
                    + "./saelab runs C2 only (-XX:-TieredCompilation) to avoid this; a JVM started otherwise may need it",
                    slowdown(), vectorGflops, plainGflops, lanes);
        }

        /** One line for benchmarks: both rates. */
        public String summary() {
            return String.format("vector kernels: GEMM tile %.2f GFLOP/s, plain Java loops %.2f GFLOP/s (%.1f×)%s",
                    vectorGflops, plainGflops, vectorGflops / plainGflops, fellBack() ? " — JIT FALLBACK" : "");
        }
    }

    /** Times the tile and its twin on this thread: best of several runs after warming both for part of the budget. */
    public static Probe measure() {
        MicroKernel.Tile shape = MicroKernel.Tile.PREFERRED;
        int mr = shape.mr, nr = shape.nr;
        float[] ap = new float[KC * mr], bp = new float[KC * nr], c = new float[mr * nr];
        SplittableRandom r = new SplittableRandom(14);
        for (int i = 0; i < ap.length; i++) ap[i] = (float) r.nextGaussian();
        for (int i = 0; i < bp.length; i++) bp[i] = (float) r.nextGaussian();
        long end = System.nanoTime() + BUDGET_MS * 1_000_000 / 2;
        while (System.nanoTime() < end) {
            MicroKernel.tile(shape, KC, ap, 0, bp, 0, c, 0, nr, false);
            plainTile(ap, bp, c, mr, nr);
        }
        double flops = 2.0 * KC * mr * nr;
        double vector = Double.MAX_VALUE, plain = Double.MAX_VALUE;
        end = System.nanoTime() + BUDGET_MS * 1_000_000 / 2;
        for (int rep = 0; rep < 5 || System.nanoTime() < end && rep < 50; rep++) {
            long t = System.nanoTime();
            for (int i = 0; i < 20; i++) MicroKernel.tile(shape, KC, ap, 0, bp, 0, c, 0, nr, false);
            vector = Math.min(vector, (System.nanoTime() - t) / 20.0);
            t = System.nanoTime();
            for (int i = 0; i < 20; i++) plainTile(ap, bp, c, mr, nr);
            plain = Math.min(plain, (System.nanoTime() - t) / 20.0);
        }
        return new Probe(flops / Math.max(vector, 1), flops / Math.max(plain, 1), MicroKernel.VL);
    }

    /** The tile's sums in plain Java: each C element an fma chain over the panels, as each lane of the tile does. */
    static void plainTile(float[] ap, float[] bp, float[] c, int mr, int nr) {
        Arrays.fill(c, 0f);
        for (int i = 0; i < mr; i++) {
            for (int j = 0; j < nr; j++) {
                float s = 0f;
                for (int p = 0; p < KC; p++) s = Math.fma(ap[p * mr + i], bp[p * nr + j], s);
                c[i * nr + j] = s;
            }
        }
    }
}
