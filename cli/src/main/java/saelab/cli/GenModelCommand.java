package saelab.cli;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.SafetensorsException;
import saelab.model.synthetic.RandomGemma2Checkpoint;
import saelab.model.synthetic.SyntheticTokenizer;

/** Writes a random-weight Gemma-2 checkpoint with the real layout, for tests and benchmarks. */
@Command(name = "gen-model", mixinStandardHelpOptions = true,
        header = "Writes a Gemma-2 checkpoint with random weights (config.json, tokenizer.json, safetensors shards).",
        description = {"Writes a Gemma-2 checkpoint with random weights: config.json, tokenizer.json and the",
                "weights (sharded with model.safetensors.index.json when over --max-shard-bytes, 2 GB by default",
                "as gemma-2-2b's 3 shards)."})
public final class GenModelCommand implements Callable<Integer> {
    enum Shape { tiny, gemma_2_2b }

    @Option(names = "--config", required = true, paramLabel = "tiny|gemma-2-2b",
            converter = ShapeConverter.class, description = "Model shape: tiny (tests) or gemma-2-2b (full size, ~5.2 GB in bf16).")
    Shape shape;

    @Option(names = "--out", required = true, description = "Directory to write into (created if needed).")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the weights and the tokenizer's synthetic merges (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dtype", defaultValue = "bf16", paramLabel = "bf16|f32", converter = DtypeConverter.class,
            description = "Weight dtype (default: ${DEFAULT-VALUE}).")
    Dtype dtype;

    @Option(names = "--max-shard-bytes", paramLabel = "N", description = {"Largest weights file before the checkpoint is sharded",
            "(default: 2 GB for bf16/f16, as gemma-2-2b's 3 shards; 5 GB, Hugging Face's default, for f32)."})
    Long maxShardBytes;

    @Override
    public Integer call() {
        if (maxShardBytes != null && maxShardBytes < 1) {
            System.err.println("gen-model: --max-shard-bytes must be >= 1, got " + maxShardBytes);
            return 2;
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            System.err.println("gen-model: --out " + out + " exists and is not a directory");
            return 2;
        }
        try {
            return generate();
        } catch (UncheckedIOException | SafetensorsException | IllegalArgumentException e) {
            System.err.println("gen-model: " + e.getMessage());
            return 1;
        }
    }

    private int generate() {
        GemmaConfig config = shape == Shape.tiny ? GemmaConfig.tiny() : GemmaConfig.gemma2_2b();
        long bytes = RandomGemma2Checkpoint.byteSize(config, dtype);
        // HF shards at 5 GB; at 2 GB bf16 gemma-2-2b gets 3 shards like the published one, f32 at 5 GB too.
        long maxShard = maxShardBytes != null ? maxShardBytes : dtype == Dtype.F32 ? 5_000_000_000L : 2_000_000_000L;
        System.err.printf("gen-model: %s, %s, seed %d: %.3f GB of weights into %s%n", shape.name().replace('_', '-'),
                dtype, seed, bytes / 1e9, out);
        boolean big = bytes >= 1e9;
        ProgressLine progress = new ProgressLine("gen-model: weights", bytes, big ? "GB" : "MB", big ? 1e9 : 1e6, System.err);
        var files = RandomGemma2Checkpoint.write(out, RandomGemma2Checkpoint.Spec.of(config, dtype, seed)
                .withMaxShardBytes(maxShard), progress::update);
        long t0 = System.nanoTime();
        Path tokenizer = SyntheticTokenizer.write(out, config.vocabSize(), seed);
        System.err.printf("gen-model: tokenizer.json with %d tokens (%.1f s)%n", config.vocabSize(), (System.nanoTime() - t0) / 1e9);
        files.add(tokenizer);
        for (Path f : files) System.out.println(f);
        return 0;
    }

    static final class ShapeConverter implements picocli.CommandLine.ITypeConverter<Shape> {
        @Override public Shape convert(String s) {
            return switch (s) {
                case "tiny" -> Shape.tiny;
                case "gemma-2-2b" -> Shape.gemma_2_2b;
                default -> throw new picocli.CommandLine.TypeConversionException("expected tiny or gemma-2-2b, got '" + s + "'");
            };
        }
    }

    static final class DtypeConverter implements picocli.CommandLine.ITypeConverter<Dtype> {
        @Override public Dtype convert(String s) {
            return switch (s.toLowerCase()) {
                case "bf16", "bfloat16" -> Dtype.BF16;
                case "f32", "float32" -> Dtype.F32;
                case "f16", "float16" -> Dtype.F16;
                default -> throw new picocli.CommandLine.TypeConversionException("expected bf16, f32 or f16, got '" + s + "'");
            };
        }
    }
}
