package saelab.model.gemma2;

import java.nio.file.Path;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.TensorStore;

/**
 * An independent Gemma-2 forward pass for tests: plain loops, every value in float64, written
 * from shared/docs/gemma2.md without reusing any of the model's code (only the safetensors reader
 * and the config parser). Sequences are processed one at a time, positions from 0, no cache.
 */
final class Float64Gemma2 {
    /** residuals[l] = resid_post of layer l, [batch·T × hidden]; logits [batch·T × vocab]. */
    record Output(double[][] residuals, double[] logits) {}

    private final GemmaConfig c;
    private final double[][] embed, unembed;
    private final double[] finalNorm;
    private final double[][] inNorm, postAttnNorm, preFfnNorm, postFfnNorm;
    private final double[][][] wq, wk, wv, wo, wg, wu, wd;

    Float64Gemma2(Path dir) {
        c = GemmaConfig.read(dir);
        int layers = c.numHiddenLayers();
        try (TensorStore s = TensorStore.open(dir)) {
            embed = matrix(s, "model.embed_tokens.weight");
            unembed = c.tieWordEmbeddings() ? embed : matrix(s, "lm_head.weight");
            finalNorm = vector(s, "model.norm.weight");
            inNorm = new double[layers][];
            postAttnNorm = new double[layers][];
            preFfnNorm = new double[layers][];
            postFfnNorm = new double[layers][];
            wq = new double[layers][][];
            wk = new double[layers][][];
            wv = new double[layers][][];
            wo = new double[layers][][];
            wg = new double[layers][][];
            wu = new double[layers][][];
            wd = new double[layers][][];
            for (int l = 0; l < layers; l++) {
                String p = "model.layers." + l + ".";
                inNorm[l] = vector(s, p + "input_layernorm.weight");
                postAttnNorm[l] = vector(s, p + "post_attention_layernorm.weight");
                preFfnNorm[l] = vector(s, p + "pre_feedforward_layernorm.weight");
                postFfnNorm[l] = vector(s, p + "post_feedforward_layernorm.weight");
                wq[l] = matrix(s, p + "self_attn.q_proj.weight");
                wk[l] = matrix(s, p + "self_attn.k_proj.weight");
                wv[l] = matrix(s, p + "self_attn.v_proj.weight");
                wo[l] = matrix(s, p + "self_attn.o_proj.weight");
                wg[l] = matrix(s, p + "mlp.gate_proj.weight");
                wu[l] = matrix(s, p + "mlp.up_proj.weight");
                wd[l] = matrix(s, p + "mlp.down_proj.weight");
            }
        }
    }

    Output run(int[][] sequences) {
        int layers = c.numHiddenLayers(), hidden = c.hiddenSize(), vocab = c.vocabSize();
        int T = sequences[0].length;
        double[][] residuals = new double[layers][sequences.length * T * hidden];
        double[] logits = new double[sequences.length * T * vocab];
        for (int b = 0; b < sequences.length; b++) {
            double[][] h = new double[T][];
            for (int t = 0; t < T; t++) {
                h[t] = new double[hidden];
                for (int i = 0; i < hidden; i++) h[t][i] = embed[sequences[b][t]][i] * Math.sqrt(hidden);
            }
            for (int l = 0; l < layers; l++) {
                double[][] attn = attention(l, norm(h, inNorm[l]));
                add(h, norm(attn, postAttnNorm[l]));
                double[][] mlp = mlp(l, norm(h, preFfnNorm[l]));
                add(h, norm(mlp, postFfnNorm[l]));
                for (int t = 0; t < T; t++) System.arraycopy(h[t], 0, residuals[l], (b * T + t) * hidden, hidden);
            }
            double[][] z = linear(norm(h, finalNorm), unembed);
            for (int t = 0; t < T; t++) {
                for (int v = 0; v < vocab; v++) {
                    double x = z[t][v];
                    if (c.finalLogitSoftcapping() != null) x = c.finalLogitSoftcapping() * Math.tanh(x / c.finalLogitSoftcapping());
                    logits[(b * T + t) * vocab + v] = x;
                }
            }
        }
        return new Output(residuals, logits);
    }

    private double[][] attention(int l, double[][] x) {
        int T = x.length, nh = c.numAttentionHeads(), nkv = c.numKeyValueHeads(), d = c.headDim();
        double[][] q = linear(x, wq[l]), k = linear(x, wk[l]), v = linear(x, wv[l]);
        for (int t = 0; t < T; t++) {
            for (int hh = 0; hh < nh; hh++) rope(q[t], hh * d, d, t);
            for (int g = 0; g < nkv; g++) rope(k[t], g * d, d, t);
        }
        double[][] out = new double[T][nh * d];
        for (int hh = 0; hh < nh; hh++) {
            int g = hh * nkv / nh; // each kv head serves nh / nkv consecutive query heads
            for (int t = 0; t < T; t++) {
                double[] w = new double[T];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < T; j++) {
                    boolean visible = j <= t && (l % 2 == 1 || t - j < c.slidingWindow());
                    if (!visible) { w[j] = Double.NEGATIVE_INFINITY; continue; }
                    double s = 0;
                    for (int i = 0; i < d; i++) s += q[t][hh * d + i] * k[j][g * d + i];
                    s /= Math.sqrt(c.queryPreAttnScalar());
                    if (c.attnLogitSoftcapping() != null) s = c.attnLogitSoftcapping() * Math.tanh(s / c.attnLogitSoftcapping());
                    w[j] = s;
                    max = Math.max(max, s);
                }
                double sum = 0;
                for (int j = 0; j < T; j++) { w[j] = Math.exp(w[j] - max); sum += w[j]; }
                for (int j = 0; j < T; j++) {
                    for (int i = 0; i < d; i++) out[t][hh * d + i] += w[j] / sum * v[j][g * d + i];
                }
            }
        }
        return linear(out, wo[l]);
    }

    /** Rotate-half: pairs (i, i + d/2) turn by position · θ^(−2i/d). */
    private void rope(double[] x, int off, int d, int position) {
        for (int i = 0; i < d / 2; i++) {
            double angle = position * Math.pow(c.ropeTheta(), -2.0 * i / d);
            double a = x[off + i], b = x[off + d / 2 + i];
            x[off + i] = a * Math.cos(angle) - b * Math.sin(angle);
            x[off + d / 2 + i] = b * Math.cos(angle) + a * Math.sin(angle);
        }
    }

    private double[][] mlp(int l, double[][] x) {
        double[][] gate = linear(x, wg[l]), up = linear(x, wu[l]);
        for (int t = 0; t < x.length; t++) {
            for (int i = 0; i < gate[t].length; i++) {
                double g = gate[t][i];
                gate[t][i] = 0.5 * g * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (g + 0.044715 * g * g * g))) * up[t][i];
            }
        }
        return linear(gate, wd[l]);
    }

    private double[][] norm(double[][] x, double[] w) {
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double ms = 0;
            for (double v : x[t]) ms += v * v;
            double inv = 1 / Math.sqrt(ms / x[t].length + c.rmsNormEps());
            out[t] = new double[x[t].length];
            for (int i = 0; i < x[t].length; i++) out[t][i] = x[t][i] * inv * (1 + w[i]);
        }
        return out;
    }

    /** x · Wᵀ with W [out, in]. */
    private static double[][] linear(double[][] x, double[][] w) {
        double[][] y = new double[x.length][w.length];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < w.length; o++) {
                double s = 0;
                for (int i = 0; i < w[o].length; i++) s += x[t][i] * w[o][i];
                y[t][o] = s;
            }
        }
        return y;
    }

    private static void add(double[][] h, double[][] y) {
        for (int t = 0; t < h.length; t++) for (int i = 0; i < h[t].length; i++) h[t][i] += y[t][i];
    }

    private static double[][] matrix(TensorStore s, String name) {
        var view = s.tensor(name);
        int rows = (int) view.dim(0), cols = (int) view.dim(1);
        float[] f = view.toFloatArray();
        double[][] m = new double[rows][cols];
        for (int r = 0; r < rows; r++) for (int i = 0; i < cols; i++) m[r][i] = f[r * cols + i];
        return m;
    }

    private static double[] vector(TensorStore s, String name) {
        float[] f = s.tensor(name).toFloatArray();
        double[] v = new double[f.length];
        for (int i = 0; i < f.length; i++) v[i] = f[i];
        return v;
    }
}
