package saelab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import saelab.eval.experiment.ExperimentConfig;
import picocli.CommandLine.Spec;
import saelab.model.GemmaConfig;
import saelab.model.gemma2.CheckpointException;
import saelab.model.harvest.HarvestException;
import saelab.model.safetensors.SafetensorsException;
import saelab.model.tokenizer.TokenizerException;
import saelab.model.AtomicFiles;
import saelab.train.penalty.kernels.CoFiring;
import saelab.tensor.kernels.Parallel;
import saelab.train.checkpoint.CheckpointManifest;
import saelab.train.checkpoint.RunFolder;
import saelab.eval.report.LiveReport;
import saelab.model.RunLock;
import saelab.train.checkpoint.SaeCheckpoint;
import saelab.train.metrics.Recovery;
import saelab.train.metrics.RunHealth;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.schedule.Schedules;
import saelab.train.source.ActivationSource;
import saelab.train.source.ModelSource;
import saelab.train.source.ShardSource;
import saelab.train.source.SyntheticPresets;
import saelab.train.source.SyntheticSource;
import saelab.train.trainer.SaeTrainer;
import saelab.train.trainer.StepStats;
import saelab.train.arch.Architectures;
import saelab.train.arch.SaeArchitecture;
import saelab.train.arch.SaeSettings;
import saelab.train.arch.SettingException;
import saelab.train.presets.Preset;
import saelab.train.presets.Presets;
import saelab.train.trainer.TrainConfig;
import saelab.train.trainer.TrainingDivergedException;
import saelab.train.trainer.TrainingRun;

/** {@code saelab train}: one SAE, from a preset and flags, into a SAELens-layout folder. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a sparse autoencoder of any registered architecture (topk, standard, batchtopk, matryoshka_batchtopk, jumprelu, gated; TopK optionally with an orthogonality penalty).",
                "Writes sae_weights.safetensors + cfg.json (SAELens layout), trainer_state.safetensors, log.jsonl and eval.json into --out."})
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--preset", paramLabel = "NAME", description = "Starting configuration (see below; default: topk). Flags override it.")
    String preset = "topk";
    @Option(names = "--sae", paramLabel = "NAME", description = "Architecture, by its SAELens name or an alias (see below; default: the preset's).")
    String sae;
    @Option(names = "--penalty", paramLabel = "none|static|adaptive|orthogonal", description = {
            "Orthogonality penalty (TopK only): the co-firing penalty, static or adaptive, or orthogonal: the ungated",
            "OrtSAE-style control, weight·mean over latents of the largest cos² between its decoder row and another row",
            "of its chunk (random chunks, re-drawn every step)."})
    String penalty;
    @Option(names = "--lambda2", paramLabel = "SCHEDULE", description = "Penalty weight λ2(p) (orthogonal: its weight γ(p); default 0.1).")
    String lambda2;
    @Option(names = "--threshold", paramLabel = "SCHEDULE", description = "Co-firing threshold(p); at 0, c_ij = [n_ij > 0].")
    String threshold;
    @Option(names = "--overlap", paramLabel = "activation|decoder", description = "Penalised overlap: (fᵀf)_ij/B or W_dec[i]·W_dec[j] (default activation).")
    String overlap = "activation";
    @Option(names = "--cofire-norm", paramLabel = "batch|min|jaccard", description = {
            "n_ij normalised by the batch size, by min(count_i, count_j), or as the Jaccard index",
            "count_ij / (count_i + count_j − count_ij) (default batch). Jaccard runs on the CPU even on a GPU backend."})
    String cofireNorm;
    @Option(names = "--chunks", paramLabel = "K", description = {
            "--penalty orthogonal: split the latents into K random chunks each step and compare each only within its chunk",
            "(cost m²·d/K; default max(1, round(m/1024)); at most m/2). Trains on the host step, never resident."})
    Integer chunks;
    @Option(names = "--m", paramLabel = "N", description = {"Latents (default: from the source's width d, round(--expansion-factor · d): 16384 at d 2304, 455 at d 64;",
            "  on synthetic data the experiment's: 1024 on small, 512 on bench, 4096 on synthsaebench)."})
    Integer m;
    @Option(names = "--expansion-factor", paramLabel = "F", description = "m = round(F · d) when --m is not given (default 16384/2304 ≈ 7.11, the seed's ratio on gemma-2-2b).")
    Double expansionFactor;
    @Option(names = "--k", paramLabel = "N", description = {"TopK's k (default: --target-l0's, round(0.139 · d): 320 at d 2304, 9 at d 64;",
            "  on synthetic data the experiment's: 8 on small, 40 on bench, 25 on synthsaebench)."})
    Integer k;
    @Option(names = "--target-l0", paramLabel = "N", description = "Latents firing per token, TopK's k (default round(d · 320/2304); --k is the same setting).")
    Integer targetL0;
    @Option(names = "--lr", description = "Peak learning rate (default: the preset's at m 16384, scaled by √(16384/m); ×15 on synthetic data).")
    Double lr;
    @Option(names = "--steps", description = "Optimiser steps (default " + DEFAULT_STEPS + "; or give --tokens).")
    Long steps;
    @Option(names = "--tokens", paramLabel = "N", converter = HarvestCommand.TokenCount.class,
            description = "Training tokens instead of --steps (10M, 2.5e6, 500k): steps = ceil(N / --batch).")
    Long tokens;
    @Option(names = "--batch", description = "Rows per step (default ${DEFAULT-VALUE}).")
    int batch = 512;
    @Option(names = "--seed", description = "Seeds the SAE's initialisation (default ${DEFAULT-VALUE}).")
    long seed = 0;
    @Option(names = "--data-seed", description = "Seeds the synthetic source's true features when --source gives no @SEED (default ${DEFAULT-VALUE}).")
    long dataSeed = 0;
    @Option(names = "--source", arity = "1..2", paramLabel = "SRC", description = {
            "synthetic[:PRESET[@SEED[/STREAM]]] (= synthetic:small, the default; presets small, bench, synthsaebench;",
            "  SEED fixes the true features, STREAM the samples),",
            "shards:DIR (a saelab harvest folder; BOS rows skipped, shuffled through a 65,536-row buffer), or",
            "model:DIR with --data FILE: activations computed live from the gemma-2 checkpoint in DIR on the text of FILE",
            "  (packed as saelab harvest packs it; BOS rows skipped; shuffled in windows of 65,536 rows).",
            "'shards DIR' and 'model DIR' (two words) work too."})
    List<String> sourceWords;
    @Option(names = "--data", paramLabel = "FILE", description = "Text for --source model:DIR: .txt (one document per line) or .jsonl (a \"text\" field per line).")
    Path data;
    @Option(names = "--layer", paramLabel = "L", description = "--source model:DIR: train on the residual after layer L, blocks.L.hook_resid_post (default " + ModelSource.DEFAULT_LAYER + "; must be below the model's num_hidden_layers).")
    Integer layer;
    @Option(names = "--context", paramLabel = "C", description = "--source model:DIR: tokens per packed sequence, <bos> included (default " + ModelSource.DEFAULT_CONTEXT + ").")
    Integer context;
    @Option(names = "--l1", description = "L1 coefficient for relu (default: the preset's, 0.04 for standard).")
    Double l1;
    @Option(names = "--l1-warmup", paramLabel = "STEPS", description = "L1 warm-up steps (default: min(1000, steps/10)).")
    Long l1Warmup;
    @Option(names = "--setting", paramLabel = "KEY=VALUE[,...]", description = {
            "The architecture's own settings by their cfg.json keys (listed below), e.g. --sae jumprelu --setting",
            "l0_coefficient=0.1,target_l0=20. A key the architecture does not have is an error; they override --k, --l1 etc.."})
    String setting;
    @Option(names = "--warmup", paramLabel = "STEPS", description = "lr warm-up steps (default: min(1000, steps/10)).")
    Long warmup;
    @Option(names = "--decay-start", paramLabel = "FRACTION", description = "lr decays linearly to 0 from this fraction of training (default ${DEFAULT-VALUE}; 1: none).")
    double decayStart = 0.8;
    @Option(names = "--auxk-alpha", description = "Auxiliary TopK loss weight (default ${DEFAULT-VALUE}).")
    double auxkAlpha = 1.0 / 32;
    @Option(names = "--dead-tokens", paramLabel = "N", description = "Tokens without firing before a latent counts as dead (default: 10M on model data, 50 batches on synthetic).")
    Long deadTokens;
    @Option(names = "--k-aux", paramLabel = "N", description = "Latents the auxiliary loss keeps per row (default d/2).")
    Integer kAux;
    @Option(names = "--threshold-beta", paramLabel = "BETA", description = "BatchTopK/Matryoshka: EMA factor of the inference threshold estimate (default 0.999).")
    Double thresholdBeta;
    @Option(names = "--threshold-start-step", paramLabel = "STEP", description = "BatchTopK/Matryoshka: the threshold is estimated after this step (default 1000; −1: from the first).")
    Long thresholdStartStep;
    @Option(names = "--group-fractions", paramLabel = "F,F,...", description = "Matryoshka: the nested groups' shares of m, summing to 1 (default 1/32,1/16,1/8,1/4,rest).")
    String groupFractions;
    @Option(names = "--group-weights", paramLabel = "W,W,...|equal", description = "Matryoshka: each prefix loss's weight (default equal: 1/G each).")
    String groupWeights;
    @Option(names = "--grad-clip", description = "Global gradient-norm clip, ≤ 0 for none (default ${DEFAULT-VALUE}).")
    double gradClip = 1.0;
    @Option(names = "--log-every", paramLabel = "STEPS", description = "JSONL log interval (default ${DEFAULT-VALUE}).")
    long logEvery = 10;
    @Option(names = "--checkpoint-every", paramLabel = "STEPS", description = "Checkpoint interval, 0 for only at the end (default ${DEFAULT-VALUE}).")
    long checkpointEvery = 500;
    @Option(names = "--hook-name", description = "SAELens hook name for cfg.json (default: the harvest's layer for shards:DIR, blocks.L.hook_resid_post for model:DIR, else blocks.12.hook_resid_post).")
    String hookName;
    @Option(names = "--model-name", description = "SAELens model name for cfg.json (default: the model folder's name for shards:DIR and model:DIR, synthetic:... for synthetic data).")
    String modelName;
    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default runs/<preset>-seed<seed>).")
    Path out;
    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run saved in DIR from its last checkpoint (other flags are ignored).")
    Path resume;
    @Option(names = "--overwrite", description = "Replace the run already in --out (its checkpoint, log and eval.json); without it such a folder is refused.")
    boolean overwrite;
    @Option(names = "--threads", description = "Kernel threads (default: all cores).")
    Integer threads;
    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;
    @Option(names = "--config", paramLabel = "FILE", description = "JSON file of settings: keys are the option names above without '--' (see --print-config); flags given here override it.")
    Path configFile;
    @Option(names = "--print-config", description = "Print the effective settings (file, flags and defaults resolved) as JSON for --config, and exit without training.")
    boolean printConfig;

    /** Optimiser steps without --steps or --tokens. */
    static final long DEFAULT_STEPS = 1500;

    @Spec CommandSpec spec;
    private boolean configFileApplied;

    /** What a finished run reports (also written to eval.json). */
    record Result(Path out, long steps, long trainingTokens, double l0, double explainedVariance, double mse, Double recovery) {}

    Result lastResult;

    @Override public Integer call() {
        try {
            if (printConfig && resume == null) {
                System.out.println(TrainConfigFile.toJson(effectiveConfig()));
                return 0;
            }
            lastResult = run(System.err);
            return 0;
        } catch (TrainingDivergedException e) {
            System.err.println("saelab train: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException | IllegalStateException | HarvestException | CheckpointException | SafetensorsException
                 | TokenizerException | GemmaConfig.ConfigException e) {
            System.err.println("saelab train: " + e.getMessage());
            return CliErrors.ioFailure(e) ? 1 : 2; // a full disk is a runtime failure, a bad option or file is usage
        }
    }

    /** --source as one word: 'model DIR' and 'shards DIR' become model:DIR and shards:DIR. */
    String source() {
        if (sourceWords == null || sourceWords.isEmpty()) return "synthetic";
        if (sourceWords.size() == 1) return sourceWords.getFirst();
        String kind = sourceWords.getFirst().strip().toLowerCase(Locale.ROOT);
        if (sourceWords.size() == 2 && (kind.equals("model") || kind.equals("shards"))) return kind + ":" + sourceWords.get(1);
        throw new IllegalArgumentException("--source " + String.join(" ", sourceWords) + ": expected one source: synthetic[:<preset>[@<seed>[/<stream>]]]"
                + " (presets: " + SyntheticPresets.names() + "), shards:DIR (or shards DIR) or model:DIR (or model DIR)");
    }

    /** Sets every option the command line left out that the --config file gives (once). */
    private void applyConfigFile() {
        if (configFileApplied || configFile == null) return;
        configFileApplied = true;
        TrainConfigFile.apply(configFile, spec, spec.commandLine().getParseResult());
    }

    /** Resolves the config file, the preset, defaults and flags into a config; public for the sweep. */
    TrainConfig config() {
        String src = sourceSpec();
        ActivationSource probe = Sources.open(src);
        try {
            return config(src, probe);
        } finally {
            if (probe instanceof AutoCloseable c) close(c);
        }
    }

    /** The saved form of the source the options name (after the config file), as {@link Sources#open} takes it. */
    private String sourceSpec() {
        applyConfigFile();
        return Sources.spec(source(), dataSeed, modelArgs());
    }

    private Sources.ModelArgs modelArgs() {
        if (layer != null) NumericOptions.nonNegative("--layer", layer);
        if (context != null) NumericOptions.positive("--context", context);
        return new Sources.ModelArgs(data, layer, context);
    }

    /** The option that sets each architecture setting (by cfg.json key). */
    private static final Map<String, String> SETTING_OPTIONS = Map.of("k", "--k", "auxk_alpha", "--auxk-alpha", "k_aux", "--k-aux",
            "l1_coefficient", "--l1", "l1_warmup_steps", "--l1-warmup", "threshold_beta", "--threshold-beta",
            "threshold_start_step", "--threshold-start-step", "group_fractions", "--group-fractions", "group_weights", "--group-weights");

    /** The config for the source {@code src}, already open as {@code probe} (only its dim and names are read). */
    private TrainConfig config(String src, ActivationSource probe) {
        Preset p = Presets.byName(preset);
        boolean synthetic = src.startsWith("synthetic");
        int d = probe.dim();
        requireNumbers(d);
        // On a synthetic preset, the SAE sizes the experiment uses on it (one table for both commands).
        ExperimentConfig.Sizes size = synthetic ? ExperimentConfig.Sizes.forPreset(src.substring("synthetic:".length()).split("[@/]", 2)[0]) : null;
        // Sizes follow the source's width (Presets' rule, anchored at the seed's gemma-2-2b sizes);
        // explicit --m / --k win over the rule, and a flag pair that disagrees is refused.
        if (m != null && expansionFactor != null && m != Presets.latents(d, expansionFactor)) {
            throw new IllegalArgumentException("--m " + m + " and --expansion-factor " + expansionFactor + " disagree at d " + d + " (round("
                    + expansionFactor + " · " + d + ") = " + Presets.latents(d, expansionFactor) + "); give one of them");
        }
        if (k != null && targetL0 != null && !k.equals(targetL0)) {
            throw new IllegalArgumentException("--k " + k + " and --target-l0 " + targetL0 + " name the same setting; give one of them");
        }
        int mm = m != null ? m : expansionFactor != null || !synthetic ? Presets.latents(d, expansionFactor) : size.m();
        int kk = k != null ? k : targetL0 != null ? targetL0 : synthetic ? size.k() : Presets.targetL0(d);
        long steps = steps();
        String arch = sae != null ? sae : p.architecture().name();
        String pen = penalty != null ? penalty : PenaltyConfig.name(p.penalty().kind());
        PenaltyConfig.Kind kind = PenaltyConfig.parseKind(pen);
        // Schedules default to the preset's when its penalty is the one asked for, else to the
        // original experiment's values for that kind.
        boolean presetKind = p.penalty().kind() == kind;
        String l2 = lambda2 != null ? lambda2 : presetKind ? p.penalty().lambda2().spec()
                : switch (kind) { case NONE -> "0"; case STATIC, ORTHOGONAL -> "0.1"; case ADAPTIVE -> "quadratic(0.1)"; };
        String th = threshold != null ? threshold : presetKind ? p.penalty().threshold().spec()
                : switch (kind) { case NONE, ORTHOGONAL -> "0"; case STATIC -> "0.1"; case ADAPTIVE -> "linear(0.1)"; };
        if (chunks != null && kind != PenaltyConfig.Kind.ORTHOGONAL) {
            throw new IllegalArgumentException("--chunks is for --penalty orthogonal, not " + PenaltyConfig.name(kind));
        }
        if (kind == PenaltyConfig.Kind.ORTHOGONAL && (threshold != null || cofireNorm != null && PenaltyConfig.parseNormalization(cofireNorm) != CoFiring.Normalization.BATCH)) {
            throw new IllegalArgumentException("--threshold and --cofire-norm are for the co-firing penalties (static, adaptive);"
                    + " --penalty orthogonal has no co-firing gate: its knobs are --lambda2 (the weight) and --chunks");
        }
        // About 1024 latents per chunk by default: the m×m Gram matrix of m = 16384 would cost 16× the step.
        int kChunks = chunks != null ? chunks : kind != PenaltyConfig.Kind.ORTHOGONAL ? 1
                : presetKind ? p.penalty().chunks() : (int) Math.max(1, Math.round(mm / 1024.0));
        // The preset's n_ij normalisation when its penalty is the one asked for, else batch.
        CoFiring.Normalization norm = cofireNorm != null ? PenaltyConfig.parseNormalization(cofireNorm)
                : presetKind ? p.penalty().normalization() : CoFiring.Normalization.BATCH;
        SaeArchitecture architecture = Architectures.byName(arch);
        NumericOptions.fitsArray("--batch", batch, Math.max(d, mm), d >= mm ? "d" : "m");
        PenaltyConfig pc = new PenaltyConfig(kind, NumericOptions.nonNegativeSchedule("--lambda2", l2), NumericOptions.nonNegativeSchedule("--threshold", th), PenaltyConfig.parseTarget(overlap),
                norm, kChunks);
        long warm = warmup != null ? warmup : Math.min(1000, steps / 10);
        long l1w = l1Warmup != null ? l1Warmup : Math.min(1000, steps / 10);
        double l1c = l1 != null ? l1 : Double.parseDouble(p.settings().getOrDefault("l1_coefficient", "0.04"));
        long dead = deadTokens != null ? deadTokens : synthetic ? 50L * batch : 10_000_000L;
        if (!(decayStart >= 0 && decayStart <= 1)) throw new IllegalArgumentException("--decay-start is a fraction of training in [0, 1], got " + decayStart);
        // The options' values by setting key; the architecture takes its own.
        Map<String, String> offered = new LinkedHashMap<>(Map.of("k", Integer.toString(kk), "auxk_alpha", Double.toString(auxkAlpha),
                "k_aux", Integer.toString(kAux != null ? kAux : Math.max(1, d / 2)), "l1_coefficient", Double.toString(l1c),
                "l1_warmup_steps", Long.toString(l1w)));
        // Offered only when given: otherwise the architecture's own default holds.
        if (thresholdBeta != null) offered.put("threshold_beta", Double.toString(thresholdBeta));
        if (thresholdStartStep != null) offered.put("threshold_start_step", Long.toString(thresholdStartStep));
        if (groupFractions != null) offered.put("group_fractions", groupFractions);
        if (groupWeights != null) offered.put("group_weights", groupWeights);
        offered.putAll(ownSettings(architecture));
        SaeSettings settings;
        try {
            settings = architecture.settingsOffered(offered, d, mm);
        } catch (SettingException e) {
            // Said with the option that set it (the option names are this command's, the keys cfg.json's).
            String said = SETTING_OPTIONS.containsKey(e.key()) ? SETTING_OPTIONS.get(e.key()) + " " + e.value() : "--setting " + e.key() + "=" + e.value();
            throw new IllegalArgumentException(said + ": expected " + e.expected(), e);
        }
        return new TrainConfig(settings, d, mm, lr != null ? lr : p.lr(mm, synthetic), steps, batch, seed,
                warm, Math.round(decayStart * steps), dead, pc,
                gradClip, logEvery, checkpointEvery, src,
                hookName != null ? hookName : probe instanceof ShardSource sh ? sh.manifest().hookName()
                        : probe instanceof ModelSource ms ? ms.hookName() : "blocks.12.hook_resid_post",
                modelName != null ? modelName : synthetic ? src
                        : probe instanceof ShardSource sh ? Path.of(sh.manifest().model()).getFileName().toString()
                        : probe instanceof ModelSource ms ? Sources.modelName(ms) : "gemma-2-2b");
    }

    /**
     * Every numeric flag (or --config key) given: finite, of the right sign, in range, named in
     * the message. Defaults need no check; the record checks the resolved config again.
     */
    private void requireNumbers(int d) {
        if (m != null) NumericOptions.positive("--m", m);
        if (expansionFactor != null) NumericOptions.positiveFinite("--expansion-factor", expansionFactor);
        if (k != null) NumericOptions.positive("--k", k);
        if (targetL0 != null) NumericOptions.positive("--target-l0", targetL0);
        if (lr != null) NumericOptions.positiveFinite("--lr", lr);
        if (steps != null) NumericOptions.positive("--steps", steps);
        NumericOptions.positive("--batch", batch);
        if (chunks != null) NumericOptions.positive("--chunks", chunks);
        if (l1 != null) NumericOptions.nonNegativeFinite("--l1", l1);
        if (l1Warmup != null) NumericOptions.nonNegative("--l1-warmup", l1Warmup);
        if (warmup != null) NumericOptions.nonNegative("--warmup", warmup);
        NumericOptions.finite("--decay-start", decayStart);
        NumericOptions.nonNegativeFinite("--auxk-alpha", auxkAlpha);
        if (deadTokens != null) NumericOptions.positive("--dead-tokens", deadTokens);
        if (kAux != null) NumericOptions.positive("--k-aux", kAux);
        // ≤ 0 turns clipping off (documented); NaN is neither, and would silently train unclipped.
        NumericOptions.finite("--grad-clip", gradClip);
        NumericOptions.positive("--log-every", logEvery);
        NumericOptions.nonNegative("--checkpoint-every", checkpointEvery);
        if (threads != null) NumericOptions.positive("--threads", threads);
    }

    /**
     * Optimiser steps: --steps, or ceil(--tokens / --batch), or the default. Both flags are
     * accepted when they agree (--print-config writes both), refused when they do not.
     */
    long steps() {
        NumericOptions.positive("--batch", batch);
        if (tokens == null) return steps != null ? steps : DEFAULT_STEPS;
        long fromTokens = Math.ceilDiv(tokens, batch);
        if (steps != null && steps != fromTokens) {
            throw new IllegalArgumentException("--steps " + steps + " and --tokens " + tokens + " disagree: " + tokens + " tokens at --batch " + batch
                    + " are " + fromTokens + " steps; give one of them");
        }
        return fromTokens;
    }

    private static void close(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the activation source: " + e.getMessage(), e);
        }
    }

    /** The output folder: --out, else runs/PRESET-seedSEED. */
    Path outDir() {
        return out != null ? out : Path.of("runs", preset + "-seed" + seed);
    }

    /**
     * Every setting the config file can hold, resolved (preset, source-dependent defaults and
     * scaled learning rate filled in), under the option names: --print-config's output, which
     * --config reads back into the same run. Paths are absolute; --data, --layer and --context
     * are null unless the source is a model.
     */
    Map<String, Object> effectiveConfig() {
        TrainConfig c = config();
        boolean model = Sources.isModel(source());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("preset", Presets.byName(preset).id());
        m.put("sae", c.architecture().name());
        m.put("penalty", PenaltyConfig.name(c.penalty().kind()));
        m.put("lambda2", c.penalty().lambda2().spec());
        m.put("threshold", c.penalty().kind() == PenaltyConfig.Kind.ORTHOGONAL ? null : c.penalty().threshold().spec());
        m.put("overlap", PenaltyConfig.name(c.penalty().target()));
        m.put("cofire-norm", PenaltyConfig.name(c.penalty().normalization()));
        m.put("chunks", c.penalty().kind() == PenaltyConfig.Kind.ORTHOGONAL ? (Object) c.penalty().chunks() : null);
        m.put("m", c.dSae());
        m.put("expansion-factor", null); // m and k are the resolved sizes
        ObjectNode own = new ObjectMapper().createObjectNode();
        c.settings().toJson(own);
        m.put("k", own.has("k") ? (Object) own.get("k").asInt() : k);
        m.put("target-l0", null);
        m.put("lr", c.lr());
        m.put("steps", c.steps());
        m.put("tokens", null); // steps above is the size; a --steps given with this file must not disagree with it
        m.put("batch", c.batch());
        m.put("seed", c.seed());
        m.put("data-seed", dataSeed);
        m.put("source", Sources.userForm(source()));
        m.put("data", model ? data.toAbsolutePath().normalize().toString() : null);
        m.put("layer", model ? (Object) modelArgs().layerOrDefault() : null);
        m.put("context", model ? (Object) modelArgs().contextOrDefault() : null);
        m.put("l1", own.has("l1_coefficient") ? (Object) own.get("l1_coefficient").asDouble() : l1);
        m.put("l1-warmup", own.has("l1_warmup_steps") ? (Object) own.get("l1_warmup_steps").asLong() : l1Warmup);
        m.put("setting", ownSettingsText(own));
        m.put("warmup", c.warmupSteps());
        m.put("decay-start", decayStart);
        m.put("auxk-alpha", own.has("auxk_alpha") ? (Object) own.get("auxk_alpha").asDouble() : auxkAlpha);
        m.put("dead-tokens", c.deadTokens());
        m.put("k-aux", own.has("k_aux") ? (Object) own.get("k_aux").asInt() : kAux);
        m.put("threshold-beta", own.has("threshold_beta") ? (Object) own.get("threshold_beta").asDouble() : thresholdBeta);
        m.put("threshold-start-step", own.has("threshold_start_step") ? (Object) own.get("threshold_start_step").asLong() : thresholdStartStep);
        m.put("group-fractions", own.has("group_fractions") ? own.get("group_fractions").asText() : groupFractions);
        m.put("group-weights", own.has("group_weights") ? own.get("group_weights").asText() : groupWeights);
        m.put("grad-clip", c.gradClip());
        m.put("log-every", c.logEvery());
        m.put("checkpoint-every", c.checkpointEvery());
        m.put("hook-name", c.hookName());
        m.put("model-name", c.modelName());
        m.put("out", outDir().toAbsolutePath().normalize().toString());
        return m;
    }

    /** The architecture's settings that no other option holds, as --setting's KEY=VALUE,... (null: none). */
    private static String ownSettingsText(ObjectNode own) {
        List<String> pairs = new java.util.ArrayList<>();
        for (var it = own.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!SETTING_OPTIONS.containsKey(e.getKey())) pairs.add(e.getKey() + "=" + e.getValue().asText());
        }
        return pairs.isEmpty() ? null : String.join(",", pairs);
    }

    Result run(PrintStream err) {
        if (threads != null) Parallel.setParallelism((int) NumericOptions.positive("--threads", threads));
        Progress progress = quiet ? null : new Progress(err);
        TrainConfig cfg;
        Path dir;
        ActivationSource src;
        if (resume != null && overwrite) throw new IllegalArgumentException("--overwrite starts a new run and --resume continues one; give one of them");
        if (resume != null) {
            dir = resume;
            cfg = SaeCheckpoint.read(CheckpointManifest.resumeFrom(dir)).training();
            if (cfg == null) throw new IllegalArgumentException(dir + " holds no saelab training config; cannot resume");
            src = Sources.open(cfg.source());
        } else {
            // One source serves both the config (its dim and names) and the training: a model
            // source loads the checkpoint and allocates its window, which is not worth doing twice.
            String spec = sourceSpec();
            src = Sources.open(spec);
            try {
                cfg = config(spec, src);
            } catch (RuntimeException e) {
                if (src instanceof AutoCloseable c) close(c);
                throw e;
            }
            dir = outDir();
        }
        // Held until eval.json is written: a second process on this folder fails at once, naming this one.
        try (RunLock lock = RunLock.acquire(dir); LiveReport live = LiveReport.forRun(dir)) { // curves in dir/report.html, kept up to date
            if (resume == null) claim(dir);
            if (!quiet && src instanceof ModelSource ms) ms.setListener(windowProgress(ms, err));
            TrainingRun.Options options = new TrainingRun.Options(dir, 0, engineThen(progress == null ? null : progress.listener(cfg), err));
            SaeTrainer t;
            if (resume != null) {
                t = TrainingRun.resume(src, options);
            } else {
                if (!quiet) err.println("saelab train: " + describe(cfg) + " → " + dir);
                t = TrainingRun.start(cfg, src, options);
            }
            if (progress != null) progress.finish();
            Result r = evaluate(t, src, dir);
            writeEval(r, dir);
            err.println(String.format(Locale.ROOT, "final: step %d (%s training tokens)  L0 %.2f  explained variance %.4f  MSE %.4g%s  → %s", r.steps(),
                    tokenCount(r.trainingTokens()), r.l0(), r.explainedVariance(), r.mse(),
                    r.recovery() == null ? "" : String.format(Locale.ROOT, "  recovery (mean max |cos|) %.4f", r.recovery()), dir));
            RunHealth.warning(r.explainedVariance(), r.l0(), t.config().dIn(), t.config().dSae()).ifPresent(err::println);
            return r;
        } finally {
            if (src instanceof AutoCloseable c) close(c);
        }
    }

    /** A fresh run's folder must hold no run, unless --overwrite, which removes the old one's files first. */
    private void claim(Path dir) {
        List<String> old = RunFolder.runFiles(dir);
        if (old.isEmpty()) return;
        if (!overwrite) {
            throw new IllegalArgumentException("--out " + dir + ": holds a run already (" + String.join(", ", old) + "); give --resume " + dir
                    + " to continue it, --overwrite to replace it, or another --out");
        }
        RunFolder.clear(dir);
    }

    /** Prints the trainer's engine line (resident or host step, and why) before the steps; then {@code steps}, if any. */
    static TrainingRun.Listener engineThen(TrainingRun.Listener steps, PrintStream err) {
        return new TrainingRun.Listener() {
            @Override public void onStart(SaeTrainer trainer) { Main.announceBackend(err); err.println(trainer.engine()); }

            @Override public void onStep(StepStats stats, long tokens, double seconds) {
                if (steps != null) steps.onStep(stats, tokens, seconds);
            }
        };
    }

    /** A line every 2 s while a live model source computes a window of activations (a window that takes less shows nothing). */
    private static ModelSource.Listener windowProgress(ModelSource source, PrintStream err) {
        return new ModelSource.Listener() {
            long window = -1;
            ProgressLine line;

            @Override public void windowProgress(long w, int done, int sequences) {
                int context = source.options().context();
                if (w != window) {
                    window = w;
                    line = new ProgressLine(String.format(Locale.ROOT, "model source: window %d (%d sequences), layer %d", w, sequences,
                            source.options().layer()), (double) sequences * context, "k tokens", 1e3, err);
                }
                if (done < sequences || line.seconds() >= 2) line.update((double) done * context);
            }
        };
    }

    static String describe(TrainConfig c) {
        String pen = !c.penalty().active() ? ""
                : c.penalty().kind() == PenaltyConfig.Kind.ORTHOGONAL
                ? String.format(Locale.ROOT, ", orthogonal penalty weight %s over %d random chunks", c.penalty().lambda2().spec(), c.penalty().chunks())
                : String.format(Locale.ROOT, ", %s penalty λ2 %s threshold %s on %s overlap (%s)",
                        PenaltyConfig.name(c.penalty().kind()), c.penalty().lambda2().spec(), c.penalty().threshold().spec(),
                        PenaltyConfig.name(c.penalty().target()), PenaltyConfig.name(c.penalty().normalization()));
        return String.format(Locale.ROOT, "%s SAE d %d m %d, %s, lr %.3g, %d steps × %d rows = %s training tokens%s, source %s", c.architecture().name(),
                c.dIn(), c.dSae(), c.settings().describe(), c.lr(), c.steps(), c.batch(), tokenCount(c.steps() * c.batch()), pen, c.source());
    }

    /** A token count as the --tokens flag takes it back: 768000 → 768k, 10000000 → 10M, else the digits. */
    static String tokenCount(long n) {
        if (n >= 1_000_000 && n % 100_000 == 0) return new java.math.BigDecimal(n).movePointLeft(6).stripTrailingZeros().toPlainString() + "M";
        if (n >= 1_000 && n % 100 == 0) return new java.math.BigDecimal(n).movePointLeft(3).stripTrailingZeros().toPlainString() + "k";
        return Long.toString(n);
    }

    /** Held-out batch (index −2, never a training batch) of 4096 rows; recovery on synthetic data. */
    static Result evaluate(SaeTrainer t, ActivationSource src, Path dir) {
        int rows = 4096, d = t.config().dIn();
        float[] x = new float[rows * d];
        src.batchAt(-2, x, rows);
        SaeTrainer.Evaluation e = t.evaluate(x, rows);
        Double rec = null;
        if (src instanceof SyntheticSource s) {
            rec = Recovery.meanMaxCosine(s.directions(), s.config().features(), t.params().wDec().toArray(), t.config().dSae(), d);
        }
        return new Result(dir, t.step(), t.step() * t.config().batch(), e.l0(), e.explainedVariance(), e.mse(), rec);
    }

    static void writeEval(Result r, Path dir) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode o = json.createObjectNode();
        o.put("steps", r.steps());
        o.put("training_tokens", r.trainingTokens());
        o.put("l0", r.l0());
        o.put("explained_variance", r.explainedVariance());
        o.put("mse", r.mse());
        if (r.recovery() != null) o.put("mean_max_cosine", r.recovery());
        o.put("eval_rows", 4096);
        try {
            AtomicFiles.write(dir.resolve("eval.json"), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(o));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** --setting's KEY=VALUE pairs, each a setting of {@code architecture}; one line naming the key otherwise. */
    private Map<String, String> ownSettings(SaeArchitecture architecture) {
        Map<String, String> own = new LinkedHashMap<>();
        if (setting == null || setting.isBlank()) return own;
        List<String> keys = architecture.settingSpecs().stream().map(saelab.train.arch.SettingSpec::key).toList();
        for (String pair : setting.split(",")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair.strip() : pair.substring(0, eq).strip();
            if (eq < 0 || key.isEmpty()) throw new IllegalArgumentException("--setting " + pair.strip() + ": expected KEY=VALUE, e.g. l0_coefficient=0.1");
            if (!keys.contains(key)) {
                throw new IllegalArgumentException("--setting " + key + ": the " + architecture.name() + " SAE has no setting '" + key + "'; its settings: "
                        + (keys.isEmpty() ? "none" : String.join(", ", keys)));
            }
            own.put(key, pair.substring(eq + 1).strip());
        }
        return own;
    }

    /**
     * One line per registered architecture (name, aliases, summary), then one per setting it
     * takes through --setting: key, help, default at d = 64, m = 1024.
     */
    static String architecturesHelp() {
        StringBuilder sb = new StringBuilder();
        for (SaeArchitecture a : Architectures.all()) {
            sb.append(String.format(Locale.ROOT, "  %-18s %s", a.name() + (a.aliases().isEmpty() ? "" : " (" + String.join(", ", a.aliases()) + ")"), a.summary()))
                    .append('\n');
            for (saelab.train.arch.SettingSpec s : a.settingSpecs()) {
                sb.append("      ").append(s.key()).append(": ").append(s.help()).append(" (default ").append(s.defaultValue().at(64, 1024)).append(")\n");
            }
        }
        return sb.toString().stripTrailing();
    }

    /** The --help footer: architectures and their settings, presets, schedule syntax (from {@link Schedules#help()}) and examples. */
    static void installHelp(picocli.CommandLine train) {
        train.getCommandSpec().usageMessage().width(120).footerHeading("%n").footer(
                "Architectures (--sae) and their settings (--setting KEY=VALUE,...; k, auxk_alpha, k_aux, l1_coefficient and",
                "  l1_warmup_steps also come from --k, --auxk-alpha, --k-aux, --l1 and --l1-warmup):", architecturesHelp().replace("%", "%%"), "",
                "Presets (--preset):", Presets.help().replace("%", "%%"),
                "  Sizes on model activations (shards:, model:) follow the source's width d unless --m/--k are given:",
                "  " + Presets.sizeRuleHelp().replace("%", "%%") + ";", "  " + Presets.sizeRuleExamples().replace("%", "%%") + ".",
                "  The start line prints what the run resolved (m, k, lr, steps, training tokens).", "",
                "Schedules (--lambda2, --threshold), functions of training progress p = step / steps:", Schedules.help().replace("%", "%%"), "",
                "Config files (--config): a JSON object with the option names above as keys, without '--', e.g.",
                "  {\"preset\": \"adaptive\", \"steps\": 2000, \"source\": \"model:/models/gemma-2-2b\", \"data\": \"docs.jsonl\", \"layer\": 12}",
                "  Flags override the file; an unknown key is an error; null leaves a setting at its default.",
                "  --print-config writes every setting resolved (defaults and preset filled in) as such a file; --threads, --overwrite and",
                "  --quiet are flags only.", "",
                "Engine: the line 'training step: ...' says where each step runs. A TopK SAE's step runs resident on the GPU",
                "  when the backend offers one (parameters and Adam state stay there; only batches move), otherwise on the host",
                "  with the hot kernels on --backend; the line gives the reason. SAELAB_RESIDENT=0 (or -Dsaelab.resident=false",
                "  in SAELAB_JAVA_OPTS) forces the host step, e.g. to time one against the other.", "",
                "Examples:", "  saelab train --preset adaptive --out runs/adaptive",
                "  saelab train --penalty adaptive --lambda2 'power(0.08, 0.2)' --threshold 'linear(0.1)' --overlap decoder --out runs/dec",
                "  saelab train --penalty static --cofire-norm jaccard --out runs/jaccard",
                "  saelab train --penalty orthogonal --lambda2 0.1 --chunks 4 --out runs/ortho",
                "  saelab train --source model:/models/gemma-2-2b --data docs.jsonl --layer 12 --context 128 --out runs/live",
                "  saelab train --preset adaptive --print-config > adaptive.json; saelab train --config adaptive.json --steps 3000",
                "  saelab train --resume runs/adaptive");
    }
}
