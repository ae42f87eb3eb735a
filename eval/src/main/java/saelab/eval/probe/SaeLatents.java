package saelab.eval.probe;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import saelab.train.checkpoint.SaeCheckpoint;
import saelab.train.sae.SaeParams;
import saelab.train.sae.SparseEncoder;
import saelab.train.trainer.TrainConfig;

/**
 * An SAE's encoder as the probes read it: latents f = TopK_k(ReLU(pre)) or ReLU(pre), with pre =
 * (x − b_dec)·W_enc + b_enc, and its decoder rows W_dec[j] (the latent directions). Built from an
 * SAELens checkpoint folder ({@code cfg.json} architecture "topk" with k, or "standard"/"relu"),
 * or directly in tests.
 */
public final class SaeLatents {
    private final SaeParams params;
    private final int k; // 0: ReLU (every positive pre-activation)
    private final String description;

    private SaeLatents(SaeParams params, int k, String description) {
        this.params = params;
        this.k = k;
        this.description = description;
    }

    public static SaeLatents topK(SaeParams params, int k) {
        if (k < 1 || k > params.dSae()) throw new IllegalArgumentException("TopK needs 1 ≤ k ≤ " + params.dSae() + ", got " + k);
        return new SaeLatents(params, k, "topk k=" + k + ", d=" + params.dIn() + ", m=" + params.dSae());
    }

    public static SaeLatents relu(SaeParams params) {
        return new SaeLatents(params, 0, "relu, d=" + params.dIn() + ", m=" + params.dSae());
    }

    /** The latents of an SAE as saelab trained it: TopK with the config's k, or ReLU for the standard (L1) architecture. */
    public static SaeLatents of(TrainConfig cfg, SaeParams params) {
        return cfg.architecture() == TrainConfig.Architecture.TOPK ? topK(params, cfg.k()) : relu(params);
    }

    /** Reads an SAELens checkpoint folder; refuses architectures and input scalings it does not implement, naming them. */
    public static SaeLatents read(Path dir) {
        SaeCheckpoint.Loaded loaded = SaeCheckpoint.read(dir);
        JsonNode cfg = loaded.cfg();
        Path cfgFile = dir.resolve(SaeCheckpoint.CONFIG);
        String arch = cfg.path("architecture").asText("standard");
        String norm = cfg.path("normalize_activations").asText("none");
        if (!norm.equals("none")) {
            throw new IllegalArgumentException(cfgFile + ": normalize_activations '" + norm + "' is not supported (only 'none')");
        }
        SaeParams p = loaded.params();
        if (!cfg.path("apply_b_dec_to_input").asBoolean(true)) {
            // SAELens then encodes x itself, not x − b_dec: encode with a zero b_dec (decoder rows are unaffected).
            p = SaeParams.of(p.dIn(), p.dSae(), p.wEnc().toArray(), p.bEnc().toArray(), p.wDec().toArray(), new float[p.dIn()]);
        }
        String activation = cfg.path("activation_fn").asText("");
        return switch (arch) {
            case "topk" -> {
                int k = cfg.has("k") ? cfg.get("k").asInt() : cfg.path("activation_fn_kwargs").path("k").asInt(-1);
                if (k < 1) throw new IllegalArgumentException(cfgFile + ": architecture 'topk' without a positive k (nor activation_fn_kwargs.k)");
                yield topK(p, k);
            }
            case "standard", "relu" -> {
                if (!activation.isEmpty() && !activation.equals("relu")) {
                    if (activation.equals("topk")) {
                        int k = cfg.path("activation_fn_kwargs").path("k").asInt(-1);
                        if (k < 1) throw new IllegalArgumentException(cfgFile + ": activation_fn 'topk' without activation_fn_kwargs.k");
                        yield topK(p, k);
                    }
                    throw new IllegalArgumentException(cfgFile + ": activation_fn '" + activation + "' is not supported (relu or topk)");
                }
                yield relu(p);
            }
            default -> throw new IllegalArgumentException(cfgFile + ": architecture '" + arch + "' is not supported (topk, standard)");
        };
    }

    public int dIn() { return params.dIn(); }

    public int dSae() { return params.dSae(); }

    public String description() { return description; }

    /** Dense latents [rows × m] of x [rows × d]. */
    public float[] encode(float[] x, int rows) {
        SparseEncoder.PreActivations pa = SparseEncoder.preActivations(x, rows, params);
        int m = params.dSae();
        if (k == 0) {
            float[] f = pa.pre();
            for (int i = 0; i < f.length; i++) f[i] = Math.max(f[i], 0f);
            return f;
        }
        SparseEncoder.Selection s = SparseEncoder.select(pa, k, null);
        float[] f = new float[rows * m];
        for (int r = 0; r < rows; r++) {
            for (int q = r * k; q < (r + 1) * k; q++) f[r * m + s.indices()[q]] = s.values()[q];
        }
        return f;
    }

    /** Cosine of each decoder row W_dec[j] with {@code direction} [d] (0 for a zero row). */
    public double[] decoderCosines(double[] direction) {
        int d = params.dIn(), m = params.dSae();
        float[] w = params.wDec().data();
        double dn = Math.sqrt(Lbfgs.dot(direction, direction));
        double[] cos = new double[m];
        for (int j = 0; j < m; j++) {
            double dot = 0, nn = 0;
            for (int e = 0; e < d; e++) {
                double v = w[j * d + e];
                dot += v * direction[e];
                nn += v * v;
            }
            cos[j] = nn == 0 || dn == 0 ? 0 : dot / Math.sqrt(nn) / dn;
        }
        return cos;
    }
}
