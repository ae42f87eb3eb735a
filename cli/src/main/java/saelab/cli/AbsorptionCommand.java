package saelab.cli;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import saelab.eval.probe.FirstLetterAbsorption;
import saelab.eval.probe.SaeLatents;
import saelab.eval.probe.WordList;
import saelab.model.GemmaConfig;
import saelab.model.gemma2.CheckpointException;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.safetensors.SafetensorsException;
import saelab.model.tokenizer.GemmaTokenizer;
import saelab.model.tokenizer.TokenizerException;

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
                "is its activation. 80% of the words train, 20% test (--seed).",
                "Per letter: a logistic-regression probe on the residuals (class-balanced,",
                "SAEBench's weight decay); main latents by k-sparse probing (latents ranked by",
                "class-mean difference, k = 1..10 while the test F1 rises by > 0.03); then, over",
                "the test words of the letter the probe gets right, full absorption = main",
                "latents silent (< 1e-8), the top-projecting latent has cos >= 0.025 with the",
                "probe and carries >= 0.4 of the probe projection; and SAEBench's absorption",
                "fraction (absorbers with cos >= 0.1, at most 3). Means over the letters whose",
                "probe F1 on the test words exceeds 0.6.",
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

    @Option(names = "--batch", defaultValue = "16", description = "Prompts per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--out", paramLabel = "FILE.json", description = "Results JSON (default: runs/absorption-<time>.json).")
    Path out;

    @Override
    public Integer call() {
        try {
            return absorption();
        } catch (IllegalArgumentException | UncheckedIOException | SafetensorsException | CheckpointException
                 | TokenizerException | GemmaConfig.ConfigException e) {
            System.err.println("absorption: " + e.getMessage());
            return 1;
        }
    }

    private int absorption() {
        int l = ProbeSupport.layer(layer, sae);
        Path list = WordList.resolve(words);
        SaeLatents latents = SaeLatents.read(sae);
        GemmaTokenizer tokenizer = GemmaTokenizer.load(model);
        WordList.Selection sel = WordList.singleTokenWords(WordList.read(list), tokenizer);
        System.err.printf("absorption: %s: %d words, %d single-token (%d not alphabetic, %d several tokens, %d duplicate tokens)%n",
                list, sel.read(), sel.words().size(), sel.notAlphabetic(), sel.notSingleToken(), sel.duplicates());
        if (sel.words().size() < 10) throw new IllegalArgumentException(list + ": only " + sel.words().size() + " single-token words: too few to probe");
        FirstLetterAbsorption.Settings s = new FirstLetterAbsorption.Settings(l, seed, 0.2, maxWords, batch, 1e-4, 10, 0.03, 0.6, 0.025, 0.1, 0.4, 3);
        System.err.printf("absorption: SAE %s (%s); layer %d%n", sae, latents.description(), l);
        FirstLetterAbsorption.Result r;
        try (Gemma2Model gemma = Gemma2Model.load(model)) {
            int n = maxWords > 0 ? Math.min(maxWords, sel.words().size()) : sel.words().size();
            ProgressLine progress = new ProgressLine("absorption: model passes", n, "words", 1, System.err);
            r = FirstLetterAbsorption.run(gemma, tokenizer, latents, sel, s, progress::update);
        }
        Path file = out != null ? out : ProbeSupport.defaultOut("absorption");
        ProbeSupport.writeJson(file, r);
        System.out.printf(Locale.ROOT, "first-letter absorption: %d words (%d train / %d test), template \"%s\"%n",
                r.wordsUsed(), r.train(), r.test(), r.template());
        System.out.printf("%6s  %6s  %8s  %6s  %5s  %8s  %6s  %9s%n", "letter", "test", "probe F1", "TP", "main", "absorbed", "rate", "fraction");
        for (var x : r.letters()) {
            System.out.printf(Locale.ROOT, "%6s  %6d  %8.3f  %6d  %5d  %8d  %6.3f  %9.3f%n", x.letter() + (x.included() ? "" : "*"),
                    x.testWords(), x.probeF1(), x.probeTruePositives(), x.mainLatents().length, x.fullAbsorptions(),
                    x.absorptionRate(), x.meanAbsorptionFraction());
        }
        System.out.printf(Locale.ROOT, "mean over %d letters (* = left out: probe F1 <= 0.6): absorption rate %.4f, absorption fraction %.4f, main latents %.2f%n",
                r.lettersIncluded(), r.meanAbsorptionRate(), r.meanAbsorptionFraction(), r.meanMainLatents());
        if (r.lettersIncluded() < 20) System.out.println("note: SAEBench needs at least 20 letters with probe F1 > 0.6 to report absorption; this run has " + r.lettersIncluded());
        System.out.println("wrote " + file);
        return 0;
    }
}
