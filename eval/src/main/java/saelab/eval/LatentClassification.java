package saelab.eval;

/**
 * SynthSAEBench's precision, recall and F1 (SAELens {@code ClassificationMetricsCalculator} in
 * {@code sae_lens/synthetic/evals.py}; docs/synth_sae_bench.md, "Classification Metrics"): each
 * latent is read as a binary detector of the true feature its decoder row matches best by |cos|
 * ({@link FeatureCosines#bestFeatureByAbsCos}). Over the rows of a batch, for latent l with best
 * feature f: tp = rows where l fires and f fires, fp = l fires and f does not, fn = f fires and
 * l does not, tn = the rest. Per latent: precision = tp / (tp + fp), recall = tp / (tp + fn),
 * F1 their harmonic mean, accuracy = (tp + tn) / rows, each 0 where undefined; each averaged over
 * all m latents (a dead latent scores 0 precision and 0 recall, as in SAELens).
 *
 * @param precision mean per-latent precision
 * @param recall    mean per-latent recall
 * @param f1        mean per-latent F1
 * @param accuracy  mean per-latent accuracy
 * @param rows      rows of the batch
 */
public record LatentClassification(double precision, double recall, double f1, double accuracy, int rows) {

    /**
     * @param rowStart,feature the truth: row r fired feature[rowStart[r] .. rowStart[r+1])
     * @param k,idx,val        the SAE's codes for the same rows, k slots per row; a slot fires when its value is > 0
     */
    public static LatentClassification of(FeatureCosines c, int rows, int[] rowStart, int[] feature, int k, int[] idx, float[] val) {
        int n = c.features(), m = c.latents();
        Truth.check(rows, rowStart, feature, n, k, idx, val, m);
        int[] best = c.bestFeatureByAbsCos();
        long[] positives = new long[n], fires = new long[m], tp = new long[m];
        int[] truthStamp = new int[n], firedStamp = new int[m];
        for (int r = 0; r < rows; r++) {
            int stamp = r + 1;
            for (int t = rowStart[r]; t < rowStart[r + 1]; t++) {
                truthStamp[feature[t]] = stamp;
                positives[feature[t]]++;
            }
            for (int s = r * k; s < (r + 1) * k; s++) {
                if (!(val[s] > 0)) continue;
                int l = idx[s];
                if (firedStamp[l] == stamp) continue;
                firedStamp[l] = stamp;
                fires[l]++;
                if (truthStamp[best[l]] == stamp) tp[l]++;
            }
        }
        double sp = 0, sr = 0, sf = 0, sa = 0;
        for (int l = 0; l < m; l++) {
            long fp = fires[l] - tp[l], fn = positives[best[l]] - tp[l], tn = rows - tp[l] - fp - fn;
            double p = fires[l] == 0 ? 0 : (double) tp[l] / fires[l];
            double r = tp[l] + fn == 0 ? 0 : (double) tp[l] / (tp[l] + fn);
            sp += p;
            sr += r;
            sf += p + r == 0 ? 0 : 2 * p * r / (p + r);
            sa += rows == 0 ? 0 : (double) (tp[l] + tn) / rows;
        }
        return new LatentClassification(sp / m, sr / m, sf / m, sa / m, rows);
    }
}
