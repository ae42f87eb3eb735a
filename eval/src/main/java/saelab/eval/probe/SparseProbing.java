package saelab.eval.probe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.tokenizer.GemmaTokenizer;

/**
 * SAEBench's sparse probing on local labelled texts. Each text is tokenized with {@code <bos>}
 * first and cut to {@code context} tokens, run to layer L, and both the SAE latents and the raw
 * residual are mean-pooled over its tokens, {@code <bos>} excluded (SAEBench masks BOS, pad and
 * EOS; there is no padding here). The texts are shuffled with the seed and the last
 * {@code testFraction} of them held out. Then, per task and per k:
 * <ol>
 *   <li>the k latents (or residual dimensions) with the largest |mean over the positive class −
 *       mean over the rest| on the train split (SAEBench's {@code get_top_k_mean_diff_mask});</li>
 *   <li>an L2 logistic regression on those k columns of the train split, scikit-learn's default
 *       objective ({@code C = 1}: λ = 1, unweighted), as SAEBench's {@code train_sklearn_probe};</li>
 *   <li>its accuracy on the test split.</li>
 * </ol>
 * k runs over {1, 2, 5, 10, 20, 50}, each capped at the number of columns (m for latents, d for
 * the residual). <b>Tasks:</b> two labels make one task (positive class = the second label in
 * sorted order). More labels make one task per label, that label against all others
 * (one-vs-rest, no subsampling of the rest; SAEBench instead draws balanced binary subsets per
 * class), and the reported accuracy for a k is the unweighted mean over the tasks.
 */
public final class SparseProbing {
    private SparseProbing() {}

    public static final int[] KS = {1, 2, 5, 10, 20, 50};

    /**
     * @param layer        residual after this layer (blocks.L.hook_resid_post)
     * @param seed         the train/test shuffle
     * @param testFraction held-out share of the texts (SAEBench: 1000 of 5000 = 0.2)
     * @param context      tokens per text at most, <bos> included (SAEBench: 128)
     * @param batch        texts per forward pass
     * @param l2           λ of the logistic regressions (1 = scikit-learn's C = 1)
     */
    public record Settings(int layer, long seed, double testFraction, int context, int batch, double l2) {
        public Settings {
            if (!(testFraction > 0 && testFraction < 1)) throw new IllegalArgumentException("testFraction must be in (0, 1): " + testFraction);
            if (context < 2) throw new IllegalArgumentException("context must hold <bos> and a token: " + context);
        }

        public static Settings defaults(int layer, long seed) {
            return new Settings(layer, seed, 0.2, 128, 8, 1.0);
        }
    }

    /** Mean-pooled features of n texts: latents [n × m] (sparse), residuals [n × d] (dense), and the tokens pooled over. */
    public record Pooled(int n, SparseRows latents, float[] residuals, int d, long tokens) {}

    /**
     * One binary task: its positive class, sizes, and per k (same order as {@code ks} of the result)
     * the test accuracy on SAE latents and on residual dimensions, with the latents chosen at the largest k.
     */
    public record Task(String positiveClass, int trainPositives, int trainTotal, int testPositives, int testTotal,
                       double[] saeAccuracy, double[] residualAccuracy, int[] rankedLatents, int[] rankedDimensions) {}

    /**
     * @param ks               the k evaluated (capped, duplicates after capping removed)
     * @param saeAccuracy      mean test accuracy over tasks, per k, on SAE latents
     * @param residualAccuracy the same on raw residual dimensions
     */
    public record Result(String sae, int layer, long seed, List<String> classes, int texts, int train, int test, long tokens,
                         int[] ks, double[] saeAccuracy, double[] residualAccuracy, List<Task> tasks) {}

    /** Tokenizes, runs the model, pools, splits and probes. */
    public static Result run(Gemma2Model model, GemmaTokenizer tokenizer, SaeLatents sae, LabelledTexts data, Settings s, IntConsumer progress) {
        Pooled pooled = pool(model, tokenizer, sae, s.layer(), data.texts(), s.context(), s.batch(), progress);
        return evaluate(sae.description(), pooled, data.labels(), data.classes(), s);
    }

    /** Mean-pooled latents and residuals of each text, <bos> excluded. */
    public static Pooled pool(Gemma2Model model, GemmaTokenizer tokenizer, SaeLatents sae, int layer, List<String> texts,
                              int context, int batch, IntConsumer progress) {
        int d = model.config().hiddenSize();
        if (sae.dIn() != d) throw new IllegalArgumentException("the SAE reads d_in = " + sae.dIn() + " but the model's hidden size is " + d);
        List<int[]> sequences = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            int[] ids = tokenizer.encode(texts.get(i));
            if (ids.length > context) ids = Arrays.copyOf(ids, context);
            if (ids.length < 2) throw new IllegalArgumentException("text " + (i + 1) + " (in file order) has no tokens after <bos>: \"" + texts.get(i) + "\"");
            sequences.add(ids);
        }
        int n = texts.size(), m = sae.dSae();
        float[] residuals = new float[n * d];
        float[][] pooledLatents = new float[n][];
        long[] tokens = new long[1];
        ResidualPasses.run(model, layer, sequences, batch, (index, residual, rowOffset, length) -> {
            int rows = length - 1; // <bos> excluded
            float[] x = Arrays.copyOfRange(residual, (rowOffset + 1) * d, (rowOffset + length) * d);
            float[] f = sae.encode(x, rows);
            pooledLatents[index] = meanRows(f, rows, m);
            float[] r = meanRows(x, rows, d);
            System.arraycopy(r, 0, residuals, index * d, d);
            tokens[0] += rows;
        }, progress);
        SparseRows.Builder b = new SparseRows.Builder(m);
        for (float[] row : pooledLatents) b.add(row, 0);
        return new Pooled(n, b.build(), residuals, d, tokens[0]);
    }

    /** Column means of a [rows × width] array, accumulated in double. */
    static float[] meanRows(float[] a, int rows, int width) {
        double[] sum = new double[width];
        for (int r = 0; r < rows; r++) for (int j = 0; j < width; j++) sum[j] += a[r * width + j];
        float[] out = new float[width];
        for (int j = 0; j < width; j++) out[j] = (float) (sum[j] / rows);
        return out;
    }

    /** The probing itself, on pooled features (what {@link #run} does after the model). */
    public static Result evaluate(String sae, Pooled pooled, int[] labels, List<String> classes, Settings s) {
        int n = pooled.n();
        if (labels.length != n) throw new IllegalArgumentException(labels.length + " labels for " + n + " texts");
        int[][] split = split(n, s.testFraction(), s.seed());
        int[] train = split[0], test = split[1];
        int m = pooled.latents().m(), d = pooled.d();
        int[] ks = cappedKs(Math.min(m, d));
        List<Integer> positives = new ArrayList<>();
        if (classes.size() == 2) positives.add(1);
        else for (int c = 0; c < classes.size(); c++) positives.add(c);

        List<Task> tasks = new ArrayList<>();
        for (int c : positives) {
            boolean[] yTrain = new boolean[train.length], yTest = new boolean[test.length];
            int trainPos = 0, testPos = 0;
            for (int i = 0; i < train.length; i++) if (yTrain[i] = labels[train[i]] == c) trainPos++;
            for (int i = 0; i < test.length; i++) if (yTest[i] = labels[test[i]] == c) testPos++;
            if (trainPos == 0 || trainPos == train.length) {
                throw new IllegalArgumentException("the train split (seed " + s.seed() + ") holds " + (trainPos == 0 ? "no" : "only")
                        + " texts labelled '" + classes.get(c) + "': add data or change --seed");
            }
            int[] latentRank = topByAbs(pooled.latents().meanDifference(train, yTrain), ks[ks.length - 1]);
            int[] dimRank = topByAbs(denseMeanDifference(pooled.residuals(), d, train, yTrain), ks[ks.length - 1]);
            double[] saeAcc = new double[ks.length], resAcc = new double[ks.length];
            for (int q = 0; q < ks.length; q++) {
                int[] cols = Arrays.copyOf(latentRank, ks[q]);
                saeAcc[q] = probeAccuracy(pooled.latents().gather(train, cols), pooled.latents().gather(test, cols), cols.length, yTrain, yTest, s.l2());
                int[] dims = Arrays.copyOf(dimRank, ks[q]);
                resAcc[q] = probeAccuracy(gatherDense(pooled.residuals(), d, train, dims), gatherDense(pooled.residuals(), d, test, dims),
                        dims.length, yTrain, yTest, s.l2());
            }
            tasks.add(new Task(classes.get(c), trainPos, train.length, testPos, test.length, saeAcc, resAcc, latentRank, dimRank));
        }
        double[] saeMean = new double[ks.length], resMean = new double[ks.length];
        for (Task t : tasks) {
            for (int q = 0; q < ks.length; q++) {
                saeMean[q] += t.saeAccuracy()[q] / tasks.size();
                resMean[q] += t.residualAccuracy()[q] / tasks.size();
            }
        }
        return new Result(sae, s.layer(), s.seed(), classes, n, train.length, test.length, pooled.tokens(), ks, saeMean, resMean, List.copyOf(tasks));
    }

    /** {1, 2, 5, 10, 20, 50} capped at {@code columns}, duplicates removed. */
    static int[] cappedKs(int columns) {
        return Arrays.stream(KS).map(k -> Math.min(k, columns)).distinct().toArray();
    }

    static double probeAccuracy(float[] xTrain, float[] xTest, int k, boolean[] yTrain, boolean[] yTest, double l2) {
        LogisticRegression lr = LogisticRegression.fit(xTrain, yTrain.length, k, yTrain, l2);
        return lr.accuracy(xTest, yTest.length, k, yTest);
    }

    /**
     * A seeded Fisher–Yates shuffle of 0..n−1: the first n − round(n·testFraction) are the train
     * split, the rest the test split (each at least 1).
     */
    public static int[][] split(int n, double testFraction, long seed) {
        if (n < 2) throw new IllegalArgumentException("need at least 2 examples to split, got " + n);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i]; order[i] = order[j]; order[j] = t;
        }
        int nTest = Math.max(1, Math.min(n - 1, (int) Math.round(n * testFraction)));
        return new int[][] {Arrays.copyOf(order, n - nTest), Arrays.copyOfRange(order, n - nTest, n)};
    }

    /** Indices of the {@code k} largest |v|, largest first; ties by lower index. */
    static int[] topByAbs(double[] v, int k) {
        return rank(v, k, true);
    }

    /** Indices of the {@code k} largest values (signed, or by magnitude), largest first; ties by lower index. */
    static int[] rank(double[] v, int k, boolean byMagnitude) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> {
            double va = byMagnitude ? Math.abs(v[a]) : v[a], vb = byMagnitude ? Math.abs(v[b]) : v[b];
            int c = Double.compare(vb, va);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] out = new int[Math.min(k, v.length)];
        for (int i = 0; i < out.length; i++) out[i] = order[i];
        return out;
    }

    static double[] denseMeanDifference(float[] x, int d, int[] rows, boolean[] inClass) {
        double[] pos = new double[d], neg = new double[d];
        int nPos = 0, nNeg = 0;
        for (int i = 0; i < rows.length; i++) {
            double[] acc = inClass[i] ? pos : neg;
            if (inClass[i]) nPos++; else nNeg++;
            for (int j = 0; j < d; j++) acc[j] += x[rows[i] * d + j];
        }
        double[] diff = new double[d];
        for (int j = 0; j < d; j++) diff[j] = pos[j] / nPos - neg[j] / nNeg;
        return diff;
    }

    static float[] gatherDense(float[] x, int d, int[] rows, int[] cols) {
        float[] out = new float[rows.length * cols.length];
        for (int i = 0; i < rows.length; i++) for (int c = 0; c < cols.length; c++) out[i * cols.length + c] = x[rows[i] * d + cols[c]];
        return out;
    }
}
