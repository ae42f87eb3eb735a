package saelab.tensor;

import static saelab.tensor.Props.bools;
import static saelab.tensor.Props.ints;
import static saelab.tensor.Props.qt;
import static saelab.tensor.Props.seeds;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * matmul's gradients for all four transpose combinations against float64 finite differences,
 * plus transpose on its own. m, k, n include 1 and odd sizes past 16.
 */
class MatmulGradientProperties {

    /** A product op(A)·op(B) with op(A) [m,k], op(B) [k,n], and a data seed. */
    record Product(boolean transA, boolean transB, int m, int k, int n, long seed) {}

    /** Sizes 1..maxDim each. */
    private static Gen<Product> products(int maxDim) {
        Gen<Boolean> flag = bools();
        Gen<Integer> dim = ints(1, maxDim);
        Gen<Long> seed = seeds();
        return in -> new Product(flag.generate(in), flag.generate(in), dim.generate(in), dim.generate(in),
                dim.generate(in), seed.generate(in));
    }

    @Test
    void matmul() {
        qt(3301, 200).forAll(products(19)).checkAssert(p -> {
            boolean transA = p.transA(), transB = p.transB();
            // Stored shapes: A is [m,k] or, transposed, [k,m]; B is [k,n] or [n,k].
            int[] sa = transA ? new int[] {p.k(), p.m()} : new int[] {p.m(), p.k()};
            int[] sb = transB ? new int[] {p.n(), p.k()} : new int[] {p.k(), p.n()};
            GradCheck.check("matmul transA=" + transA + " transB=" + transB, p.seed(),
                    new Tensor[] {Inputs.normal(p.seed(), sa), Inputs.normal(p.seed() + 1, sb)},
                    x -> x[0].matmul(x[1], transA, transB),
                    d -> F64.matmul(d[0], sa[0], sa[1], d[1], sb[0], sb[1], transA, transB));
        });
    }

    @Test
    void vectorTimesMatrix() {
        // A rank-1 left operand is the row [1,k].
        qt(3302, 80).forAll(ints(1, 19), ints(1, 19), seeds()).checkAssert((k, n, seed) ->
                GradCheck.check("matmul [k]·[k,n]", seed, new Tensor[] {Inputs.normal(seed, k), Inputs.normal(seed + 1, k, n)},
                        x -> x[0].matmul(x[1]),
                        d -> F64.matmul(d[0], 1, k, d[1], k, n, false, false)));
    }

    @Test
    void sameTensorAsBothOperands() {
        // W·Wᵀ, Wᵀ·W, W·W (square), Wᵀ·Wᵀ (square): both backward products land in ONE buffer,
        // so a rule that overwrote instead of adding would lose one of them. W is [r, c] (n unused).
        qt(3304, 100).forAll(products(13)).checkAssert(p -> {
            boolean transA = p.transA(), transB = p.transB();
            int r = p.m(), c = p.k();
            int cols = transA == transB ? r : c; // W·W and Wᵀ·Wᵀ need a square W
            GradCheck.check("matmul(W, W, " + transA + ", " + transB + ")", p.seed(), new Tensor[] {Inputs.normal(p.seed(), r, cols)},
                    x -> x[0].matmul(x[0], transA, transB),
                    d -> F64.matmul(d[0], r, cols, d[0], r, cols, transA, transB));
        });
    }

    @Test
    void tiedAutoencoder() {
        // tanh(x·W)·Wᵀ: the SAE shape with tied weights, W receiving gradient from two matmuls.
        qt(3305, 80).forAll(ints(1, 9), ints(1, 17), ints(1, 19), seeds()).checkAssert((n, d, h, seed) ->
                GradCheck.check("tied autoencoder", seed,
                        new Tensor[] {Inputs.normal(seed, n, d), Inputs.normal(seed + 1, d, h).mul(0.5f)},
                        x -> x[0].matmul(x[1]).tanh().matmul(x[1], false, true),
                        t -> F64.matmul(F64.map(F64.matmul(t[0], n, d, t[1], d, h, false, false), Math::tanh),
                                n, h, t[1], d, h, false, true)));
    }

    @Test
    void transpose() {
        qt(3303, 80).forAll(ints(1, 9), ints(1, 35), seeds()).checkAssert((r, c, seed) ->
                GradCheck.check("transpose", seed, new Tensor[] {Inputs.normal(seed, r, c)},
                        x -> x[0].transpose(), d -> F64.transpose(d[0], r, c)));
    }
}
