package saelab.eval;

/**
 * How sparse and how alive the latents are, from sparse codes (B rows of k slots; a slot
 * counts as firing when its value is > 0) or any per-token latent lists.
 *
 * @param l0          mean number of firing latents per token
 * @param l1          mean Σ|f| per token
 * @param dead        latents that never fired over the evaluation set
 * @param dense       latents firing on more than {@code denseThreshold} of tokens
 * @param frequency   per-latent firing frequency (fraction of tokens)
 */
public record SparsityMetrics(int tokens, double l0, double l1, int dead, int dense, double[] frequency) {

    public static SparsityMetrics of(int rows, int k, int m, int[] idx, float[] val, double denseThreshold) {
        long[] count = new long[m];
        double l0 = 0, l1 = 0;
        for (int p = 0; p < rows * k; p++) {
            if (val[p] > 0) { count[idx[p]]++; l0++; }
            l1 += Math.abs(val[p]);
        }
        double[] freq = new double[m];
        int dead = 0, dense = 0;
        for (int i = 0; i < m; i++) {
            freq[i] = (double) count[i] / rows;
            if (count[i] == 0) dead++;
            if (freq[i] > denseThreshold) dense++;
        }
        return new SparsityMetrics(rows, l0 / rows, l1 / rows, dead, dense, freq);
    }

    /**
     * Histogram of log10 firing frequency over the latents that fired, in {@code bins} equal
     * bins over [−{@code decades}, 0]; the last entry counts dead latents (log10 0 = −∞).
     */
    public long[] log10DensityHistogram(int bins, int decades) {
        long[] h = new long[bins + 1];
        for (double f : frequency) {
            if (f == 0) { h[bins]++; continue; }
            double pos = (Math.log10(f) + decades) / decades * bins;
            h[Math.max(0, Math.min(bins - 1, (int) Math.floor(pos)))]++;
        }
        return h;
    }
}
