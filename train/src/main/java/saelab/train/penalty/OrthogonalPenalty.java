package saelab.train.penalty;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.PermutationSampler;
import org.apache.commons.rng.simple.RandomSource;
import saelab.tensor.CustomOp;
import saelab.tensor.Tensor;
import saelab.tensor.kernels.GroupedMaxCosine;

/**
 * The ungated decoder-orthogonality penalty in the style of OrtSAE (Korznikov et al., arXiv
 * 2509.22033), a control for the seed's co-firing penalty: orthogonality without the gate.
 * <pre>
 *   γ(p) · Q,   Q = (1/K) Σ_k (1/|C_k|) Σ_{i∈C_k} max_{j∈C_k, j≠i} cos²(W_dec[i], W_dec[j])
 * </pre>
 * with the m latents split into K chunks C_k by a random permutation drawn afresh every step
 * (OrtSAE's device for cost linear in m: m²d/K instead of m²d). Every latent is penalised, fired
 * or not, by its most similar chunk-mate; the gradient flows into W_dec only
 * ({@link GroupedMaxCosine}).
 *
 * <p>The permutation of step s comes from a generator seeded by (run seed, s) alone, so a resumed
 * run draws the same chunks as an uninterrupted one and stays bit-identical.
 */
public final class OrthogonalPenalty {
    private OrthogonalPenalty() {}

    /** Separates this stream from the other streams derived from the run seed. */
    private static final long STREAM = 0x6F7274686F63686BL; // "orthochk"

    /**
     * The recorded term (γ·Q, shape [1]) and Q itself.
     *
     * @param maxCosSquared Q, the mean over latents of the largest cos² within their chunk
     */
    public record Result(Tensor term, double maxCosSquared, double weight, int chunks) {}

    /**
     * @param wDec decoder [m, d], the graph leaf the gradient goes to
     * @param p    training progress in [0, 1] (γ is read there)
     * @param seed the run's seed
     * @param step the optimiser step (the chunks' stream index)
     */
    public static Result apply(PenaltyConfig cfg, double p, long seed, long step, Tensor wDec) {
        if (cfg.kind() != PenaltyConfig.Kind.ORTHOGONAL) throw new IllegalArgumentException("OrthogonalPenalty needs an orthogonal configuration, got " + PenaltyConfig.name(cfg.kind()));
        int m = wDec.dim(0), d = wDec.dim(1);
        double weight = cfg.lambda2At(p);
        int[] order = chunkOrder(seed, step, m);
        float[] grad = weight != 0 && wDec.requiresGrad() ? new float[m * d] : null;
        double q = GroupedMaxCosine.of(wDec.data(), m, d, order, cfg.chunks(), grad);
        Tensor out = Tensor.scalar((float) (weight * q));
        if (grad != null) {
            out = CustomOp.record("orthogonalPenalty", out, (g, grads) -> {
                float[] gw = grads.of(wDec);
                float scale = (float) (g[0] * weight);
                for (int i = 0; i < grad.length; i++) gw[i] += scale * grad[i];
            }, wDec);
        }
        return new Result(out, q, weight, cfg.chunks());
    }

    /** The latent order of step {@code step} (a permutation of 0 … m−1; chunk k is its k-th run), a function of (seed, step) only. */
    public static int[] chunkOrder(long seed, long step, int m) {
        // SplitMix64-mixed state words, so that neighbouring seeds and steps start far apart.
        long s0 = mix64(seed ^ STREAM), s1 = mix64(s0 + step * 0x9E3779B97F4A7C15L);
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(new long[] {s0, s1 == 0 && s0 == 0 ? 1 : s1});
        int[] order = new int[m];
        for (int i = 0; i < m; i++) order[i] = i;
        PermutationSampler.shuffle(rng, order);
        return order;
    }

    /** SplitMix64's finaliser. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
