package saelab.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import saelab.eval.experiment.Experiment;
import saelab.eval.report.LiveReport;
import saelab.model.RunLock;
import saelab.eval.experiment.ExperimentConfig;
import saelab.eval.experiment.ExperimentReport;
import saelab.eval.experiment.FirstLetterAbsorptionMetric;
import saelab.eval.experiment.ModelData;
import saelab.eval.experiment.ModelExperiment;
import saelab.eval.experiment.ModelMetric;
import saelab.eval.experiment.SparseProbingMetric;
import saelab.eval.experiment.Variant;
import saelab.eval.probe.FirstLetterAbsorption;
import saelab.eval.probe.LabelledTexts;
import saelab.eval.probe.WordList;
import saelab.model.GemmaConfig;
import saelab.model.gemma2.CheckpointException;
import saelab.model.harvest.HarvestException;
import saelab.model.harvest.HarvestSettings;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.SafetensorsException;
import saelab.model.tokenizer.TokenizerException;
import saelab.tensor.kernels.Parallel;
import saelab.train.trainer.TrainingDivergedException;

/**
 * {@code saelab experiment}: the main job. Trains every SAE variant over several seeds on the
 * embedded synthetic ground-truth source (or, with --model/--data, on a gemma-2 model's
 * activations), evaluates each at several training phases, and writes report.html, results.json
 * and the plots into one folder.
 */
@Command(name = "experiment", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The main job: does a progressive, sparsity-guided orthogonality penalty separate features better than a TopK SAE or a "
                + "static orthogonal SAE at equal reconstruction, and which schedule matters? Trains the TopK baseline, the static and adaptive "
                + "co-firing penalties, the seed's schedule variations and the literature's controls over several seeds on a synthetic source "
                + "with known features (each seed its own initialisation and data stream, the same seeds for every variant), evaluates them "
                + "(MCC, absorption with parent/child recall, reconstruction, per training phase), and writes report.html (verdict table first: "
                + "paired differences, Holm-corrected p-values, equivalence tests), results.json, ground-truth.safetensors and PNG plots.",
                "With no arguments: the bench preset, the 10 default variants × 5 seeds, about 7 minutes on 2 cores (AMD EPYC, build included).",
                "",
                "With --model DIR --data FILE: the same comparison on the residual stream of a gemma-2 checkpoint, at the seed experiment's "
                + "settings unless flags say otherwise (layer 12, context 128, m 16384, k 320, 2441 steps × 2048 rows, TopK lr 2e-4 and "
                + "ReLU lr 3e-4 scaled by √(16384/m)). The activations are harvested once into OUT/harvest/ (the held-out sequences "
                + "first, then the training tokens; resumable; a re-run with the same --out reuses it (with --overwrite where an experiment finished there), a larger --tokens extends it, "
                + "another model, data file, layer, context or dtype is refused). Each run trains from those shards and is evaluated on "
                + "the held-out activations (no ground truth here), and its final SAE also by splicing it into the model: SAEBench's "
                + "KL-div and CE-loss scores, with the raw KL and CE beside them; with --probe-data, SAEBench's sparse probing (top-k latents "
                + "vs top-k residual dimensions); and, when a word list is found (--words), SAEBench's first-letter absorption, which then "
                + "enters the conclusion. What does not depend on the SAE (the model's passes over the probing texts and words, the residual "
                + "baseline, the letter probes) is computed once, before the first run trains. At the seed's sizes this is a job of many hours "
                + "on 2 cores; size it with --tokens, --steps, --batch, --m, --k, --seeds, --variants.",
                ""})
public final class ExperimentCommand implements Callable<Integer> {

    /** --quick with --model: held-out tokens. */
    static final long QUICK_HELD_OUT_TOKENS = 1024;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default runs/experiment-<timestamp>).")
    Path out;
    @Option(names = "--preset", paramLabel = "NAME", description = "Synthetic source: bench (the default: 1024 true features in d 128 with "
            + "hierarchies whose parent/child co-firing straddles the penalty's threshold), small (the unit tests' source) or synthsaebench "
            + "(SynthSAEBench-16k: 16,384 features in d 768; hours on 2 cores). The SAE sizes follow the preset unless flags say otherwise.")
    String preset;
    @Option(names = "--seeds", description = "Seeds per variant, 0 … N−1 (default: 5 on bench, 3 on small and synthsaebench and with --model; --quick: 2).")
    Integer seeds;
    @Option(names = "--steps", description = "Training steps per run (default: 1000 on bench, 600 on small, 20000 on synthsaebench, 2441 with --model; --quick: 60).")
    Long steps;
    @Option(names = "--batch", description = "Rows per step (default: 1024 on bench and synthsaebench, 512 on small, 2048 with --model).")
    Integer batch;
    @Option(names = "--ev-margin", paramLabel = "Δ", description = "Equivalence margin for explained variance: two variants reconstruct "
            + "equally when a paired TOST bounds their difference within ±Δ (default " + ExperimentConfig.DEFAULT_EV_MARGIN + ").")
    Double evMargin;
    @Option(names = "--phases", description = "Evaluation snapshots at evenly spaced points of training (default ${DEFAULT-VALUE}).")
    int phases = 4;
    @Option(names = "--eval-rows", paramLabel = "N", description = "Rows of the synthetic held-out batch (default 8192, 16384 on synthsaebench; --quick: 2048). With --model see --heldout-tokens.")
    Integer evalRows;
    @Option(names = "--variants", split = ",", paramLabel = "ID", description = "Variants to run (default: all but standard): topk, static, adaptive, "
            + "adaptive-strong, adaptive-decay0.3, adaptive-decay0.1, adaptive-tuned, adaptive-min, adaptive-jaccard, orthogonal, batchtopk, matryoshka, standard, jumprelu, gated.")
    List<String> variants;
    @Option(names = "--m", description = "Latents (default: 512 on bench, 1024 on small, 4096 on synthsaebench; with --model 7.11·d, train's rule: 16384 at gemma-2-2b's d 2304).")
    Integer m;
    @Option(names = "--k", description = "TopK's k (default: 40 on bench, 8 on small, 25 on synthsaebench; with --model 0.139·d: 320 at d 2304).")
    Integer k;
    @Option(names = "--data-seed", description = "Seeds the synthetic source's true features (each run's seed sets its own data stream over them), "
            + "or with --model the shuffle of the training tokens (default ${DEFAULT-VALUE}).")
    long dataSeed = 0;
    @Option(names = "--recovery-bar", description = "Cosine at which a true feature counts as recovered (synthetic only; default 0.9).")
    Double bar;
    @Option(names = "--quick", description = "A small smoke run: 60 steps, 2 seeds, 2 phases, 2048 held-out rows (with --model: 1024 held-out tokens, 512-row batches, "
            + "m and k from the model's width as train sets them, its last layer if it has no layer 12); "
            + "flags given explicitly win. Too short for a verdict.")
    boolean quick;
    @Option(names = "--model", paramLabel = "DIR", description = "gemma-2 checkpoint folder (config.json, tokenizer.json, safetensors): run the comparison on its activations (with --data).")
    Path model;
    @Option(names = "--data", paramLabel = "FILE", description = "Text to harvest activations from (with --model): .txt, one document per line, or .jsonl with a \"text\" field.")
    Path data;
    @Option(names = "--layer", paramLabel = "L", description = "With --model: train on the residual after this layer (default " + ModelData.SEED_LAYER + ", or the last layer of a model with fewer).")
    Integer layer;
    @Option(names = "--context", paramLabel = "N", description = "With --model: tokens per packed sequence, <bos> included (default " + ModelData.SEED_CONTEXT + ").")
    Integer context;
    @Option(names = "--tokens", paramLabel = "N", converter = HarvestCommand.TokenCount.class,
            description = "With --model: training tokens to harvest (2M, 500k, 2e6 all work; default: steps × batch rows without repeats, "
                    + "i.e. ⌈steps·batch/(context − 1)⌉ sequences, as <bos> rows are not trained on). Fewer repeat in epochs.")
    Long tokens;
    @Option(names = "--heldout-tokens", paramLabel = "N", converter = HarvestCommand.TokenCount.class,
            description = "With --model: held-out tokens, rounded up to whole sequences (default " + ModelData.SEED_HELD_OUT_TOKENS + "; --quick: "
                    + QUICK_HELD_OUT_TOKENS + "): the core metrics' rows and the splice scores' sequences.")
    Long heldOutTokens;
    @Option(names = "--dtype", paramLabel = "f32|bf16", converter = HarvestCommand.ActivationDtype.class,
            description = "With --model: activation dtype of the harvest (default f32; bf16 halves the disk: 5M tokens × 2304 × 4 B = 46 GB in f32).")
    Dtype dtype;
    @Option(names = "--probe-data", paramLabel = "FILE.jsonl",
            description = "With --model: sparse probing of each run's final SAE on these labelled texts, one {\"text\": …, \"label\": …} per line "
                    + "(as saelab probe, seed " + SparseProbingMetric.SEED + "): test accuracy of the top-k latents for k = 1, 2, 5, 10, 20, 50 beside "
                    + "the top-k residual dimensions. Without it the report says sparse probing was not run.")
    Path probeData;
    @Option(names = "--words", paramLabel = "FILE",
            description = "With --model: word list of the first-letter absorption, one word per line (default: /usr/share/dict/words, else "
                    + "the cache of scripts/fetch-word-list.sh; with neither, absorption is not run and the report says how to get a list).")
    Path words;
    @Option(names = "--absorption-words", paramLabel = "N",
            description = "With --model: first-letter absorption on a seeded sample of at most N single-token words (default ${DEFAULT-VALUE}, "
                    + "≈ 150 per letter; 0 = all).")
    int absorptionWords = FirstLetterAbsorptionMetric.DEFAULT_MAX_WORDS;
    @Option(names = "--absorption-main-latents", paramLabel = "RANKING",
            description = "With --model: how the absorption ranks each letter's latents for its k-sparse probes: l1-probe (SAEBench: an "
                    + "L1-regularised logistic regression on all latents) or mean-diff (class-mean difference) (default: l1-probe).")
    String absorptionMainLatents;
    @Option(names = "--absorption-icl-examples", paramLabel = "N",
            description = "With --model: in-context examples before each absorption word (default " + FirstLetterAbsorption.DEFAULT_ICL_EXAMPLES
                    + "; SAEBench uses 10, about 12× the model time of the absorption's passes).")
    Integer absorptionIclExamples;
    @Option(names = "--no-absorption", description = "With --model: do not run the first-letter absorption.")
    boolean noAbsorption;
    @Option(names = "--threads", description = "Kernel threads (default: all cores).")
    Integer threads;
    @Option(names = "--quiet", description = "No progress lines.")
    boolean quiet;
    @Option(names = "--overwrite", description = "Replace an experiment already in --out (its runs/, results.json, report.html, plots/; "
            + "a model experiment's harvest/ is kept and reused); without it, or --resume, such a folder is refused.")
    boolean overwrite;
    @Option(names = "--resume", description = "Continue the experiment in --out after an interruption (Ctrl-C, a kill, a crash): runs that "
            + "finished with the same settings are reused, the others trained again from their start; the report is written anew.")
    boolean resume;

    Path lastReport;

    @Override public Integer call() {
        PrintStream err = System.err;
        ExperimentConfig cfg;
        try {
            cfg = config();
        } catch (IllegalArgumentException e) {
            err.println("saelab experiment: " + CliErrors.oneLine(e.getMessage()) + " (see saelab experiment --help)");
            return 2;
        }
        try (RunLock lock = RunLock.acquire(cfg.out())) {
            Experiment.prepareOutput(cfg.out(), overwrite, resume);
            if (threads != null) Parallel.setParallelism(threads);
            Main.announceBackend(err);
            if (cfg.onModel()) {
                ModelData md = cfg.model();
                err.printf(Locale.ROOT, "saelab experiment: %d variants × %d seeds, %d steps × %d rows, m %d, k %d, %d phases on %s layer %d, context %d: "
                                + "%d training + %d held-out tokens → %s%n", cfg.variants().size(), cfg.seeds().size(), cfg.steps(), cfg.batch(), cfg.m(),
                        cfg.k(), cfg.phases(), md.model(), md.layer(), md.context(), md.tokens(), md.heldOutRows(), cfg.out());
            } else {
                err.printf(Locale.ROOT, "saelab experiment: %d variants × %d seeds, %d steps × %d rows, %d phases, held-out %d rows → %s%n",
                        cfg.variants().size(), cfg.seeds().size(), cfg.steps(), cfg.batch(), cfg.phases(), cfg.evalRows(), cfg.out());
            }
            Experiment.Result r;
            try (LiveReport live = LiveReport.forExperiment(cfg.out())) { // every run's curves in live.html while it runs
                r = cfg.onModel() ? ModelExperiment.run(cfg, quiet ? null : err, modelMetrics()) : Experiment.run(cfg, quiet ? null : err);
            }
            err.println("saelab experiment: writing the report...");
            lastReport = ExperimentReport.write(r, cfg.out());
            err.println();
            err.println(ExperimentReport.conclusion(r));
            err.println();
            err.printf(Locale.ROOT, "saelab experiment: done in %.0f s: %s (results.json, plots/ beside it)%n", r.seconds(), lastReport);
            return 0;
        } catch (TrainingDivergedException e) {
            err.println("saelab experiment: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("saelab experiment: " + CliErrors.oneLine(e.getMessage()));
            return 2;
        } catch (HarvestException | SafetensorsException | CheckpointException | TokenizerException | GemmaConfig.ConfigException
                 | UncheckedIOException e) {
            err.println("saelab experiment: " + CliErrors.describe(e));
            return 1;
        } catch (IOException e) {
            err.println("saelab experiment: cannot write the report: " + CliErrors.describe(e));
            return 1;
        }
    }

    /**
     * What a --model run measures with the model on each final SAE, beside the core metrics: the
     * splice scores, sparse probing (with --probe-data) and first-letter absorption (when a word
     * list resolves and --no-absorption is not given); a metric not run says so in the report.
     * Input files are read here, before the harvest, so a bad one stops the run at once.
     */
    List<ModelMetric> modelMetrics() {
        List<ModelMetric> metrics = new ArrayList<>(ModelMetric.defaults());
        if (probeData != null) {
            metrics.add(new SparseProbingMetric(probeData, LabelledTexts.read(probeData)));
        } else {
            metrics.add(ModelMetric.notRun("sparse probing", "Sparse probing", "Sparse probing was not run. To run it, give the experiment "
                    + "--probe-data FILE.jsonl (one {\"text\": …, \"label\": …} per line, at least two labels): each run's final SAE is then "
                    + "probed on those texts (top-k latents vs top-k residual dimensions, k = 1 … 50). A run's SAE can also be probed afterwards: "
                    + "saelab probe --model " + model + " --sae runs/<variant>-seed<s> --data FILE.jsonl."));
        }
        if (noAbsorption) {
            metrics.add(ModelMetric.notRun("first-letter absorption", "First-letter absorption", "First-letter absorption was not run "
                    + "(--no-absorption). Without that flag it runs on a word list (--words FILE, else /usr/share/dict/words, else the cache of "
                    + "scripts/fetch-word-list.sh); a run's SAE can also be measured afterwards: saelab absorption --model " + model
                    + " --sae runs/<variant>-seed<s>."));
            return metrics;
        }
        Path list;
        try {
            list = WordList.resolve(words);
        } catch (IllegalArgumentException e) {
            if (words != null) throw e;
            metrics.add(ModelMetric.notRun("first-letter absorption", "First-letter absorption", "First-letter absorption was not run: "
                    + e.getMessage() + "."));
            return metrics;
        }
        metrics.add(new FirstLetterAbsorptionMetric(list, absorptionWords,
                absorptionMainLatents == null ? FirstLetterAbsorption.MainLatentRanking.L1_PROBE : AbsorptionCommand.ranking("--absorption-main-latents", absorptionMainLatents),
                absorptionIclExamples == null ? FirstLetterAbsorption.DEFAULT_ICL_EXAMPLES : absorptionIclExamples));
        return metrics;
    }

    /** The numeric flags given, and the resolved sizes they combine into: finite, signed and in range, the option named. */
    private void requireNumbers(long st, int b, int ph, int mm, int kk, double margin) {
        NumericOptions.positive("--steps", st);
        NumericOptions.positive("--batch", b);
        NumericOptions.positive("--m", mm);
        NumericOptions.positive("--k", kk);
        if (kk > mm) throw new IllegalArgumentException("--k " + kk + ": expected at most --m = " + mm + " (TopK keeps k of the m latents)");
        // Codes are batch × m floats in one array. The width d comes from the source, opened later; m ≥ d in every preset and
        // at the seed's model settings (a smaller --m on a wide model is not checked here).
        NumericOptions.fitsArray("--batch", b, mm, "m");
        NumericOptions.positiveFinite("--ev-margin", margin);
        NumericOptions.positive("--phases", ph);
        if (ph > st) throw new IllegalArgumentException("--phases " + ph + ": expected at most --steps = " + st + " (one snapshot per step at most)");
        if (evalRows != null) NumericOptions.positive("--eval-rows", evalRows);
        if (bar != null && !(bar > 0 && bar <= 1)) throw new IllegalArgumentException("--recovery-bar " + bar + ": expected a cosine in (0, 1]");
        if (layer != null) NumericOptions.nonNegative("--layer", layer);
        if (threads != null) NumericOptions.positive("--threads", threads);
    }

    ExperimentConfig config() {
        boolean onModel = model != null || data != null;
        if (onModel && (model == null || data == null)) throw new IllegalArgumentException("--model and --data go together: the model to run and the text to run it on");
        List<String> misplaced = new ArrayList<>();
        if (!onModel) {
            if (layer != null) misplaced.add("--layer");
            if (context != null) misplaced.add("--context");
            if (tokens != null) misplaced.add("--tokens");
            if (heldOutTokens != null) misplaced.add("--heldout-tokens");
            if (dtype != null) misplaced.add("--dtype");
            if (probeData != null) misplaced.add("--probe-data");
            if (words != null) misplaced.add("--words");
            if (absorptionWords != FirstLetterAbsorptionMetric.DEFAULT_MAX_WORDS) misplaced.add("--absorption-words");
            if (noAbsorption) misplaced.add("--no-absorption");
            if (absorptionMainLatents != null) misplaced.add("--absorption-main-latents");
            if (absorptionIclExamples != null) misplaced.add("--absorption-icl-examples");
            if (!misplaced.isEmpty()) throw new IllegalArgumentException(String.join(", ", misplaced) + ": only with --model DIR --data FILE");
        } else {
            if (evalRows != null) misplaced.add("--eval-rows (use --heldout-tokens)");
            if (bar != null) misplaced.add("--recovery-bar (there is no ground truth on a model)");
            if (!misplaced.isEmpty()) throw new IllegalArgumentException(String.join(", ", misplaced) + ": only on synthetic data, not with --model");
            if (noAbsorption && words != null) throw new IllegalArgumentException("--words and --no-absorption contradict each other: give one");
            if (absorptionWords < 0) throw new IllegalArgumentException("--absorption-words must be ≥ 0 (0: all), got " + absorptionWords);
            if (absorptionIclExamples != null && absorptionIclExamples < 0) throw new IllegalArgumentException("--absorption-icl-examples must be ≥ 0, got " + absorptionIclExamples);
            if (absorptionMainLatents != null) AbsorptionCommand.ranking("--absorption-main-latents", absorptionMainLatents); // fails early, with the choices
            if (noAbsorption && (absorptionMainLatents != null || absorptionIclExamples != null)) {
                throw new IllegalArgumentException("--absorption-main-latents / --absorption-icl-examples and --no-absorption contradict each other: give one");
            }
            if (probeData != null && !Files.isRegularFile(probeData)) throw new IllegalArgumentException("--probe-data " + probeData + ": no such file");
        }
        if (onModel && preset != null) throw new IllegalArgumentException("--preset names a synthetic source: not with --model");
        String pre = preset == null ? ExperimentConfig.DEFAULT_PRESET : preset.strip().toLowerCase(Locale.ROOT);
        ExperimentConfig.Sizes size = ExperimentConfig.Sizes.forPreset(pre);
        long st = steps != null ? steps : quick ? 60 : onModel ? ModelData.SEED_STEPS : size.steps();
        int sd = seeds != null ? seeds : quick ? 2 : onModel ? 3 : size.seeds();
        int ph = quick && phases == 4 ? 2 : phases;
        // On a model, sizes follow its width (train's rule, which gives the seed's 16384 and 320 at gemma-2-2b's d 2304) and a model
        // without layer 12 is read at its last layer: the seed's gemma-2-2b sizes on another model made long, failing runs (EV −596
        // on the tiny model); --quick also uses 512-row batches.
        saelab.model.GemmaConfig modelConfig = onModel && Files.isRegularFile(model.resolve("config.json")) ? saelab.model.GemmaConfig.read(model) : null;
        saelab.model.GemmaConfig quickModel = quick ? modelConfig : null;
        int b = batch != null ? batch : quickModel != null ? 512 : onModel ? ModelData.SEED_BATCH : size.batch();
        int mm = m != null ? m : modelConfig != null ? saelab.train.presets.Presets.latents(modelConfig.hiddenSize(), null) : onModel ? ModelData.SEED_M : size.m();
        int kk = k != null ? k : modelConfig != null ? saelab.train.presets.Presets.targetL0(modelConfig.hiddenSize()) : onModel ? ModelData.SEED_K : size.k();
        double margin = evMargin != null ? evMargin : ExperimentConfig.DEFAULT_EV_MARGIN;
        if (sd < 1) throw new IllegalArgumentException("--seeds must be ≥ 1, got " + sd);
        requireNumbers(st, b, ph, mm, kk, margin);
        Path dir = out != null ? out : Path.of("runs", "experiment-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        List<Variant> vs = variants == null || variants.isEmpty() ? Variant.defaults() : Variant.select(variants);
        List<Long> seedList = LongStream.range(0, sd).boxed().toList();
        if (!onModel) {
            int rows = evalRows != null ? evalRows : quick ? 2048 : size.evalRows();
            return ExperimentConfig.synthetic(dir, vs, seedList, st, b, ph, rows, mm, kk, pre, dataSeed, bar != null ? bar : 0.9, margin);
        }
        int ctx = context != null ? context : ModelData.SEED_CONTEXT;
        if (ctx < 3) throw new IllegalArgumentException("--context must be ≥ 3, got " + ctx);
        long train = tokens != null ? tokens : ModelData.oneEpochTokens(st, b, ctx);
        long held = heldOutTokens != null ? heldOutTokens : quick ? QUICK_HELD_OUT_TOKENS : ModelData.SEED_HELD_OUT_TOKENS;
        int lay = layer != null ? layer : modelConfig != null ? Math.min(ModelData.SEED_LAYER, modelConfig.numHiddenLayers() - 1) : ModelData.SEED_LAYER;
        ModelData md = new ModelData(model, data, lay, ctx, train, held, dtype != null ? dtype : Dtype.F32,
                HarvestSettings.DEFAULT_BATCH, HarvestSettings.DEFAULT_SHARD_TOKENS);
        return ExperimentConfig.onModel(dir, vs, seedList, st, b, ph, mm, kk, dataSeed, md, margin);
    }
}
