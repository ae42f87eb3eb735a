package saelab.model.gemma2;

/**
 * Per-token scores of next-token distributions, computed in float64 from float32 logits (a
 * log-sum-exp over a 256k vocabulary in float32 would lose the small differences the KL and
 * CE-loss scores are made of).
 */
public final class TokenLosses {
    private TokenLosses() {}

    /**
     * Cross-entropy of predicting each next token: for sequence b and position t < length − 1,
     * −log softmax(logits[b, t])[ids[b, t + 1]]. Returns [batch × (length − 1)], row-major.
     * {@code logits} holds every position ([batch·length × vocab]).
     */
    public static double[] crossEntropy(float[] logits, int[] ids, int batch, int length, int vocab) {
        requireRows(logits, batch * length, vocab);
        if (ids.length != batch * length) {
            throw new IllegalArgumentException(ids.length + " ids for " + batch + " sequences of " + length);
        }
        double[] ce = new double[batch * (length - 1)];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t + 1 < length; t++) {
                int row = b * length + t;
                ce[b * (length - 1) + t] = logSumExp(logits, row * vocab, vocab) - logits[row * vocab + ids[row + 1]];
            }
        }
        return ce;
    }

    /**
     * KL(p_clean ‖ p_other) of each row's next-token distribution: Σ_v p_clean(v)·(log p_clean(v)
     * − log p_other(v)), ≥ 0 and 0 exactly when the two rows' logits are equal. Both arrays are
     * [rows × vocab].
     */
    public static double[] klDivergence(float[] cleanLogits, float[] otherLogits, int vocab) {
        if (cleanLogits.length != otherLogits.length) {
            throw new IllegalArgumentException("logits of different sizes: " + cleanLogits.length + " and " + otherLogits.length);
        }
        int rows = cleanLogits.length / vocab;
        requireRows(cleanLogits, rows, vocab);
        double[] kl = new double[rows];
        for (int r = 0; r < rows; r++) {
            int off = r * vocab;
            double lseClean = logSumExp(cleanLogits, off, vocab), lseOther = logSumExp(otherLogits, off, vocab);
            double sum = 0;
            for (int v = 0; v < vocab; v++) {
                double logP = cleanLogits[off + v] - lseClean, logQ = otherLogits[off + v] - lseOther;
                sum += Math.exp(logP) * (logP - logQ);
            }
            kl[r] = Math.max(0, sum); // rounding can leave −1e-17 where the exact value is 0
        }
        return kl;
    }

    static double logSumExp(float[] x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(x[off + i] - max);
        return max + Math.log(sum);
    }

    private static void requireRows(float[] logits, int rows, int vocab) {
        if ((long) rows * vocab != logits.length) {
            throw new IllegalArgumentException(logits.length + " logits, expected " + rows + " rows × " + vocab);
        }
    }
}
