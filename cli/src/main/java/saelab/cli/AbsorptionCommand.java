package saelab.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import saelab.eval.probe.FirstLetterAbsorption;
import saelab.eval.saebench.AbsorptionEval;
import saelab.eval.probe.ProbeJson;
import saelab.eval.probe.SaeLatents;
import saelab.eval.probe.WordList;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.tokenizer.GemmaTokenizer;

/** SAEBench's first-letter absorption of an SAE. */
@Command(name = "absorption", mixinStandardHelpOptions = true,
        header = "First-letter absorption (SAEBench): how often an SAE's main latents for a letter are absorbed by another.",
        description = {
                "First-letter absorption (SAEBench): how often an SAE's main latents for",
                "'starts with letter L' stay silent on an L-word while another latent aligned",
                "with the letter's probe fires in their place.",
                "",
                "Words: those of the word list made of letters A-Z that the tokenizer encodes",
                "(with a leading space) as one token '\u2581word'. Each goes in the prompt",
                "\"<bos> {word} has the first letter:\"; the residual after layer L at the word",
                "is its activation. With --icl-examples N, N other words come first in",
                "SAEBench's format (\"\\n cat has the first letter: C\\n ... \\n {word} has the",
                "first letter:\") and the word's token is still the one read. 80%% of the words",
                "train, 20%% test (--seed).",
                "Per letter: a logistic-regression probe on the residuals (class-balanced,",
                "SAEBench's weight decay); main latents by k-sparse probing (latents ranked by",
                "the weights of an L1-regularised probe on all latents, as SAEBench, or by",
                "class-mean difference; k = 1..10 while the test F1 rises by > 0.03); then, over",
                "the test words of the letter the probe gets right, full absorption = main",
                "latents silent (< 1e-8), the top-projecting latent has cos >= 0.025 with the",
                "probe and carries >= 0.4 of the probe projection; and SAEBench's absorption",
                "fraction (absorbers with cos >= 0.1, at most 3). Means over the letters whose",
                "probe F1 on the test words exceeds 0.6.",
                "",
                "Deviation from SAEBench by default: no in-context examples (SAEBench: 10).",
                "Ten make each prompt ~87 tokens instead of 7, ~12x the model time on a CPU",
                "(gemma-2-2b to layer 12, 2 cores: ~50 min instead of ~4 for 4000 words);",
                "--icl-examples 10 gives SAEBench's prompts.",
                "",
                "Word list (--words, else the first that exists): /usr/share/dict/words (Debian",
                "package wamerican), then the npm package " + WordList.NPM_PACKAGE + " as",
                "scripts/fetch-word-list.sh caches it in ~/.cache/saelab/word-list/words.txt.",
                ""})
public final class AbsorptionCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Gemma-2 checkpoint directory (config.json, tokenizer.json, safetensors).")
    Path model;

    @Option(names = "--sae", required = true, paramLabel = "CKPT", description = "SAELens checkpoint folder (cfg.json, sae_weights.safetensors).")
    Path sae;

    @Option(names = "--words", paramLabel = "FILE", description = "Word list, one word per line (default: see above).")
    Path words;

    @Option(names = "--layer", paramLabel = "L", description = "Residual after this layer (default: from the SAE's hook_name).")
    Integer layer;

    @Option(names = "--seed", defaultValue = "42", description = "Train/test shuffle and --max-words sample (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-words", defaultValue = "0", paramLabel = "N", description = "Use a seeded sample of N single-token words (default: 0 = all).")
    int maxWords;

    @Option(names = "--main-latents", defaultValue = "l1-probe", paramLabel = "RANKING",
            description = "How each letter's latents are ranked for the k-sparse probes: l1-probe (SAEBench: the signed weights of an "
                    + "L1-regularised logistic regression on all latents of the train words, lambda1 = 0.01 * n_train, solved exactly in "
                    + "float64 by FISTA; weights at exactly 0 tie-broken by class-mean difference; about 1 s per letter for 3,200 words of a "
                    + "16k-latent SAE) or mean-diff (class-mean difference, no fit) (default: ${DEFAULT-VALUE}).")
    String mainLatents;

    @Option(names = "--icl-examples", defaultValue = "" + FirstLetterAbsorption.DEFAULT_ICL_EXAMPLES, paramLabel = "N",
            description = "In-context examples before each word in SAEBench's format, drawn per word (seeded) from the other single-token "
                    + "words (default: ${DEFAULT-VALUE}; SAEBench: 10, about 12x the model time).")
    int iclExamples;

    @Option(names = "--batch", defaultValue = "16", description = "Prompts per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--out", paramLabel = "FILE.json", description = "Results JSON (default: runs/absorption-<time>.json).")
    Path out;

    /** The ranking a flag names, or an error that names the flag. */
    static FirstLetterAbsorption.MainLatentRanking ranking(String flag, String value) {
        try {
            return FirstLetterAbsorption.MainLatentRanking.ofFlag(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Integer call() {
        return ProbeSupport.reportingErrors("absorption", this::absorption);
    }

    private int absorption() {
        // The flags first: a typo should not wait for the word list and the SAE.
        if (iclExamples < 0) throw new IllegalArgumentException("--icl-examples must be ≥ 0, got " + iclExamples);
        FirstLetterAbsorption.MainLatentRanking ranking = ranking("--main-latents", mainLatents);
        ProbeSupport.requireInputs(model, sae, null);
        Sources.requireFile("--words", words, "a word list, one word per line");
        int l = ProbeSupport.layer(layer, sae);
        Path list = WordList.resolve(words);
        SaeLatents latents = SaeLatents.read(sae);
        GemmaTokenizer tokenizer = GemmaTokenizer.load(model);
        WordList.Selection sel = WordList.singleTokenWords(WordList.read(list), tokenizer);
        System.err.printf("absorption: %s: %d words, %d single-token (%d not alphabetic, %d several tokens, %d duplicate tokens)%n",
                list, sel.read(), sel.words().size(), sel.notAlphabetic(), sel.notSingleToken(), sel.duplicates());
        if (sel.words().size() < 10) throw new IllegalArgumentException(list + ": only " + sel.words().size() + " single-token words: too few to probe");
        FirstLetterAbsorption.Settings s = FirstLetterAbsorption.Settings.defaults(l, seed).withMaxWords(maxWords).withBatch(batch)
                .withMainLatents(ranking).withIclExamples(iclExamples);
        System.err.printf("absorption: SAE %s (%s); layer %d%n", sae, latents.description(), l);
        FirstLetterAbsorption.Result r;
        try (Gemma2Model gemma = Gemma2Model.load(model)) {
            int n = maxWords > 0 ? Math.min(maxWords, sel.words().size()) : sel.words().size();
            ProgressLine progress = new ProgressLine("absorption: model passes", n, "words", 1, System.err);
            r = FirstLetterAbsorption.run(gemma, tokenizer, latents, sel, s, progress::update);
        }
        Path file = out != null ? out : ProbeSupport.defaultOut("absorption");
        ProbeJson.write(file, r);
        System.out.printf(Locale.ROOT, "first-letter absorption: %d words (%d train / %d test), template \"%s\", %d ICL examples, main latents by %s%n",
                r.wordsUsed(), r.train(), r.test(), r.template(), r.iclExamples(), r.mainLatentRanking());
        System.out.printf("%6s  %6s  %8s  %6s  %5s  %8s  %6s  %9s%n", "letter", "test", "probe F1", "TP", "main", "absorbed", "rate", "fraction");
        for (var x : r.letters()) {
            System.out.printf(Locale.ROOT, "%6s  %6d  %8.3f  %6d  %5d  %8d  %6.3f  %9.3f%n", x.letter() + (x.included() ? "" : "*"),
                    x.testWords(), x.probeF1(), x.probeTruePositives(), x.mainLatents().length, x.fullAbsorptions(),
                    x.absorptionRate(), x.meanAbsorptionFraction());
        }
        System.out.printf(Locale.ROOT, "mean over %d letters (* = left out: probe F1 <= 0.6): absorption rate %.4f, absorption fraction %.4f, main latents %.2f%n",
                r.lettersIncluded(), r.meanAbsorptionRate(), r.meanAbsorptionFraction(), r.meanMainLatents());
        long unconverged = r.letters().stream().filter(x -> !x.rankingConverged()).count();
        if (unconverged > 0) System.out.println("note: the L1 probe ranking the latents stopped at its iteration cap before its KKT bar for " + unconverged + " letter(s)");
        if (r.lettersIncluded() < 20) System.out.println("note: SAEBench needs at least 20 letters with probe F1 > 0.6 to report absorption; this run has " + r.lettersIncluded());
        System.out.println("wrote " + file);
        System.out.println("wrote " + AbsorptionEval.write(ProbeSupport.saeBenchRoot(file), ProbeSupport.identity(sae), model.toString(), r, s)
                + " (SAEBench format)");
        return 0;
    }
}
