package saelab.cli;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import saelab.model.GemmaConfig;
import saelab.model.gemma2.CheckpointException;
import saelab.model.harvest.HarvestException;
import saelab.model.harvest.HarvestManifest;
import saelab.model.harvest.HarvestSettings;
import saelab.model.harvest.Harvester;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.SafetensorsException;
import saelab.model.tokenizer.TokenizerException;

/** Harvests residual-stream activations of a Gemma-2 checkpoint into safetensors shards, resumably. */
@Command(name = "harvest", mixinStandardHelpOptions = true,
        header = "Runs text through a Gemma-2 checkpoint to layer L and writes the residual stream as safetensors shards.",
        description = {
                "Runs text through a Gemma-2 checkpoint to layer L and writes the residual",
                "stream after it (blocks.L.hook_resid_post), one row per token, as",
                "safetensors shards for SAE training.",
                "",
                "Packing (the SAELens/SAEBench convention): each document is tokenized with",
                "<bos> first, the documents are concatenated, and the stream is cut into",
                "sequences of --context tokens, each beginning with <bos>: when a cut falls",
                "inside a document, a <bos> is put in front of the rest. Documents inside one",
                "sequence stay separated by their own <bos>; the short tail at the end of the",
                "data is dropped. Row g of the harvest is position g %% context of sequence g",
                "/ context.",
                "",
                "Output: OUT/shard-00000.safetensors, ... each with activations [rows,",
                "hidden] (f32 or bf16), token_ids [rows] I32, sequence [rows] I64, position",
                "[rows] I32; and OUT/manifest.json (model, layer, hook name, context, dtype,",
                "tokens, shards, data file with its size and sha256), rewritten atomically",
                "after every shard.",
                "",
                "Resuming: run the same command again. Finished shards are kept, the tokens",
                "they cover are skipped and the harvest goes on; a larger --tokens extends a",
                "finished harvest. Other --model, --data (or changed data), --layer,",
                "--context, --shard-tokens or --dtype are refused.",
                ""})
public final class HarvestCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Checkpoint directory (config.json, tokenizer.json, safetensors).")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "Text: .txt (one document per line) or .jsonl (one JSON object with a \"text\" field per line); blank lines are skipped.")
    Path data;

    @Option(names = "--layer", required = true, paramLabel = "L", description = "Harvest the residual after this layer (0-based).")
    int layer;

    @Option(names = "--context", defaultValue = "128", description = "Tokens per packed sequence, <bos> included (default: ${DEFAULT-VALUE}).")
    int context;

    @Option(names = "--tokens", required = true, paramLabel = "N", converter = TokenCount.class,
            description = "Rows (tokens) to harvest in all, <bos> rows included; 2000000, 2e6, 2M and 500k all work.")
    long tokens;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder: new, empty, or an earlier harvest to resume.")
    Path out;

    @Option(names = "--batch", defaultValue = "" + HarvestSettings.DEFAULT_BATCH,
            description = "Sequences per forward pass (default: ${DEFAULT-VALUE}); changes speed and memory, not the result.")
    int batch;

    @Option(names = "--shard-tokens", defaultValue = "" + HarvestSettings.DEFAULT_SHARD_TOKENS,
            description = "Rows per shard file (default: ${DEFAULT-VALUE}; at hidden 2304 and f32 that is 604 MB, held in memory while it fills).")
    int shardTokens;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "f32|bf16", converter = ActivationDtype.class,
            description = "Activation dtype in the shards (default: ${DEFAULT-VALUE}).")
    Dtype dtype;

    @Override
    public Integer call() {
        try {
            requireNumbers();
        } catch (IllegalArgumentException e) {
            System.err.println("saelab harvest: " + e.getMessage() + " (see saelab harvest --help)");
            return 2;
        }
        try {
            return harvest();
        } catch (HarvestException | SafetensorsException | CheckpointException | TokenizerException
                 | GemmaConfig.ConfigException | UncheckedIOException e) {
            System.err.println("saelab harvest: " + CliErrors.describe(e));
            return 1;
        }
    }

    /**
     * The numeric options, named in one line and refused before the model loads; --context also
     * against the model's max_position_embeddings (a longer sequence is nothing the model was
     * trained on, and a huge one would only run until killed).
     */
    void requireNumbers() {
        Sources.requireFolder("--model", model, "a gemma-2 checkpoint folder (config.json, tokenizer.json, *.safetensors)");
        Sources.requireFile("--data", data, "a text file: .txt with one document per line, or .jsonl with a \"text\" field");
        NumericOptions.nonNegative("--layer", layer);
        NumericOptions.inRange("--context", context, 2, Integer.MAX_VALUE, "at least 2 tokens per sequence (<bos> and one more)");
        NumericOptions.positive("--batch", batch);
        NumericOptions.positive("--shard-tokens", shardTokens);
        GemmaConfig config;
        try {
            config = GemmaConfig.read(model.toAbsolutePath().normalize());
        } catch (GemmaConfig.ConfigException unreadable) {
            return; // the harvest reports an unreadable model as it loads it, as before
        }
        if (context > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("--context " + context + ": " + model + " takes at most " + config.maxPositionEmbeddings()
                    + " positions (max_position_embeddings in " + GemmaConfig.FILE_NAME + ")");
        }
        if (layer >= config.numHiddenLayers()) {
            throw new IllegalArgumentException("--layer " + layer + ": " + model + " has layers 0.." + (config.numHiddenLayers() - 1));
        }
        // A forward pass holds batch × context rows of hidden_size values in one array, a shard shard-tokens rows.
        if ((long) batch * context * config.hiddenSize() > NumericOptions.MAX_ARRAY) {
            throw new IllegalArgumentException("--batch " + batch + ": " + batch + " × --context " + context + " × hidden_size " + config.hiddenSize()
                    + " values exceed the largest array (" + NumericOptions.MAX_ARRAY + "); lower --batch");
        }
        NumericOptions.fitsArray("--shard-tokens", shardTokens, config.hiddenSize(), "hidden_size");
    }

    private int harvest() {
        HarvestSettings settings = new HarvestSettings(model, data, layer, context, tokens, out, batch, shardTokens, dtype);
        Main.announceBackend(System.err);
        System.err.printf("harvest: %s, layer %d (%s), context %d, %s, into %s%n", settings.model(), layer,
                HarvestManifest.hookName(layer), context, HarvestManifest.dtypeName(dtype), settings.out());
        ProgressLine[] progress = new ProgressLine[1];
        long[] rowsThisRun = new long[1];
        JitFallbackCheck jit = new JitFallbackCheck("harvest", System.err);
        HarvestManifest m = Harvester.run(settings, new Harvester.Listener() {
            @Override public void starting(HarvestManifest kept, long rowsToHarvest) {
                if (!kept.shards().isEmpty()) {
                    System.err.printf("harvest: resuming: %d shards (%d tokens) kept%n", kept.shards().size(), kept.tokens());
                }
                if (rowsToHarvest > 0) {
                    System.err.printf("harvest: data %s (%s)%n", settings.data(), kept.data());
                    progress[0] = new ProgressLine("harvest", expectedRows(settings, kept, rowsToHarvest), "k tokens", 1e3, System.err);
                }
            }

            @Override public void harvested(long rows) {
                rowsThisRun[0] = rows;
                progress[0].update(rows);
                jit.afterPass();
            }

            @Override public void shardWritten(HarvestManifest.Shard shard, HarvestManifest manifest) {
                System.err.printf("harvest: wrote %s (%d tokens; %d in all)%n", shard.file(), shard.rows(), manifest.tokens());
            }
        });
        if (progress[0] == null) {
            System.err.printf("harvest: nothing to do: %s already holds %d tokens in %d shards%n", settings.out(), m.tokens(), m.shards().size());
        } else {
            // Model loading and tokenizing the skipped documents of a resumed run count too: this is the rate a user gets.
            double seconds = progress[0].seconds();
            System.err.printf("harvest: done: %d tokens in %.1f s (%.0f tokens/s); %d tokens in %d shards%n",
                    rowsThisRun[0], seconds, rowsThisRun[0] / seconds, m.tokens(), m.shards().size());
        }
        if (m.dataExhausted()) {
            System.err.printf("harvest: the data ran out: %d tokens harvested of the %d asked for%n", m.tokens(), tokens);
        }
        System.out.println(settings.out().resolve(HarvestManifest.FILE_NAME));
        return 0;
    }

    /**
     * The rows this run will harvest: those asked for, or fewer when the data holds fewer (estimated
     * from a sample of it, {@link DataTokens}), so the time left counts the data that exists.
     */
    static long expectedRows(HarvestSettings settings, HarvestManifest kept, long rowsToHarvest) {
        DataTokens available = DataTokens.estimate(settings.data(), saelab.model.tokenizer.GemmaTokenizer.load(settings.model()), DataTokens.SAMPLE_BYTES);
        long left = Math.max(1, available.tokens() - kept.tokens());
        if (left >= rowsToHarvest) return rowsToHarvest;
        System.err.printf("harvest: the data holds %s%d tokens, fewer than the %d asked for: the time left counts those%n",
                available.exact() ? "" : "about ", available.tokens(), kept.tokens() + rowsToHarvest);
        return left;
    }

    /** Token counts as plain integers or with a suffix: 2000000, 2e6, 2M, 500k. */
    static final class TokenCount implements picocli.CommandLine.ITypeConverter<Long> {
        @Override public Long convert(String s) {
            String t = s.trim().toLowerCase();
            double scale = 1;
            if (t.endsWith("k")) { scale = 1e3; t = t.substring(0, t.length() - 1); }
            else if (t.endsWith("m")) { scale = 1e6; t = t.substring(0, t.length() - 1); }
            else if (t.endsWith("b") || t.endsWith("g")) { scale = 1e9; t = t.substring(0, t.length() - 1); }
            try {
                double v = Double.parseDouble(t) * scale;
                if (v != Math.rint(v) || v < 1 || v > Long.MAX_VALUE) throw new NumberFormatException();
                return (long) v;
            } catch (NumberFormatException e) {
                throw new picocli.CommandLine.TypeConversionException("expected a whole number of tokens such as 2000000, 2e6, 2M or 500k, got '" + s + "'");
            }
        }
    }

    static final class ActivationDtype implements picocli.CommandLine.ITypeConverter<Dtype> {
        @Override public Dtype convert(String s) {
            return switch (s.toLowerCase()) {
                case "f32", "float32" -> Dtype.F32;
                case "bf16", "bfloat16" -> Dtype.BF16;
                default -> throw new picocli.CommandLine.TypeConversionException("expected f32 or bf16, got '" + s + "'");
            };
        }
    }
}
