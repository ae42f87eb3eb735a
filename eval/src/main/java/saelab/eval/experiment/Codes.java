package saelab.eval.experiment;

import saelab.train.sae.SaeParams;
import saelab.train.sae.SparseEncoder;
import saelab.train.trainer.TrainConfig;

/**
 * An SAE's latent codes for a batch as k slots per row (latent index, value; a slot fires when
 * its value is > 0), the layout the sparsity, absorption and co-firing metrics read. TopK codes
 * are the encoder's own selection; ReLU codes are the positive entries of ReLU(pre), padded
 * with zero-valued slots to the largest row count.
 */
public record Codes(int rows, int k, int m, int[] idx, float[] val) {

    public static Codes of(TrainConfig cfg, SaeParams p, float[] x, int rows) {
        SparseEncoder.PreActivations pa = SparseEncoder.preActivations(x, rows, p);
        int m = p.dSae();
        if (cfg.architecture() == TrainConfig.Architecture.TOPK) {
            SparseEncoder.Selection s = SparseEncoder.select(pa, cfg.k(), null);
            return new Codes(rows, cfg.k(), m, s.indices(), s.values());
        }
        float[] pre = pa.pre();
        int kMax = 1;
        for (int r = 0; r < rows; r++) {
            int n = 0;
            for (int j = 0; j < m; j++) if (pre[r * m + j] > 0) n++;
            kMax = Math.max(kMax, n);
        }
        int[] idx = new int[rows * kMax];
        float[] val = new float[rows * kMax];
        for (int r = 0; r < rows; r++) {
            int s = r * kMax;
            for (int j = 0; j < m; j++) {
                float v = pre[r * m + j];
                if (v > 0) { idx[s] = j; val[s++] = v; }
            }
        }
        return new Codes(rows, kMax, m, idx, val);
    }

    /** x̂ = Σ_slots value·W_dec[latent] + b_dec (what both architectures decode). */
    public float[] decode(SaeParams p) {
        int d = p.dIn();
        float[] w = p.wDec().data(), b = p.bDec().data(), xHat = new float[rows * d];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(b, 0, xHat, r * d, d);
            for (int s = r * k; s < (r + 1) * k; s++) {
                float v = val[s];
                if (v == 0) continue;
                int off = idx[s] * d;
                for (int e = 0; e < d; e++) xHat[r * d + e] += v * w[off + e];
            }
        }
        return xHat;
    }
}
