package saelab.eval.probe;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import saelab.train.checkpoint.SaeCheckpoint;
import saelab.train.sae.SaeParams;
import java.util.ArrayList;
import java.util.List;
import saelab.tensor.Tensor;
import saelab.train.arch.Sae;
import saelab.train.arch.StandardArchitecture;
import saelab.train.arch.StandardSettings;
import saelab.train.arch.TopKArchitecture;
import saelab.train.arch.TopKSettings;
import saelab.train.sae.SparseCodes;
import saelab.train.trainer.TrainConfig;

/**
 * An SAE's encoder as the probes read it: dense latents [rows × m] from the architecture's own
 * encoding ({@link Sae#encode}), and its decoder rows W_dec[j] (the latent directions). Built
 * from an SAELens checkpoint folder (the architecture found by cfg.json's "architecture"), from
 * a training configuration and its parameters, or directly in tests.
 */
public final class SaeLatents {
    private final Sae sae;
    private final String description;

    private SaeLatents(Sae sae, String description) {
        this.sae = sae;
        this.description = description;
    }

    /** A TopK SAE over these parameters (W_enc, b_enc, W_dec, b_dec). */
    public static SaeLatents topK(SaeParams params, int k) {
        if (k < 1 || k > params.dSae()) throw new IllegalArgumentException("TopK needs 1 ≤ k ≤ " + params.dSae() + ", got " + k);
        return of(TopKArchitecture.INSTANCE.around(new TopKSettings(k, 1.0 / 32, Math.max(1, params.dIn() / 2)), params));
    }

    /** A ReLU (standard) SAE over these parameters (W_enc, b_enc, W_dec, b_dec). */
    public static SaeLatents relu(SaeParams params) {
        return of(StandardArchitecture.INSTANCE.around(new StandardSettings(0, 0), params));
    }

    /** The latents of an SAE as saelab trained it (its architecture's encoding). */
    public static SaeLatents of(TrainConfig cfg, SaeParams params) {
        return of(cfg.architecture().around(cfg.settings(), params));
    }

    /** The latents of this SAE. */
    public static SaeLatents of(Sae sae) {
        return new SaeLatents(sae, sae.architecture().name() + " " + sae.settings().describe() + ", d=" + sae.dIn() + ", m=" + sae.dSae());
    }

    /** Reads an SAELens checkpoint folder; refuses input scalings it does not implement, naming them. */
    public static SaeLatents read(Path dir) {
        SaeCheckpoint.Loaded loaded = SaeCheckpoint.read(dir);
        JsonNode cfg = loaded.cfg();
        Path cfgFile = dir.resolve(SaeCheckpoint.CONFIG);
        String norm = cfg.path("normalize_activations").asText("none");
        if (!norm.equals("none")) {
            throw new IllegalArgumentException(cfgFile + ": normalize_activations '" + norm + "' is not supported (only 'none')");
        }
        String activation = cfg.path("activation_fn").asText("");
        if (!activation.isEmpty() && !activation.equals("relu") && !activation.equals("topk")) {
            throw new IllegalArgumentException(cfgFile + ": activation_fn '" + activation + "' is not supported (relu or topk)");
        }
        boolean hasK = cfg.path("k").asInt(-1) >= 1 || cfg.path("activation_fn_kwargs").path("k").asInt(-1) >= 1;
        if (cfg.path("architecture").asText("").equals("topk") && !hasK) {
            throw new IllegalArgumentException(cfgFile + ": architecture 'topk' without a positive k (nor activation_fn_kwargs.k)");
        }
        if (activation.equals("topk") && !hasK) throw new IllegalArgumentException(cfgFile + ": activation_fn 'topk' without activation_fn_kwargs.k");
        Sae sae = loaded.sae();
        if (!cfg.path("apply_b_dec_to_input").asBoolean(true)) {
            // SAELens then encodes x itself, not x − b_dec: encode with a zero b_dec (decoder rows are unaffected).
            SaeParams p = sae.params();
            List<Tensor> ts = new ArrayList<>();
            for (int i = 0; i < p.names().size(); i++) {
                Tensor t = p.list().get(i);
                ts.add(p.names().get(i).equals("b_dec") ? Tensor.of(new float[p.dIn()], p.dIn()) : t);
            }
            sae = sae.architecture().around(sae.settings(), new SaeParams(p.names(), ts));
        }
        return of(sae);
    }

    public int dIn() { return sae.dIn(); }

    public int dSae() { return sae.dSae(); }

    public String description() { return description; }

    /** Dense latents [rows × m] of x [rows × d]. */
    public float[] encode(float[] x, int rows) {
        SparseCodes c = sae.encode(x, rows);
        int m = sae.dSae();
        float[] f = new float[rows * m];
        for (int r = 0; r < rows; r++) {
            for (int q = r * c.k(); q < (r + 1) * c.k(); q++) if (c.val()[q] > 0) f[r * m + c.idx()[q]] = c.val()[q];
        }
        return f;
    }

    /** Cosine of each decoder row W_dec[j] with {@code direction} [d] (0 for a zero row). */
    public double[] decoderCosines(double[] direction) {
        int d = sae.dIn(), m = sae.dSae();
        float[] w = sae.params().wDec().data();
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
