package saelab.eval.probe;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import saelab.model.gemma2.Hooks;
import saelab.model.GemmaConfig;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.safetensors.Dtype;
import saelab.model.synthetic.RandomGemma2Checkpoint;
import saelab.model.synthetic.SyntheticTokenizer;
import saelab.model.tokenizer.GemmaTokenizer;
import saelab.train.sae.SaeParams;

/**
 * First-letter absorption on a tiny random Gemma-2 whose embedding is planted: the embedding of
 * a word token "▁word" has A/√h on coordinate letter(word) (0..25), so the residual after layer 0
 * holds ≈ A there (the embedding is scaled by √h; each sublayer adds an output of RMS ≈ 1 per
 * coordinate, far below A = 20), and the words of a chosen set S (half of the test words of the
 * letter ℓ with the most test words) also carry C = 40 on a flag coordinate 26. Constructed SAEs
 * read these coordinates, so what fires on which word is known by construction.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FirstLetterAbsorptionTest {
    static final int LAYER = 0, FLAG = 26, ABSORBER = 27, M = 32, VOCAB = 8192;
    static final double A = 20, C = 40;
    static final long SEED = 4;

    @TempDir
    static Path dir;
    Gemma2Model model;
    GemmaTokenizer tokenizer;
    WordList.Selection selection;
    FirstLetterAbsorption.Settings settings = FirstLetterAbsorption.Settings.defaults(LAYER, SEED);
    int letter; // ℓ
    Set<String> absorbedSet = new HashSet<>();
    List<String> testWordsOfLetter = new ArrayList<>();
    int d;

    @BeforeAll
    void setUp() throws Exception {
        GemmaConfig config = TinyModels.withVocab(GemmaConfig.tiny(), VOCAB);
        d = config.hiddenSize();
        RandomGemma2Checkpoint.write(dir, RandomGemma2Checkpoint.Spec.of(config, Dtype.F32, 8), bytes -> { });
        SyntheticTokenizer.write(dir, VOCAB, 8);
        tokenizer = GemmaTokenizer.load(dir);

        // The word list: every "▁letters" token of the vocabulary, plus words that must be left out.
        List<String> list = new ArrayList<>(TinyModels.vocabularyWords(tokenizer));
        int singles = list.size();
        list.add("can't");
        list.add("qqqxqqqzqqqj");
        list.add(list.get(0));
        Path words = dir.resolve("words.txt");
        Files.write(words, list);
        selection = WordList.singleTokenWords(WordList.read(words), tokenizer);
        // A vocabulary token is not always what BPE produces for its text (merge order): those
        // words count as not single-token, as does the made-up one.
        assertEquals(1, selection.notAlphabetic());
        assertEquals(1, selection.duplicates());
        assertEquals(singles + 1, selection.words().size() + selection.notSingleToken());
        assertTrue(selection.words().size() > 60, selection.words().size() + " single-token words");
        for (String w : selection.words()) assertEquals(1, tokenizer.encode(" " + w, false).length, w);

        // Which words are test words is fixed by the word list and the seed alone: choose S from them.
        AbsorptionPrompts.Prompts prompts = AbsorptionPrompts.prompts(tokenizer, selection, settings);
        int[] test = SparseProbing.split(prompts.words().size(), settings.testFraction(), SEED)[1];
        int[] perLetter = new int[26];
        for (int i : test) perLetter[prompts.words().get(i).charAt(0) - 'a']++;
        for (int l = 0; l < 26; l++) if (perLetter[l] > perLetter[letter]) letter = l;
        for (int i : test) if (prompts.words().get(i).charAt(0) - 'a' == letter) testWordsOfLetter.add(prompts.words().get(i));
        assertTrue(testWordsOfLetter.size() >= 4, "letter " + (char) ('a' + letter) + " has " + testWordsOfLetter.size() + " test words");
        absorbedSet.addAll(testWordsOfLetter.subList(0, testWordsOfLetter.size() / 2));

        float[] emb = new float[VOCAB * d];
        SplittableRandom r = new SplittableRandom(12);
        double scale = Math.sqrt(d);
        for (int i = 0; i < emb.length; i++) emb[i] = (float) (0.02 * r.nextGaussian());
        for (int q = 0; q < selection.words().size(); q++) {
            String w = selection.words().get(q);
            int id = selection.tokenIds()[q];
            emb[id * d + (w.charAt(0) - 'a')] += (float) (A / scale);
            if (absorbedSet.contains(w)) emb[id * d + FLAG] += (float) (C / scale);
        }
        TinyModels.replaceEmbedding(dir, emb);
        model = Gemma2Model.load(dir);
    }

    @AfterAll
    void tearDown() {
        if (model != null) model.close();
    }

    /**
     * Latent l < 26 reads coordinate l with bias −A/2 (fires ≈ A/2 on letter-l words) and decodes
     * to e_l. With {@code absorb}: latent ℓ also reads −2·flag (silent on S), and latent ABSORBER
     * reads the flag with bias −C/2 (fires ≈ C/2 on S only) and decodes to e_ℓ.
     */
    SaeLatents sae(boolean absorb) {
        float[] wEnc = new float[d * M], bEnc = new float[M], wDec = new float[M * d], bDec = new float[d];
        for (int l = 0; l < 26; l++) {
            wEnc[l * M + l] = 1;
            bEnc[l] = (float) (-A / 2);
            wDec[l * d + l] = 1;
        }
        if (absorb) {
            wEnc[FLAG * M + letter] = -2;
            wEnc[FLAG * M + ABSORBER] = 1;
            bEnc[ABSORBER] = (float) (-C / 2);
        } else {
            bEnc[ABSORBER] = -1e6f;
        }
        wDec[ABSORBER * d + letter] = 1;
        for (int j = ABSORBER + 1; j < M; j++) { bEnc[j] = -1e6f; wDec[j * d + 40 + j - ABSORBER] = 1; } // never fire
        return SaeLatents.relu(SaeParams.of(d, M, wEnc, bEnc, wDec, bDec));
    }

    FirstLetterAbsorption.LetterResult letterResult(FirstLetterAbsorption.Result res, int l) {
        return res.letters().stream().filter(x -> x.letter() == 'a' + l).findFirst().orElseThrow();
    }

    @ParameterizedTest
    @EnumSource(FirstLetterAbsorption.MainLatentRanking.class)
    void theAbsorbedHalfOfOneLetterGivesTheExactRate(FirstLetterAbsorption.MainLatentRanking ranking) {
        FirstLetterAbsorption.Result res = FirstLetterAbsorption.run(model, tokenizer, sae(true), selection, settings.withMainLatents(ranking), done -> { });
        assertExactRate(res);
        assertEquals(ranking.flag(), res.mainLatentRanking());
    }

    /** The planted SAE absorbs exactly the words of S: rate |S| / test words of ℓ, nothing elsewhere. */
    void assertExactRate(FirstLetterAbsorption.Result res) {
        var lr = letterResult(res, letter);
        System.out.printf("absorption: %d words (%d test), letter %s: %d absorbed of %d true positives, rate %.3f; %d letters included%n",
                res.wordsUsed(), res.test(), lr.letter(), lr.fullAbsorptions(), lr.probeTruePositives(), lr.absorptionRate(), res.lettersIncluded());
        // The planted probe direction is clean: every test word of ℓ is a true positive.
        assertEquals(testWordsOfLetter.size(), lr.testWords());
        assertEquals(testWordsOfLetter.size(), lr.probeTruePositives());
        assertEquals(1.0, lr.probeF1(), 0.0);
        assertArrayEquals(new int[] {letter}, lr.mainLatents(), "main latent of ℓ: its own");
        assertEquals(absorbedSet, new HashSet<>(lr.absorbedWords()));
        for (int j : lr.absorbingLatents()) assertEquals(ABSORBER, j);
        double expected = (double) absorbedSet.size() / testWordsOfLetter.size();
        assertEquals(expected, lr.absorptionRate(), 0.0);
        // S words: main silent, the absorber carries the whole projection → fraction 1; others 0.
        assertEquals(expected, lr.meanAbsorptionFraction(), 1e-12);
        for (var other : res.letters()) {
            if (other.letter() == 'a' + letter) continue;
            assertEquals(0, other.fullAbsorptions(), "letter " + other.letter());
            if (other.probeTruePositives() > 0) assertEquals(0.0, other.absorptionRate());
        }
        assertTrue(res.lettersIncluded() > 0);
        double mean = res.letters().stream().filter(FirstLetterAbsorption.LetterResult::included).mapToDouble(FirstLetterAbsorption.LetterResult::absorptionRate).average().orElseThrow();
        assertEquals(mean, res.meanAbsorptionRate(), 1e-15);
        assertEquals(res.wordsUsed(), res.train() + res.test());
        for (var l : res.letters()) assertTrue(l.rankingConverged(), "letter " + l.letter() + ": the ranking's fit converged");
    }

    @ParameterizedTest
    @EnumSource(FirstLetterAbsorption.MainLatentRanking.class)
    void nothingAbsorbedGivesZero(FirstLetterAbsorption.MainLatentRanking ranking) {
        FirstLetterAbsorption.Result res = FirstLetterAbsorption.run(model, tokenizer, sae(false), selection, settings.withMainLatents(ranking), done -> { });
        assertEquals(testWordsOfLetter.size(), letterResult(res, letter).probeTruePositives());
        for (var l : res.letters()) {
            assertEquals(0, l.fullAbsorptions(), "letter " + l.letter());
            if (l.probeTruePositives() > 0) assertEquals(0.0, l.meanAbsorptionFraction(), "letter " + l.letter());
        }
        assertEquals(0.0, res.meanAbsorptionRate());
        assertEquals(1.0, res.meanMainLatents(), "one main latent per letter");
    }

    @Test
    void maxWordsSamplesDeterministically() {
        var s = settings.withMaxWords(10);
        var a = AbsorptionPrompts.prompts(tokenizer, selection, s);
        assertTrue(a.words().size() <= 10 && a.words().size() >= 8, "10 sampled, a few may fail the template check: " + a.words().size());
        assertEquals(a.words(), AbsorptionPrompts.prompts(tokenizer, selection, s).words());
    }

    @Test
    void iclPromptsReadTheWordUnderTestAtItsOwnToken() {
        var s = settings.withIclExamples(FirstLetterAbsorption.SAEBENCH_ICL_EXAMPLES);
        var icl = AbsorptionPrompts.prompts(tokenizer, selection, s);
        var bare = AbsorptionPrompts.prompts(tokenizer, selection, settings);
        assertTrue(icl.words().size() >= bare.words().size() * 9 / 10, icl.words().size() + " of " + bare.words().size() + " words keep their token in the ICL prompt");
        for (int q = 0; q < icl.words().size(); q++) {
            String word = icl.words().get(q);
            int index = selection.words().indexOf(word);
            List<String> examples = AbsorptionPrompts.iclExamples(selection.words(), index, s);
            assertEquals(10, new HashSet<>(examples).size(), "10 distinct examples");
            assertFalse(examples.contains(word), "the word under test is not its own example");
            assertEquals(examples, AbsorptionPrompts.iclExamples(selection.words(), index, s), "drawn deterministically");
            int[] ids = icl.ids().get(q);
            assertArrayEquals(tokenizer.encode(AbsorptionPrompts.iclPrompt(word, examples)), ids);
            int pos = icl.positions()[q];
            int[] plain = tokenizer.encode(FirstLetterAbsorption.TEMPLATE.replace("{word}", word));
            // The word's token, then exactly the bare prompt's tail: the word is the last of the examples' words.
            assertEquals(selection.tokenIds()[index], ids[pos], word);
            assertEquals(ids.length - (plain.length - FirstLetterAbsorption.WORD_POSITION), pos, word);
            assertTrue(pos > 10 * 2, "after the examples: position " + pos);
        }
        String text = AbsorptionPrompts.iclPrompt("cat", List.of("dog", "emu"));
        assertEquals("\n dog has the first letter: D\n emu has the first letter: E\n cat has the first letter:", text);

        // The captured residual is the row of the word's token in a pass of that prompt alone.
        var res = iclResiduals();
        assertEquals(icl.words(), res.words());
        for (int q : new int[] {0, icl.words().size() / 2, icl.words().size() - 1}) {
            int[] ids = icl.ids().get(q);
            float[] r = model.forward(ids, 1, Hooks.none().capture(LAYER).stopAfter(LAYER)).residual(LAYER);
            int pos = icl.positions()[q];
            for (int e = 0; e < d; e++) {
                float want = r[pos * d + e];
                // Same kernels, batch of equal-length prompts vs one: rows are computed independently, up to summation order.
                assertEquals(want, res.residuals()[q * d + e], 1e-4f * (1 + Math.abs(want)), res.words().get(q) + " coordinate " + e);
            }
            // The letter coordinate carries the planted ≈ A: it is the word's own row, not an example's.
            assertEquals(A, res.residuals()[q * d + (res.words().get(q).charAt(0) - 'a')], A / 4, res.words().get(q));
        }
    }

    @Test
    void withSaeBenchsIclExamplesThePlantedAbsorptionIsStillExact() {
        var s = settings.withIclExamples(FirstLetterAbsorption.SAEBENCH_ICL_EXAMPLES);
        SaeLatents sae = sae(true);
        FirstLetterAbsorption.Result res = FirstLetterAbsorption.evaluate(sae, selection, FirstLetterAbsorption.encode(iclResiduals(), sae), s);
        assertEquals(10, res.iclExamples());
        assumeSameWords(res);
        assertExactRate(res);
    }

    private FirstLetterAbsorption.WordResiduals iclResiduals;

    /** The words' residuals in SAEBench's ICL prompts: model passes shared by the two ICL tests. */
    synchronized FirstLetterAbsorption.WordResiduals iclResiduals() {
        if (iclResiduals == null) {
            iclResiduals = FirstLetterAbsorption.residuals(model, tokenizer, selection,
                    settings.withIclExamples(FirstLetterAbsorption.SAEBENCH_ICL_EXAMPLES).withBatch(64), done -> { });
        }
        return iclResiduals;
    }

    /** The planted set S was chosen from the bare prompts' test words: the ICL prompts must keep the same words for it to apply. */
    void assumeSameWords(FirstLetterAbsorption.Result res) {
        assertEquals(AbsorptionPrompts.prompts(tokenizer, selection, settings).words().size(), res.wordsUsed(),
                "every word keeps its token in its ICL prompt, so the split (and S) is the bare prompts'");
    }

    /**
     * Latent 0 fires 1.0 on every positive and nothing else (a clean but small feature); latent 1
     * fires 50 on 60% of the positives and 20% of the negatives (class-mean difference 20 vs 1).
     * Mean-diff ranks the loud noisy latent first; the L1 probe, as SAEBench's, the clean one (its
     * weight must be large to use a value of 1), and it gives no weight to latent 2, which never fires.
     */
    @Test
    void theL1ProbeRanksTheCleanLatentFirstWhereMeanDiffPicksTheLoudOne() {
        int n = 100, m = 3;
        SparseRows.Builder b = new SparseRows.Builder(m);
        boolean[] y = new boolean[n];
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i < 30;
            rows[i] = i;
            float[] row = new float[m];
            if (y[i]) row[0] = 1;
            if (y[i] ? i % 10 < 6 : i % 10 < 2) row[1] = 50;
            b.add(row, 0);
        }
        SparseRows x = b.build();
        var s = settings.withMainLatents(FirstLetterAbsorption.MainLatentRanking.MEAN_DIFF);
        assertArrayEquals(new int[] {1, 0, 2}, FirstLetterAbsorption.rankLatents(x, rows, y, s).latents());
        var l1 = FirstLetterAbsorption.rankLatents(x, rows, y, s.withMainLatents(FirstLetterAbsorption.MainLatentRanking.L1_PROBE));
        assertTrue(l1.converged());
        assertEquals(0, l1.latents()[0]);
    }
}
