package saelab.eval.experiment;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import saelab.eval.probe.FirstLetterAbsorption;
import saelab.eval.probe.ProbeJson;
import saelab.eval.probe.SaeLatents;
import saelab.eval.probe.WordList;
import saelab.eval.report.HtmlReport;
import saelab.eval.report.Plots;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.tokenizer.GemmaTokenizer;
import saelab.train.sae.SaeParams;
import saelab.train.trainer.TrainConfig;

/**
 * SAEBench's first-letter absorption ({@link FirstLetterAbsorption}) of each run's final SAE, with
 * {@code saelab absorption}'s settings (seed {@value #SEED}, SAEBench's thresholds) and at most
 * {@code maxWords} single-token words of the word list, the main latents ranked as told (default:
 * SAEBench's L1 probe) and the ICL examples told (default {@value FirstLetterAbsorption#DEFAULT_ICL_EXAMPLES};
 * SAEBench 10, ≈ 12× the model time), so that {@code saelab absorption --sae OUT/runs/<run>
 * --max-words N --main-latents R --icl-examples E} reproduces a run's numbers. The residual side is computed once per
 * experiment ({@link #prepare}): the words' residuals (one pass of the model) and the letter
 * probes, the same for every SAE. Per run: the mean full-absorption rate and absorption fraction
 * over the letters whose probe reaches F1 > 0.6, the mean number of main latents, and the rate
 * and fraction of every letter probed; the whole result in {@code runs/<run>/first-letter-absorption.json}.
 */
public final class FirstLetterAbsorptionMetric implements ModelMetric {
    /** {@code saelab absorption}'s default seed. */
    public static final long SEED = 42;
    /** Words probed unless told otherwise: about 150 per letter, a few minutes of gemma-2-2b once per experiment. */
    public static final int DEFAULT_MAX_WORDS = 4000;
    /** Fewer single-token words than this cannot train 26 letter probes. */
    static final int MIN_WORDS = 10;
    public static final String FILE = "first-letter-absorption.json";
    public static final String RATE = "first_letter_absorption_rate", FRACTION = "first_letter_absorption_fraction",
            MAIN_LATENTS = "first_letter_main_latents";

    private final Path wordFile;
    private final int maxWords;
    private final FirstLetterAbsorption.MainLatentRanking mainLatents;
    private final int iclExamples;
    private FirstLetterAbsorption.Settings settings;
    private WordList.Selection selection;
    private FirstLetterAbsorption.WordResiduals words;
    private FirstLetterAbsorption.Probes probes;

    /** With the default main-latent ranking (L1 probe) and ICL examples ({@value FirstLetterAbsorption#DEFAULT_ICL_EXAMPLES}). */
    public FirstLetterAbsorptionMetric(Path wordFile, int maxWords) {
        this(wordFile, maxWords, FirstLetterAbsorption.MainLatentRanking.L1_PROBE, FirstLetterAbsorption.DEFAULT_ICL_EXAMPLES);
    }

    /**
     * @param maxWords    0: every single-token word of the list
     * @param mainLatents how each letter's latents are ranked for the k-sparse probes
     * @param iclExamples in-context examples before each word (SAEBench: 10)
     */
    public FirstLetterAbsorptionMetric(Path wordFile, int maxWords, FirstLetterAbsorption.MainLatentRanking mainLatents, int iclExamples) {
        if (maxWords < 0) throw new IllegalArgumentException("--absorption-words must be ≥ 0 (0: all), got " + maxWords);
        if (iclExamples < 0) throw new IllegalArgumentException("--absorption-icl-examples must be ≥ 0, got " + iclExamples);
        this.wordFile = wordFile.toAbsolutePath().normalize();
        this.maxWords = maxWords;
        this.mainLatents = mainLatents;
        this.iclExamples = iclExamples;
    }

    /** How the main latents are ranked. */
    public FirstLetterAbsorption.MainLatentRanking mainLatents() { return mainLatents; }

    /** In-context examples before each word. */
    public int iclExamples() { return iclExamples; }

    public static String rateKey(char letter) { return RATE + "_" + letter; }

    public static String fractionKey(char letter) { return FRACTION + "_" + letter; }

    @Override public String name() { return "first-letter absorption"; }

    @Override public void prepare(ExperimentConfig config, Gemma2Model model, Consumer<String> progress, Consumer<String> log) {
        ModelData md = config.model();
        GemmaTokenizer tokenizer = GemmaTokenizer.load(md.model());
        progress.accept("reading " + wordFile);
        selection = WordList.singleTokenWords(WordList.read(wordFile), tokenizer);
        if (selection.words().size() < MIN_WORDS) {
            throw new IllegalArgumentException(wordFile + ": only " + selection.words().size() + " of its " + selection.read()
                    + " words are one token of " + md.modelName() + "'s tokenizer: too few to probe first letters (give another --words, or --no-absorption)");
        }
        settings = FirstLetterAbsorption.Settings.defaults(md.layer(), SEED).withMaxWords(maxWords).withMainLatents(mainLatents)
                .withIclExamples(iclExamples);
        int n = maxWords > 0 ? Math.min(maxWords, selection.words().size()) : selection.words().size();
        words = FirstLetterAbsorption.residuals(model, tokenizer, selection, settings,
                done -> progress.accept(String.format(Locale.ROOT, "residuals of word %d of %d", done, n)));
        progress.accept(String.format(Locale.ROOT, "letter probes on %d words", words.words().size()));
        probes = FirstLetterAbsorption.probes(words, settings);
        long included = probes.letters().stream().filter(p -> p.probeF1() > settings.minProbeF1()).count();
        log.accept(String.format(Locale.ROOT, "%s: %d words, %d single-token, %d used (%d train / %d test); %d letters probed, %d with probe F1 > %.1f",
                wordFile, selection.read(), selection.words().size(), words.words().size(), probes.train().length, probes.test().length,
                probes.letters().size(), included, settings.minProbeF1()));
    }

    @Override public List<ExperimentReport.Column> summaryColumns() {
        return List.of(new ExperimentReport.Column(RATE, "first-letter absorption", 3), new ExperimentReport.Column(FRACTION, "absorption fraction", 3));
    }

    @Override public List<ExperimentReport.Column> runColumns() {
        return List.of(new ExperimentReport.Column(RATE, "first-letter absorption", 4), new ExperimentReport.Column(FRACTION, "absorption fraction", 4),
                new ExperimentReport.Column(MAIN_LATENTS, "main latents", 2));
    }

    /** The absorption result of one SAE, beside the letter probes computed once. */
    FirstLetterAbsorption.Result absorption(Context c, SaeLatents latents) {
        if (probes == null) throw new IllegalStateException("first-letter absorption was not prepared");
        c.progress().accept("eval: first-letter absorption");
        return FirstLetterAbsorption.evaluate(latents, selection, FirstLetterAbsorption.encode(words, latents), settings, probes);
    }

    @Override public Map<String, Double> measure(Context c, TrainConfig cfg, SaeParams sae) {
        FirstLetterAbsorption.Result r = absorption(c, SaeLatents.of(cfg, sae));
        ProbeJson.write(c.runDir().resolve(FILE), r);
        saelab.eval.saebench.ExperimentSaeBench.absorption(c, cfg, r, settings);
        Map<String, Double> o = new LinkedHashMap<>();
        o.put(RATE, r.meanAbsorptionRate());
        o.put(FRACTION, r.meanAbsorptionFraction());
        o.put(MAIN_LATENTS, r.meanMainLatents());
        for (FirstLetterAbsorption.LetterResult l : r.letters()) {
            o.put(rateKey(l.letter()), l.absorptionRate());
            o.put(fractionKey(l.letter()), l.meanAbsorptionFraction());
        }
        return o;
    }

    /** A letter counts in the means when its probe's F1 exceeds the bar and it classifies at least one test word of the letter right. */
    private boolean included(FirstLetterAbsorption.LetterProbe p) {
        boolean tp = false;
        for (int i = 0; i < probes.test().length; i++) tp |= p.probeSays()[i] && words.letters()[probes.test()[i]] == p.letter();
        return p.probeF1() > settings.minProbeF1() && tp;
    }

    @Override public void results(ObjectNode o) {
        if (probes == null) return; // not prepared: nothing measured
        o.put("word_list", wordFile.toString());
        o.put("words_read", selection.read());
        o.put("single_token_words", selection.words().size());
        o.put("max_words", maxWords);
        o.put("words_used", words.words().size());
        o.put("train", probes.train().length);
        o.put("test", probes.test().length);
        o.put("template", FirstLetterAbsorption.TEMPLATE);
        o.put("icl_examples", settings.iclExamples());
        o.put("main_latent_ranking", settings.mainLatents().flag());
        o.put("seed", settings.seed());
        o.put("layer", settings.layer());
        o.put("min_probe_f1", settings.minProbeF1());
        ArrayNode letters = o.putArray("letters");
        for (FirstLetterAbsorption.LetterProbe p : probes.letters()) {
            ObjectNode l = letters.addObject();
            l.put("letter", String.valueOf((char) ('a' + p.letter())));
            l.put("train_words", p.trainPositives());
            l.put("test_words", p.testPositives());
            l.put("probe_f1", p.probeF1());
            l.put("included", included(p));
        }
        o.put("per_run_file", "runs/<variant>-seed<s>/" + FILE);
    }

    @Override public void report(HtmlReport h, Experiment.Result r, Path plotDir) throws IOException {
        if (probes == null) return;
        h.heading("First-letter absorption");
        List<FirstLetterAbsorption.LetterProbe> in = probes.letters().stream().filter(this::included).toList();
        h.paragraph(String.format(Locale.ROOT, "SAEBench's first-letter absorption on %s: %d words, %d of them one token (\"▁word\"), %d used (%s"
                        + "%d train / %d test, seed %d), each in the prompt \"<bos>%s\"%s, residual after layer %d at the word. Per letter a logistic "
                        + "probe on the residuals (computed once: it does not depend on the SAE); main latents by k-sparse probing on the latents "
                        + "(ranked by %s; k grows while test F1 rises by > %.2f); full absorption = main latents silent on a test word the probe gets right while "
                        + "another latent with cos ≥ %.3f to the probe carries ≥ %.1f of its projection; absorption fraction as SAEBench. Means over "
                        + "the %d letters whose probe F1 exceeds %.1f (SAEBench asks for 20 such letters; the table marks those left out). Lower is better. "
                        + "Every number is in results.json, each run's per letter in runs/<variant>-seed<s>/%s; `saelab absorption --model %s "
                        + "--sae runs/<variant>-seed<s> --words %s --max-words %d --main-latents %s --icl-examples %d` reproduces a run.",
                wordFile, selection.read(), selection.words().size(), words.words().size(), maxWords > 0 ? "a seeded sample of at most " + maxWords + "; " : "",
                probes.train().length, probes.test().length, settings.seed(), FirstLetterAbsorption.TEMPLATE,
                settings.iclExamples() == 0 ? " (no in-context examples; SAEBench puts 10 before it)"
                        : " after " + settings.iclExamples() + " in-context examples (SAEBench's format)", settings.layer(),
                settings.mainLatents() == FirstLetterAbsorption.MainLatentRanking.L1_PROBE
                        ? "the weights of an L1-regularised probe on all latents, as SAEBench" : "class-mean difference (SAEBench: an L1 probe's weights)",
                settings.f1Jump(), settings.fullAbsorptionCos(), settings.projectionProportion(), in.size(), settings.minProbeF1(), FILE,
                r.config().model().model(), wordFile, maxWords, settings.mainLatents().flag(), settings.iclExamples()));
        List<String> header = new ArrayList<>(List.of("letter", "test words", "probe F1"));
        r.config().variants().forEach(v -> header.add(v.id() + " rate"));
        List<List<String>> rows = new ArrayList<>();
        for (FirstLetterAbsorption.LetterProbe p : probes.letters()) {
            char c = (char) ('a' + p.letter());
            List<String> row = new ArrayList<>(List.of(included(p) ? String.valueOf(c) : c + " (left out)", Integer.toString(p.testPositives()),
                    String.format(Locale.ROOT, "%.3f", p.probeF1())));
            for (Variant v : r.config().variants()) row.add(Experiment.finalSpread(r, v.id(), rateKey(c)).format(3));
            rows.add(row);
        }
        h.table(header, rows);
        if (in.isEmpty()) return;
        // The variants of the co-firing histograms (TopK, static, adaptive), as there: every variant's bars per letter are unreadable.
        List<String> drawn = ExperimentPlots.histogramVariants(r);
        List<String> bins = in.stream().map(p -> String.valueOf((char) ('a' + p.letter()))).toList();
        Map<String, double[]> series = new LinkedHashMap<>();
        double max = 0;
        for (String v : drawn) {
            double[] rate = new double[bins.size()];
            for (int i = 0; i < rate.length; i++) {
                rate[i] = Experiment.finalSpread(r, v, rateKey(bins.get(i).charAt(0))).mean();
                max = Math.max(max, rate[i]);
            }
            series.put(v, rate);
        }
        if (!(max > 0)) {
            h.paragraph("No plot of the rate per letter: it is 0 for every letter and every variant drawn (" + String.join(", ", drawn) + ").");
            return;
        }
        Path png = Plots.histograms(plotDir.resolve("first-letter-absorption.png"), "First-letter absorption rate per letter (final SAEs, mean over seeds)",
                "first letter (letters whose probe F1 > " + settings.minProbeF1() + ")", "full-absorption rate", bins, series, false, true);
        h.image(png, "Per letter, the share of the probe's true positives among the test words on which the SAE's main latents for that letter "
                + "stay silent while another latent aligned with the probe fires in their place (lower is better), for " + String.join(", ", drawn)
                + "; every variant is in the table above.");
    }
}
