package saelab.eval;

import saelab.train.metrics.Recovery;

/**
 * The cosines between n true feature directions and m decoder rows, computed once (one float32
 * NT product of unit rows, {@link Recovery#cosineMatrix}) and read by every ground-truth metric.
 *
 * <p>Stored with the smaller side as rows: features × latents when n ≤ m, latents × features
 * otherwise, so that the Hungarian matching (rows ≤ columns) reads contiguous rows without a
 * transposed copy. Read it through {@link #cos(int, int)}.
 *
 * @param values   the matrix, row-major in the orientation above
 * @param features n, the true features
 * @param latents  m, the decoder rows
 */
public record FeatureCosines(float[] values, int features, int latents) {

    public FeatureCosines {
        if (features < 1 || latents < 1) throw new IllegalArgumentException("need ≥ 1 feature and ≥ 1 latent, got " + features + " × " + latents);
        if (values.length != (long) features * latents) {
            throw new IllegalArgumentException("cosine matrix has " + values.length + " entries, expected features × latents = " + (long) features * latents);
        }
    }

    /**
     * @param trueDirs n × d true directions (row-major, any norms)
     * @param wDec     m × d decoder rows (row-major, any norms); a zero row has cosine 0 with everything
     */
    public static FeatureCosines of(float[] trueDirs, int n, float[] wDec, int m, int d) {
        if (d < 1) throw new IllegalArgumentException("dimension d must be ≥ 1, got " + d);
        if (trueDirs.length != (long) n * d) throw new IllegalArgumentException("true directions have " + trueDirs.length + " values, expected n × d = " + n + " × " + d);
        if (wDec.length != (long) m * d) throw new IllegalArgumentException("decoder has " + wDec.length + " values, expected m × d = " + m + " × " + d);
        if ((long) n * m > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("n × m = " + (long) n * m + " cosines do not fit one Java array");
        float[] v = n <= m ? Recovery.cosineMatrix(trueDirs, n, wDec, m, d) : Recovery.cosineMatrix(wDec, m, trueDirs, n, d);
        return new FeatureCosines(v, n, m);
    }

    /** Whether rows are latents (n > m). */
    public boolean latentMajor() { return features > latents; }

    /** cos(true feature f, decoder row l). */
    public float cos(int f, int l) {
        return features > latents ? values[l * features + f] : values[f * latents + l];
    }

    /**
     * Per latent, the true feature its decoder row matches best by |cos| (the lowest index on
     * ties): SynthSAEBench's "best-matching ground-truth feature".
     */
    public int[] bestFeatureByAbsCos() {
        int[] best = new int[latents];
        scan(new float[features], new float[latents], best);
        return best;
    }

    /** Per true feature, the largest |cos| with any latent. */
    public float[] maxAbsCosOfFeature() {
        float[] top = new float[features];
        scan(top, new float[latents], new int[latents]);
        return top;
    }

    /** Per latent, the largest |cos| with any true feature. */
    public float[] maxAbsCosOfLatent() {
        float[] top = new float[latents];
        scan(new float[features], top, new int[latents]);
        return top;
    }

    /** One pass in storage order; features are met in ascending order for each latent either way. */
    private void scan(float[] topOfFeature, float[] topOfLatent, int[] bestFeature) {
        java.util.Arrays.fill(topOfLatent, -1);
        java.util.Arrays.fill(topOfFeature, -1);
        boolean byLatent = latentMajor();
        int rows = byLatent ? latents : features, cols = byLatent ? features : latents;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                float a = Math.abs(values[r * cols + c]);
                int f = byLatent ? c : r, l = byLatent ? r : c;
                if (a > topOfFeature[f]) topOfFeature[f] = a;
                if (a > topOfLatent[l]) { topOfLatent[l] = a; bestFeature[l] = f; }
            }
        }
    }
}
