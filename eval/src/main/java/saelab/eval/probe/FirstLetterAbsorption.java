package saelab.eval.probe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.tokenizer.GemmaTokenizer;
import saelab.tensor.kernels.Parallel;

/**
 * SAEBench's first-letter absorption (David Chanin's metric with Demian Till's absorption
 * fraction), on single-token words ({@link WordList#singleTokenWords}).
 *
 * <p><b>Activations.</b> Each word is put in the prompt {@value #TEMPLATE} ({word} replaced, the
 * leading space makes the word the token "▁word"), tokenized with {@code <bos>} first; the
 * residual after layer L at the word's token is the word's activation. With {@code iclExamples} N
 * &gt; 0 the prompt is SAEBench's ({@link AbsorptionPrompts#iclPrompt}): N other words with their answers first,
 * "\n cat has the first letter: C\n … \n word has the first letter:", and the word is read as many
 * tokens from the end as in the bare prompt (6 with gemma-2's tokenizer: SAEBench's
 * prompt_token_pos −6), checked per prompt. SAEBench uses N = 10;
 * saelab's default is {@value #DEFAULT_ICL_EXAMPLES} (a deviation: the probe then reads the word
 * before the model has seen the task), because ten examples make a prompt ≈ 87 tokens instead of
 * 7 and the model passes ≈ 12× longer on a CPU. With examples, saelab's one prompt per word serves
 * both the probes and the absorption count (SAEBench builds fresh prompts for the latter). Words
 * are shuffled with the seed and 20% held out (SAEBench: train_test_fraction 0.8).
 *
 * <p><b>Ground-truth probe</b>, per letter ℓ (one-vs-rest over the letters present): logistic
 * regression on the train residuals, positives weighted by n_neg/n_pos (SAEBench's pos_weight),
 * λ = 1e-4 · 26 · n_train: the optimum of SAEBench's objective (BCE averaged over the samples and
 * 26 outputs, Adam weight decay 1e-4); the bias is not penalised. The word is "classified ℓ"
 * when its score x·w + b &gt; 0; the probe's F1 on the test words decides whether ℓ counts.
 *
 * <p><b>Main latents</b> (k-sparse probing with feature splitting): latents ranked per letter by
 * {@link #rankLatents}: by default as SAEBench (k_sparse_probing.train_k_sparse_probes), by the
 * signed weights of an L1-regularised logistic regression on all latents of the train words,
 * solved exactly in float64 ({@link L1LogisticRegression}) where SAEBench runs 50 epochs of Adam;
 * or ({@link MainLatentRanking#MEAN_DIFF}) by class-mean difference, the ranking of saelab's sparse
 * probing. For k = 1..10 a logistic regression on the top k latents (scikit-learn's C = 1,
 * class_weight "balanced") is scored by F1 on the test words; k grows while F1 rises by more than
 * 0.03 over the previous best (f1_jump_threshold), and the main latents are the top k at the last rise.
 *
 * <p><b>Absorption</b>, over the probe's true positives of ℓ among the test words (x of an
 * ℓ-word with probe score &gt; 0), with p̂ = w/‖w‖, cos_j = cos(W_dec[j], p̂), a_j the latents,
 * latent projection a_j·cos_j and probe projection x·p̂:
 * <ul>
 *   <li><i>full absorption</i>: every main latent is silent (a_j &lt; 1e-8), the latent with the
 *       largest projection has cos_j ≥ 0.025, x·p̂ &gt; 0, and that latent's projection is ≥ 0.4
 *       of x·p̂. Absorption rate of ℓ = full absorptions / true positives.</li>
 *   <li><i>absorption fraction</i>: main = Σ_main a_j·cos_j; absorbers = the ≤ 3 non-main latents
 *       with cos_j ≥ 0.1 and a_j·cos_j &gt; 0 with the largest projections, total A. 0 when main ≥
 *       x·p̂ or A/x·p̂ &lt; 0.4; else 1 when main ≤ 0; else min(A, x·p̂ − main) / (that + main).
 *       Mean absorption fraction of ℓ = sum / true positives.</li>
 * </ul>
 * A letter is included in the means when its probe F1 on the test words exceeds 0.6
 * (min_GT_probe_f1) and it has a true positive. SAEBench refuses to report with fewer than 20
 * such letters; saelab reports anyway and says how many there were.
 *
 * <p>What does not depend on the SAE can be computed once for several SAEs measured on the same
 * words: the words' residuals ({@link #residuals}, then {@link #encode} per SAE) and the letter
 * probes ({@link #probes}, then {@link #evaluate(SaeLatents, WordList.Selection, WordActivations, Settings, Probes)}
 * per SAE); the numbers are those of {@link #run}.
 */
public final class FirstLetterAbsorption {
    private FirstLetterAbsorption() {}

    public static final String TEMPLATE = " {word} has the first letter:";
    /** The word's token position in the prompt: right after {@code <bos>}. */
    public static final int WORD_POSITION = 1;
    static final double SILENT = 1e-8;

    /** How each letter's latents are ranked before the k-sparse probes take the top k. */
    public enum MainLatentRanking {
        /** SAEBench: the weights of an L1-regularised logistic regression on all latents ({@link L1LogisticRegression}), largest first. */
        L1_PROBE("l1-probe"),
        /** The class-mean difference (mean on ℓ-words − mean on the others), largest first: no fit, the ranking of saelab's sparse probing. */
        MEAN_DIFF("mean-diff");

        private final String flag;

        MainLatentRanking(String flag) { this.flag = flag; }

        /** The value on the command line. */
        public String flag() { return flag; }

        public static MainLatentRanking ofFlag(String v) {
            for (MainLatentRanking r : values()) if (r.flag.equals(v)) return r;
            throw new IllegalArgumentException("main-latent ranking must be l1-probe or mean-diff, got '" + v + "'");
        }
    }

    /** SAEBench's ICL examples per prompt (max_icl_examples). saelab's default is {@value #DEFAULT_ICL_EXAMPLES}: see the class comment. */
    public static final int SAEBENCH_ICL_EXAMPLES = 10;
    /**
     * Default ICL examples: none. Ten make a prompt ≈ 87 tokens instead of 7, so the model passes
     * cost about 12× (gemma-2-2b to layer 12 at ≈ 115 tokens/s on 2 cores: ≈ 50 min instead of
     * ≈ 4 min for 4000 words).
     */
    public static final int DEFAULT_ICL_EXAMPLES = 0;

    /**
     * Every threshold, SAEBench's values in {@link #defaults}.
     *
     * @param maxWords             0: all single-token words; else a seeded sample of this many
     * @param probeWeightDecay     SAEBench's probe weight decay (1e-4): λ = decay · 26 · n_train
     * @param maxK                 largest k of the k-sparse probes (10)
     * @param f1Jump               F1 rise that adds a split latent (0.03)
     * @param minProbeF1           probe F1 a letter needs to count (0.6)
     * @param fullAbsorptionCos    cos with the probe the top latent needs (0.025)
     * @param fractionCos          cos with the probe an absorbing latent needs in the fraction (0.1)
     * @param projectionProportion share of x·p̂ the absorbing latent(s) must carry (0.4)
     * @param maxAbsorbers         absorbing latents summed in the fraction (3)
     * @param mainLatents          how latents are ranked for the k-sparse probes (L1 probe)
     * @param l1Decay              SAEBench's k_sparse_probe_l1_decay (0.01): λ1 = decay · n_train
     * @param l1WeightDecay        the L1 probe's Adam weight decay in SAEBench (1e-6): λ2 = decay · 26 · n_train
     * @param iclExamples          in-context examples before the word ({@value #DEFAULT_ICL_EXAMPLES}; SAEBench 10)
     */
    public record Settings(int layer, long seed, double testFraction, int maxWords, int batch, double probeWeightDecay,
                           int maxK, double f1Jump, double minProbeF1, double fullAbsorptionCos, double fractionCos,
                           double projectionProportion, int maxAbsorbers, MainLatentRanking mainLatents, double l1Decay,
                           double l1WeightDecay, int iclExamples) {
        public Settings {
            if (iclExamples < 0) throw new IllegalArgumentException("ICL examples must be ≥ 0, got " + iclExamples);
            if (mainLatents == null) throw new IllegalArgumentException("no main-latent ranking given");
        }

        public static Settings defaults(int layer, long seed) {
            return new Settings(layer, seed, 0.2, 0, 16, 1e-4, 10, 0.03, 0.6, 0.025, 0.1, 0.4, 3,
                    MainLatentRanking.L1_PROBE, 0.01, 1e-6, DEFAULT_ICL_EXAMPLES);
        }

        public Settings withMaxWords(int n) {
            return new Settings(layer, seed, testFraction, n, batch, probeWeightDecay, maxK, f1Jump, minProbeF1, fullAbsorptionCos,
                    fractionCos, projectionProportion, maxAbsorbers, mainLatents, l1Decay, l1WeightDecay, iclExamples);
        }

        public Settings withBatch(int b) {
            return new Settings(layer, seed, testFraction, maxWords, b, probeWeightDecay, maxK, f1Jump, minProbeF1, fullAbsorptionCos,
                    fractionCos, projectionProportion, maxAbsorbers, mainLatents, l1Decay, l1WeightDecay, iclExamples);
        }

        public Settings withMainLatents(MainLatentRanking r) {
            return new Settings(layer, seed, testFraction, maxWords, batch, probeWeightDecay, maxK, f1Jump, minProbeF1, fullAbsorptionCos,
                    fractionCos, projectionProportion, maxAbsorbers, r, l1Decay, l1WeightDecay, iclExamples);
        }

        public Settings withIclExamples(int n) {
            return new Settings(layer, seed, testFraction, maxWords, batch, probeWeightDecay, maxK, f1Jump, minProbeF1, fullAbsorptionCos,
                    fractionCos, projectionProportion, maxAbsorbers, mainLatents, l1Decay, l1WeightDecay, n);
        }
    }

    /** The words probed, their letters (0 = a), and the residuals at the word [n × d]: what does not depend on the SAE. */
    public record WordResiduals(List<String> words, int[] letters, float[] residuals, int d) {}

    /** The words probed, their letters (0 = a), residuals at the word [n × d] and SAE latents there. */
    public record WordActivations(List<String> words, int[] letters, float[] residuals, int d, SparseRows latents) {
        public WordResiduals wordResiduals() { return new WordResiduals(words, letters, residuals, d); }
    }

    /**
     * One letter's outcome.
     *
     * @param kSparseF1          test F1 of the k-sparse probe per k = 1.. (up to where the rise stopped, inclusive)
     * @param mainLatents        the main latents (split features), best first
     * @param probeTruePositives test ℓ-words the probe classifies as ℓ: the denominator of both rates
     * @param absorbedWords      the words counted as full absorption
     * @param absorbingLatents   per absorbed word, the latent with the largest projection
     * @param rankingConverged   the L1 probe that ranked the latents met its stopping rule (always true for mean-diff)
     */
    public record LetterResult(char letter, int trainWords, int testWords, double probeF1, int probeTruePositives,
                               double[] kSparseF1, int[] mainLatents, int fullAbsorptions, double absorptionRate,
                               double meanAbsorptionFraction, boolean included, List<String> absorbedWords, int[] absorbingLatents,
                               boolean rankingConverged) {}

    /**
     * @param meanAbsorptionRate     mean over included letters of the full-absorption rate (SAEBench's mean_full_absorption_score)
     * @param meanAbsorptionFraction mean over included letters of the mean absorption fraction (mean_absorption_fraction_score)
     * @param meanMainLatents        mean number of main latents per included letter (mean_num_split_features)
     */
    public record Result(String sae, int layer, long seed, String template, int iclExamples, String mainLatentRanking,
                         WordList.Selection selection, int wordsUsed,
                         int train, int test, List<LetterResult> letters, int lettersIncluded, double meanAbsorptionRate,
                         double meanAbsorptionFraction, double meanMainLatents) {}

    /** Prompts, model passes, SAE latents, then {@link #evaluate}. */
    public static Result run(Gemma2Model model, GemmaTokenizer tokenizer, SaeLatents sae, WordList.Selection selection,
                             Settings s, IntConsumer progress) {
        WordActivations acts = collect(model, tokenizer, sae, selection, s, progress);
        return evaluate(sae, selection, acts, s);
    }

    /** The residual at each word's position in its prompt, and its latents. {@code progress} counts words done. */
    public static WordActivations collect(Gemma2Model model, GemmaTokenizer tokenizer, SaeLatents sae, WordList.Selection selection,
                                          Settings s, IntConsumer progress) {
        int d = model.config().hiddenSize();
        if (sae.dIn() != d) throw new IllegalArgumentException("the SAE reads d_in = " + sae.dIn() + " but the model's hidden size is " + d);
        return encode(residuals(model, tokenizer, selection, s, progress), sae);
    }

    /** The residual at each word's position in its prompt (no SAE): one pass of the model serves every SAE. */
    public static WordResiduals residuals(Gemma2Model model, GemmaTokenizer tokenizer, WordList.Selection selection, Settings s, IntConsumer progress) {
        int d = model.config().hiddenSize();
        AbsorptionPrompts.Prompts pr = AbsorptionPrompts.prompts(tokenizer, selection, s);
        List<String> kept = pr.words();
        int n = kept.size();
        float[] residuals = new float[n * d];
        ResidualPasses.run(model, s.layer(), pr.ids(), s.batch(),
                (index, residual, rowOffset, length) -> System.arraycopy(residual, (rowOffset + pr.positions()[index]) * d, residuals, index * d, d),
                progress);
        int[] letters = new int[n];
        for (int i = 0; i < n; i++) letters[i] = Character.toLowerCase(kept.get(i).charAt(0)) - 'a';
        return new WordResiduals(kept, letters, residuals, d);
    }

    /** The SAE's latents at each word. */
    public static WordActivations encode(WordResiduals w, SaeLatents sae) {
        int d = w.d(), n = w.words().size();
        if (sae.dIn() != d) throw new IllegalArgumentException("the SAE reads d_in = " + sae.dIn() + " but the residuals have d = " + d);
        SparseRows.Builder b = new SparseRows.Builder(sae.dSae());
        int chunk = 256;
        for (int from = 0; from < n; from += chunk) {
            int rows = Math.min(chunk, n - from);
            float[] f = sae.encode(Arrays.copyOfRange(w.residuals(), from * d, (from + rows) * d), rows);
            for (int r = 0; r < rows; r++) b.add(f, r * sae.dSae());
        }
        return new WordActivations(w.words(), w.letters(), w.residuals(), d, b.build());
    }

    /**
     * One letter's ground-truth probe, which does not depend on the SAE.
     *
     * @param trainPositives train words of the letter
     * @param testPositives  test words of the letter
     * @param probeSays      per test word (in {@link Probes#test()} order), whether the probe classifies it as this letter
     * @param direction      the probe's unit direction p̂ = w/‖w‖ [d]
     */
    public record LetterProbe(int letter, int trainPositives, int testPositives, LogisticRegression probe, boolean[] probeSays,
                              double probeF1, double[] direction) {}

    /** The train/test split of the words and the probe of each letter present in both (with a negative in train). */
    public record Probes(int[] train, int[] test, List<LetterProbe> letters) {}

    /** The split and the letter probes: the residual side of {@link #evaluate}, computed once for any number of SAEs. */
    public static Probes probes(WordResiduals a, Settings s) {
        int n = a.words().size(), d = a.d();
        int[][] split = SparseProbing.split(n, s.testFraction(), s.seed());
        int[] train = split[0], test = split[1];
        float[] xTrain = SparseProbing.gatherDense(a.residuals(), d, train, identity(d));
        List<Integer> present = new ArrayList<>();
        for (int l = 0; l < 26; l++) {
            int inTrain = count(a.letters(), train, l), inTest = count(a.letters(), test, l);
            if (inTrain > 0 && inTrain < train.length && inTest > 0) present.add(l);
        }
        LetterProbe[] probes = new LetterProbe[present.size()];
        // Letters are independent: fit them in parallel (each fit is single-threaded float64).
        Parallel.forRange(present.size(), q -> probes[q] = probe(present.get(q), a, train, test, xTrain, s));
        return new Probes(train, test, List.of(probes));
    }

    /** Probes, main latents and absorption from collected activations. */
    public static Result evaluate(SaeLatents sae, WordList.Selection selection, WordActivations a, Settings s) {
        return evaluate(sae, selection, a, s, probes(a.wordResiduals(), s));
    }

    /** Main latents and absorption of an SAE, with the letter probes computed once on the same words ({@link #probes}). */
    public static Result evaluate(SaeLatents sae, WordList.Selection selection, WordActivations a, Settings s, Probes probes) {
        int n = a.words().size();
        if (probes.train().length + probes.test().length != n) {
            throw new IllegalArgumentException("the letter probes were fitted on " + (probes.train().length + probes.test().length) + " words, not these " + n);
        }
        LetterResult[] results = new LetterResult[probes.letters().size()];
        Parallel.forRange(results.length, q -> results[q] = letter(probes.letters().get(q), sae, a, probes.train(), probes.test(), s));
        List<LetterResult> letters = List.of(results);
        int included = 0;
        double rate = 0, fraction = 0, mains = 0;
        for (LetterResult r : letters) {
            if (!r.included()) continue;
            included++;
            rate += r.absorptionRate();
            fraction += r.meanAbsorptionFraction();
            mains += r.mainLatents().length;
        }
        return new Result(sae.description(), s.layer(), s.seed(), TEMPLATE, s.iclExamples(), s.mainLatents().flag(), selection, n, probes.train().length, probes.test().length, letters, included,
                included == 0 ? Double.NaN : rate / included, included == 0 ? Double.NaN : fraction / included,
                included == 0 ? Double.NaN : mains / included);
    }

    private static LetterProbe probe(int l, WordResiduals a, int[] train, int[] test, float[] xTrain, Settings s) {
        int d = a.d();
        boolean[] yTrain = SparseProbing.classOf(a.letters(), train, l), yTest = SparseProbing.classOf(a.letters(), test, l);
        LogisticRegression probe = LogisticRegression.fit(xTrain, train.length, d, yTrain, LogisticRegression.positiveWeights(yTrain),
                s.probeWeightDecay() * 26 * train.length, LogisticRegression.DEFAULT_TOLERANCE, LogisticRegression.DEFAULT_MAX_ITERATIONS);
        boolean[] probeSays = new boolean[test.length];
        for (int i = 0; i < test.length; i++) probeSays[i] = probe.decision(a.residuals(), test[i], d) > 0;
        double[] p = probe.weights().clone();
        double norm = Math.sqrt(Lbfgs.dot(p, p));
        for (int e = 0; e < d; e++) p[e] /= norm;
        return new LetterProbe(l, SparseProbing.count(yTrain), SparseProbing.count(yTest), probe, probeSays, f1(probeSays, yTest), p);
    }

    private static LetterResult letter(LetterProbe lp, SaeLatents sae, WordActivations a, int[] train, int[] test, Settings s) {
        int d = a.d(), l = lp.letter();
        boolean[] yTrain = SparseProbing.classOf(a.letters(), train, l), yTest = SparseProbing.classOf(a.letters(), test, l);
        boolean[] probeSays = lp.probeSays();
        double probeF1 = lp.probeF1();

        // k-sparse probing on the latents, with feature splitting.
        Ranking ranking = rankLatents(a.latents(), train, yTrain, s);
        int[] ranked = ranking.latents();
        double[] balanced = LogisticRegression.balancedWeights(yTrain);
        List<Double> f1s = new ArrayList<>();
        int[] main = new int[0];
        double best = -100;
        for (int k = 1; k <= ranked.length; k++) {
            int[] cols = Arrays.copyOf(ranked, k);
            float[] kTrain = a.latents().gather(train, cols), kTest = a.latents().gather(test, cols);
            LogisticRegression kp = LogisticRegression.fit(kTrain, train.length, k, yTrain, balanced, 1.0,
                    LogisticRegression.DEFAULT_TOLERANCE, LogisticRegression.DEFAULT_MAX_ITERATIONS);
            boolean[] says = new boolean[test.length];
            for (int i = 0; i < test.length; i++) says[i] = kp.decision(kTest, i, k) > 0;
            double f = f1(says, yTest);
            f1s.add(f);
            if (f > best + s.f1Jump()) { best = f; main = cols; } else break;
        }

        // Absorption over the probe's true positives.
        double[] p = lp.direction();
        double[] cos = sae.decoderCosines(p);
        boolean[] isMain = new boolean[sae.dSae()];
        for (int j : main) isMain[j] = true;
        int tp = 0, full = 0;
        double fractionSum = 0;
        List<String> absorbed = new ArrayList<>();
        List<Integer> absorbers = new ArrayList<>();
        for (int i = 0; i < test.length; i++) {
            if (!yTest[i] || !probeSays[i]) continue;
            tp++;
            int w = test[i];
            double probeProj = 0;
            for (int e = 0; e < d; e++) probeProj += a.residuals()[w * d + e] * p[e];
            float[] f = a.latents().dense(w);
            int top = 0;
            for (int j = 1; j < f.length; j++) if (f[j] * cos[j] > f[top] * cos[top]) top = j;
            if (isFullAbsorption(f, main, cos, top, probeProj, s)) {
                full++;
                absorbed.add(a.words().get(w));
                absorbers.add(top);
            }
            fractionSum += absorptionFraction(f, isMain, main, cos, probeProj, s);
        }
        boolean included = probeF1 > s.minProbeF1() && tp > 0;
        return new LetterResult((char) ('a' + l), lp.trainPositives(), lp.testPositives(), probeF1, tp,
                f1s.stream().mapToDouble(Double::doubleValue).toArray(), main, full,
                tp == 0 ? Double.NaN : (double) full / tp, tp == 0 ? Double.NaN : fractionSum / tp, included,
                List.copyOf(absorbed), absorbers.stream().mapToInt(Integer::intValue).toArray(), ranking.converged());
    }

    /** The top {@code maxK} latents of a letter, best first, and whether the fit that ranked them converged. */
    record Ranking(int[] latents, boolean converged) {}

    /**
     * SAEBench's k-sparse probing selection ({@link MainLatentRanking#L1_PROBE}): an L1 logistic
     * regression on all latents of the train words, positives weighted n_neg/n_pos, λ1 = l1Decay ·
     * n_train and λ2 = l1WeightDecay · 26 · n_train (SAEBench's loss, BCE averaged over samples and
     * 26 outputs plus l1_decay · mean over outputs of ‖w‖₁, times 26·n_train); latents ranked by
     * signed weight, largest first (SAEBench's {@code topk}, not by |w|: a latent with a negative
     * weight does not stand for the letter). Weights the L1 term sets exactly to 0 tie; ties are
     * broken by class-mean difference, then index (SAEBench's Adam leaves them tiny and noisy
     * instead). {@link MainLatentRanking#MEAN_DIFF}: the class-mean difference alone.
     */
    static Ranking rankLatents(SparseRows latents, int[] train, boolean[] yTrain, Settings s) {
        double[] meanDiff = latents.meanDifference(train, yTrain);
        if (s.mainLatents() == MainLatentRanking.MEAN_DIFF) return new Ranking(SparseProbing.rank(meanDiff, s.maxK(), false), true);
        int n = train.length;
        L1LogisticRegression fit = L1LogisticRegression.fit(latents, train, yTrain, LogisticRegression.positiveWeights(yTrain), s.l1Decay() * n, s.l1WeightDecay() * 26 * n,
                L1LogisticRegression.DEFAULT_TOLERANCE, L1LogisticRegression.DEFAULT_MAX_ITERATIONS);
        double[] w = fit.weights();
        int k = Math.min(s.maxK(), w.length);
        int[] top = new int[k];
        boolean[] taken = new boolean[w.length];
        for (int q = 0; q < k; q++) {
            int best = -1;
            for (int j = 0; j < w.length; j++) {
                if (taken[j]) continue;
                if (best < 0 || w[j] > w[best] || w[j] == w[best] && meanDiff[j] > meanDiff[best]) best = j;
            }
            taken[best] = true;
            top[q] = best;
        }
        return new Ranking(top, fit.converged());
    }

    /** SAEBench's {@code _is_full_absorption}. */
    static boolean isFullAbsorption(float[] f, int[] main, double[] cos, int top, double probeProj, Settings s) {
        for (int j : main) if (f[j] >= SILENT) return false;
        if (cos[top] < s.fullAbsorptionCos()) return false;
        if (probeProj <= 0) return false; // SAEBench rejects < 0; at exactly 0 its ratio is undefined
        return f[top] * cos[top] / probeProj >= s.projectionProportion();
    }

    /** SAEBench's absorption_fraction of one word. */
    static double absorptionFraction(float[] f, boolean[] isMain, int[] main, double[] cos, double probeProj, Settings s) {
        double mainProj = 0;
        for (int j : main) mainProj += f[j] * cos[j];
        List<Double> candidates = new ArrayList<>();
        for (int j = 0; j < f.length; j++) {
            double proj = f[j] * cos[j];
            if (!isMain[j] && cos[j] >= s.fractionCos() && proj > 0) candidates.add(proj);
        }
        candidates.sort((x, y) -> Double.compare(y, x));
        double absorbers = 0;
        for (int q = 0; q < Math.min(s.maxAbsorbers(), candidates.size()); q++) absorbers += candidates.get(q);
        if (mainProj >= probeProj || absorbers / probeProj < s.projectionProportion()) return 0;
        if (mainProj <= 0) return 1;
        double absorbed = Math.min(absorbers, probeProj - mainProj);
        return Math.max(0, Math.min(1, absorbed / (absorbed + mainProj)));
    }

    static double f1(boolean[] predicted, boolean[] actual) {
        int tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < actual.length; i++) {
            if (predicted[i] && actual[i]) tp++;
            else if (predicted[i]) fp++;
            else if (actual[i]) fn++;
        }
        return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    private static int count(int[] letters, int[] rows, int l) {
        int c = 0;
        for (int r : rows) if (letters[r] == l) c++;
        return c;
    }

    private static int[] identity(int d) {
        int[] c = new int[d];
        for (int i = 0; i < d; i++) c[i] = i;
        return c;
    }
}
