package saelab.tensor;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * matmul's gradients for all four transpose combinations against float64 finite differences,
 * plus transpose on its own. m, k, n include 1 and odd sizes past 16.
 */
class MatmulGradientProperties {

    @Property(tries = 200, seed = "3301")
    void matmul(@ForAll boolean transA, @ForAll boolean transB,
                @ForAll @IntRange(min = 1, max = 19) int m, @ForAll @IntRange(min = 1, max = 19) int k,
                @ForAll @IntRange(min = 1, max = 19) int n, @ForAll long seed) {
        // Stored shapes: A is [m,k] or, transposed, [k,m]; B is [k,n] or [n,k].
        int[] sa = transA ? new int[] {k, m} : new int[] {m, k};
        int[] sb = transB ? new int[] {n, k} : new int[] {k, n};
        GradCheck.check("matmul transA=" + transA + " transB=" + transB, seed,
                new Tensor[] {Inputs.normal(seed, sa), Inputs.normal(seed + 1, sb)},
                x -> x[0].matmul(x[1], transA, transB),
                d -> F64.matmul(d[0], sa[0], sa[1], d[1], sb[0], sb[1], transA, transB));
    }

    @Property(tries = 80, seed = "3302")
    void vectorTimesMatrix(@ForAll @IntRange(min = 1, max = 19) int k, @ForAll @IntRange(min = 1, max = 19) int n,
                           @ForAll long seed) {
        // A rank-1 left operand is the row [1,k].
        GradCheck.check("matmul [k]·[k,n]", seed, new Tensor[] {Inputs.normal(seed, k), Inputs.normal(seed + 1, k, n)},
                x -> x[0].matmul(x[1]),
                d -> F64.matmul(d[0], 1, k, d[1], k, n, false, false));
    }

    @Property(tries = 100, seed = "3304")
    void sameTensorAsBothOperands(@ForAll boolean transA, @ForAll boolean transB,
                                  @ForAll @IntRange(min = 1, max = 13) int r, @ForAll @IntRange(min = 1, max = 13) int c,
                                  @ForAll long seed) {
        // W·Wᵀ, Wᵀ·W, W·W (square), Wᵀ·Wᵀ (square): both backward products land in ONE buffer,
        // so a rule that overwrote instead of adding would lose one of them.
        int cols = transA == transB ? r : c; // W·W and Wᵀ·Wᵀ need a square W
        GradCheck.check("matmul(W, W, " + transA + ", " + transB + ")", seed, new Tensor[] {Inputs.normal(seed, r, cols)},
                x -> x[0].matmul(x[0], transA, transB),
                d -> F64.matmul(d[0], r, cols, d[0], r, cols, transA, transB));
    }

    @Property(tries = 80, seed = "3305")
    void tiedAutoencoder(@ForAll @IntRange(min = 1, max = 9) int n, @ForAll @IntRange(min = 1, max = 17) int d,
                         @ForAll @IntRange(min = 1, max = 19) int h, @ForAll long seed) {
        // tanh(x·W)·Wᵀ: the SAE shape with tied weights, W receiving gradient from two matmuls.
        GradCheck.check("tied autoencoder", seed,
                new Tensor[] {Inputs.normal(seed, n, d), Inputs.normal(seed + 1, d, h).mul(0.5f)},
                x -> x[0].matmul(x[1]).tanh().matmul(x[1], false, true),
                t -> F64.matmul(F64.map(F64.matmul(t[0], n, d, t[1], d, h, false, false), Math::tanh),
                        n, h, t[1], d, h, false, true));
    }

    @Property(tries = 80, seed = "3303")
    void transpose(@ForAll @IntRange(min = 1, max = 9) int r, @ForAll @IntRange(min = 1, max = 35) int c, @ForAll long seed) {
        GradCheck.check("transpose", seed, new Tensor[] {Inputs.normal(seed, r, c)},
                x -> x[0].transpose(), d -> F64.transpose(d[0], r, c));
    }
}
