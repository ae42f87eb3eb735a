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
 *
 * <p>What does not depend on the SAE can be computed once for several SAEs probed on the same
 * texts: the model's pass ({@link #residuals}, then {@link #pool(TextResiduals, SaeLatents)} per
 * SAE) and the residual side of the probing ({@link #baseline}, then
 * {@link #evaluate(String, Pooled, int[], List, Settings, Baseline)} per SAE); the numbers are
 * those of {@link #run}.
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

    /** Mean-pooled features of n texts: latents [n × m] (sparse; null when pooled without an SAE), residuals [n × d] (dense), and the tokens pooled over. */
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
        return pool(model, sae, layer, tokenize(tokenizer, texts, context), batch, progress);
    }

    /** Each text's token ids, {@code <bos>} first, cut to {@code context}; a text with no token after {@code <bos>} is refused. */
    public static List<int[]> tokenize(GemmaTokenizer tokenizer, List<String> texts, int context) {
        List<int[]> sequences = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            int[] ids = tokenizer.encode(texts.get(i));
            if (ids.length > context) ids = Arrays.copyOf(ids, context);
            if (ids.length < 2) throw new IllegalArgumentException("text " + (i + 1) + " (in file order) has no tokens after <bos>: \"" + texts.get(i) + "\"");
            sequences.add(ids);
        }
        return sequences;
    }

    /**
     * Mean-pooled latents and residuals of each tokenized text, {@code <bos>} excluded. With
     * {@code sae} null only the residuals are pooled ({@link Pooled#latents()} is null): the
     * residual baseline, which does not depend on the SAE.
     */
    public static Pooled pool(Gemma2Model model, SaeLatents sae, int layer, List<int[]> sequences, int batch, IntConsumer progress) {
        int d = model.config().hiddenSize();
        if (sae != null && sae.dIn() != d) throw new IllegalArgumentException("the SAE reads d_in = " + sae.dIn() + " but the model's hidden size is " + d);
        int n = sequences.size();
        float[] residuals = new float[n * d];
        float[][] pooledLatents = new float[n][];
        long[] tokens = new long[1];
        ResidualPasses.run(model, layer, sequences, batch, (index, residual, rowOffset, length) -> {
            int rows = length - 1; // <bos> excluded
            float[] x = Arrays.copyOfRange(residual, (rowOffset + 1) * d, (rowOffset + length) * d);
            if (sae != null) pooledLatents[index] = meanRows(sae.encode(x, rows), rows, sae.dSae());
            System.arraycopy(meanRows(x, rows, d), 0, residuals, index * d, d);
            tokens[0] += rows;
        }, progress);
        return new Pooled(n, sae == null ? null : sparse(pooledLatents, sae.dSae()), residuals, d, tokens[0]);
    }

    /**
     * The residual rows of each text after layer L, {@code <bos>} excluded: what the SAE reads.
     * Kept so that several SAEs can be probed on the same texts with one pass of the model
     * ({@link #pool(TextResiduals, SaeLatents)}); they take tokens × d floats.
     *
     * @param rows per text, its residual rows [tokens × d] in token order
     */
    public record TextResiduals(List<float[]> rows, int d) {
        public long tokens() { return rows.stream().mapToLong(r -> r.length / d).sum(); }
    }

    /** One pass of the model over the tokenized texts, keeping every residual row ({@link TextResiduals}). */
    public static TextResiduals residuals(Gemma2Model model, int layer, List<int[]> sequences, int batch, IntConsumer progress) {
        int d = model.config().hiddenSize();
        float[][] rows = new float[sequences.size()][];
        ResidualPasses.run(model, layer, sequences, batch,
                (index, residual, rowOffset, length) -> rows[index] = Arrays.copyOfRange(residual, (rowOffset + 1) * d, (rowOffset + length) * d),
                progress);
        return new TextResiduals(List.of(rows), d);
    }

    /**
     * Mean-pooled latents and residuals from kept residual rows: the same numbers as
     * {@link #pool(Gemma2Model, SaeLatents, int, List, int, IntConsumer)}; with {@code sae} null the residuals only.
     */
    public static Pooled pool(TextResiduals r, SaeLatents sae) {
        int d = r.d(), n = r.rows().size();
        if (sae != null && sae.dIn() != d) throw new IllegalArgumentException("the SAE reads d_in = " + sae.dIn() + " but the residuals have d = " + d);
        float[] residuals = new float[n * d];
        float[][] pooledLatents = new float[n][];
        long tokens = 0;
        for (int i = 0; i < n; i++) {
            float[] x = r.rows().get(i);
            int rows = x.length / d;
            if (sae != null) pooledLatents[i] = meanRows(sae.encode(x, rows), rows, sae.dSae());
            System.arraycopy(meanRows(x, rows, d), 0, residuals, i * d, d);
            tokens += rows;
        }
        return new Pooled(n, sae == null ? null : sparse(pooledLatents, sae.dSae()), residuals, d, tokens);
    }

    private static SparseRows sparse(float[][] rows, int m) {
        SparseRows.Builder b = new SparseRows.Builder(m);
        for (float[] row : rows) b.add(row, 0);
        return b.build();
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
        return evaluate(sae, pooled, labels, classes, s, baseline(pooled, labels, classes, s, pooled.latents().m()));
    }

    /**
     * The residual side of {@link #evaluate}, which does not depend on the SAE (only on its width
     * m, which caps k): the split, the tasks, and per task the residual dimensions ranked and the
     * test accuracy per k. Computed once, it serves every SAE probed on the same pooled texts.
     *
     * @param positives         per task, the index into classes of its positive class
     * @param rankedDimensions  per task, the residual dimensions by |class-mean difference|, largest first
     * @param residualAccuracy  per task, test accuracy per k on those dimensions
     * @param meanResidualAccuracy per k, the mean over tasks
     */
    public record Baseline(int[] ks, int[] train, int[] test, List<Integer> positives, List<int[]> rankedDimensions,
                           List<double[]> residualAccuracy, double[] meanResidualAccuracy) {}

    /** The residual baseline for SAEs of {@code m} latents; refuses a train split without (or with only) positives of a task. */
    public static Baseline baseline(Pooled pooled, int[] labels, List<String> classes, Settings s, int m) {
        int n = pooled.n(), d = pooled.d();
        if (labels.length != n) throw new IllegalArgumentException(labels.length + " labels for " + n + " texts");
        int[][] split = split(n, s.testFraction(), s.seed());
        int[] train = split[0], test = split[1];
        int[] ks = cappedKs(Math.min(m, d));
        List<Integer> positives = new ArrayList<>();
        if (classes.size() == 2) positives.add(1);
        else for (int c = 0; c < classes.size(); c++) positives.add(c);
        List<int[]> ranked = new ArrayList<>();
        List<double[]> accuracy = new ArrayList<>();
        double[] mean = new double[ks.length];
        for (int c : positives) {
            boolean[] yTrain = classOf(labels, train, c), yTest = classOf(labels, test, c);
            int trainPos = count(yTrain);
            if (trainPos == 0 || trainPos == train.length) {
                throw new IllegalArgumentException("the train split (seed " + s.seed() + ") holds " + (trainPos == 0 ? "no" : "only")
                        + " texts labelled '" + classes.get(c) + "': add data or change --seed");
            }
            int[] dimRank = topByAbs(denseMeanDifference(pooled.residuals(), d, train, yTrain), ks[ks.length - 1]);
            double[] acc = new double[ks.length];
            for (int q = 0; q < ks.length; q++) {
                int[] dims = Arrays.copyOf(dimRank, ks[q]);
                acc[q] = probeAccuracy(gatherDense(pooled.residuals(), d, train, dims), gatherDense(pooled.residuals(), d, test, dims),
                        dims.length, yTrain, yTest, s.l2());
                mean[q] += acc[q] / positives.size();
            }
            ranked.add(dimRank);
            accuracy.add(acc);
        }
        return new Baseline(ks, train, test, List.copyOf(positives), List.copyOf(ranked), List.copyOf(accuracy), mean);
    }

    /** The SAE side of {@link #evaluate}, beside a residual baseline computed once on the same pooled texts. */
    public static Result evaluate(String sae, Pooled pooled, int[] labels, List<String> classes, Settings s, Baseline b) {
        int n = pooled.n();
        if (labels.length != n) throw new IllegalArgumentException(labels.length + " labels for " + n + " texts");
        int[] ks = cappedKs(Math.min(pooled.latents().m(), pooled.d()));
        if (!Arrays.equals(ks, b.ks()) || b.train().length + b.test().length != n) {
            throw new IllegalArgumentException("the residual baseline was computed for k " + Arrays.toString(b.ks()) + " on "
                    + (b.train().length + b.test().length) + " texts, these latents need k " + Arrays.toString(ks) + " on " + n);
        }
        int[] train = b.train(), test = b.test();
        List<Task> tasks = new ArrayList<>();
        double[] saeMean = new double[ks.length];
        for (int t = 0; t < b.positives().size(); t++) {
            int c = b.positives().get(t);
            boolean[] yTrain = classOf(labels, train, c), yTest = classOf(labels, test, c);
            int[] latentRank = topByAbs(pooled.latents().meanDifference(train, yTrain), ks[ks.length - 1]);
            double[] saeAcc = new double[ks.length];
            for (int q = 0; q < ks.length; q++) {
                int[] cols = Arrays.copyOf(latentRank, ks[q]);
                saeAcc[q] = probeAccuracy(pooled.latents().gather(train, cols), pooled.latents().gather(test, cols), cols.length, yTrain, yTest, s.l2());
                saeMean[q] += saeAcc[q] / b.positives().size();
            }
            tasks.add(new Task(classes.get(c), count(yTrain), train.length, count(yTest), test.length, saeAcc, b.residualAccuracy().get(t),
                    latentRank, b.rankedDimensions().get(t)));
        }
        return new Result(sae, s.layer(), s.seed(), classes, n, train.length, test.length, pooled.tokens(), ks, saeMean,
                b.meanResidualAccuracy().clone(), List.copyOf(tasks));
    }

    /** Per row of {@code rows}, whether its label is {@code c}. */
    static boolean[] classOf(int[] labels, int[] rows, int c) {
        boolean[] y = new boolean[rows.length];
        for (int i = 0; i < rows.length; i++) y[i] = labels[rows[i]] == c;
        return y;
    }

    static int count(boolean[] y) {
        int n = 0;
        for (boolean v : y) if (v) n++;
        return n;
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
