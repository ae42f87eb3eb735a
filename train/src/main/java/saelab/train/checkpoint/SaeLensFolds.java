package saelab.train.checkpoint;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * SAELens settings that saelab honours by rewriting the weights once, at load time, into the form saelab
 * encodes with: pre = (x − b_dec)·W_enc + b_enc, then the architecture's activation; decode z·W_dec + b_dec.
 * Tensors are named as in SAELens's safetensors: W_enc [d, m] and W_dec [m, d] row-major, and per-latent
 * vectors [m]. Sums and products are taken in float64 and rounded once to float32.
 */
public final class SaeLensFolds {
    private SaeLensFolds() {}

    /** Per-latent encoder-side vectors that scale with a latent's pre-activation (JumpReLU's threshold, Gated's biases). */
    private static final List<String> PER_LATENT_PRE = List.of("b_enc", "threshold", "b_gate", "b_mag");

    /**
     * rescale_acts_by_decoder_norm true. SAELens's TopK ({@code topk_sae.py}) encodes
     * z = TopK(((x − b_dec)·W_enc + b_enc) ⊙ n) with n_i = ‖W_dec[i]‖₂ and decodes (z ⊘ n)·W_dec + b_dec.
     * {@code _fold_norm_topk} shows the equivalent plain form, which this writes: W_enc[:, i]·n_i,
     * b_enc[i]·n_i, W_dec[i]/n_i (so the latents z are the same numbers, and the reconstruction too).
     * A latent with n_i = 0 is always 0 in SAELens's latents; it keeps a zero encoder column and bias here
     * rather than a 0/0 decoder row.
     */
    public static void foldDecoderNorms(Map<String, float[]> tensors, int d, int m, Path file) {
        float[] wEnc = need(tensors, "W_enc", (long) d * m, file), wDec = need(tensors, "W_dec", (long) d * m, file);
        for (int i = 0; i < m; i++) {
            double sq = 0;
            for (int j = 0; j < d; j++) sq += (double) wDec[i * d + j] * wDec[i * d + j];
            double n = Math.sqrt(sq);
            if (!Double.isFinite(n)) throw new IllegalArgumentException(file + ": W_dec row " + i + " has a non-finite norm; cannot fold rescale_acts_by_decoder_norm");
            for (int j = 0; j < d; j++) {
                wEnc[j * m + i] = (float) (wEnc[j * m + i] * n);
                if (n > 0) wDec[i * d + j] = (float) (wDec[i * d + j] / n);
            }
            for (String name : PER_LATENT_PRE) {
                float[] v = tensors.get(name);
                if (v != null) v[i] = (float) (v[i] * n);
            }
        }
    }

    /**
     * apply_b_dec_to_input false: SAELens encodes x·W_enc + b_enc (b_dec only in the decoder). saelab
     * subtracts b_dec first, so the encoder bias absorbs it: b_enc' = b_enc + b_dec·W_enc, and for Gated
     * b_gate' = b_gate + b_dec·W_enc, b_mag' = b_mag + b_dec·(W_enc ⊙ exp(r_mag)).
     */
    public static void foldInputBias(Map<String, float[]> tensors, int d, int m, Path file) {
        float[] wEnc = need(tensors, "W_enc", (long) d * m, file), bDec = need(tensors, "b_dec", d, file);
        float[] rMag = tensors.get("r_mag");
        boolean any = false;
        for (String name : List.of("b_enc", "b_gate", "b_mag")) {
            float[] b = tensors.get(name);
            if (b == null) continue;
            any = true;
            for (int i = 0; i < m; i++) {
                double s = b[i];
                double scale = name.equals("b_mag") && rMag != null ? Math.exp(rMag[i]) : 1;
                for (int j = 0; j < d; j++) s += (double) bDec[j] * wEnc[j * m + i] * scale;
                b[i] = (float) s;
            }
        }
        if (!any) throw new IllegalArgumentException(file + ": apply_b_dec_to_input is false but there is no encoder bias (b_enc, or b_gate and b_mag) to fold b_dec into");
    }

    /**
     * SAELens's {@code read_sae_components_from_disk}: a {@code scaling_factor} tensor of ones is dropped; any
     * other value scales the latents before decoding (finetuning_scaling_factor), which saelab does not do.
     */
    public static void dropUnitScalingFactor(Map<String, float[]> tensors, Path file) {
        float[] s = tensors.get("scaling_factor");
        if (s == null) return;
        for (int i = 0; i < s.length; i++) {
            if (s[i] != 1f) {
                throw new IllegalArgumentException(file + ": tensor scaling_factor[" + i + "] is " + s[i]
                        + "; saelab supports only a scaling_factor of ones (it decodes with W_dec alone)");
            }
        }
        tensors.remove("scaling_factor");
    }

    private static float[] need(Map<String, float[]> tensors, String name, long length, Path file) {
        float[] v = tensors.get(name);
        if (v == null) throw new IllegalArgumentException(file + ": no tensor '" + name + "'");
        if (v.length != length) throw new IllegalArgumentException(file + ": tensor " + name + " has " + v.length + " values, expected " + length);
        return v;
    }
}
