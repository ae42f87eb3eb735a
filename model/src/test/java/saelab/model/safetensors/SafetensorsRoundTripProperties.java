package saelab.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import saelab.tensor.kernels.Bf16;

/** Write then read is the identity, for every dtype, after rounding floats to the stored type. */
class SafetensorsRoundTripProperties {

    /** One generated tensor: dtype, shape (dims 0..5, rank 0..4) and a seed for its values. */
    record Spec(Dtype dtype, long[] shape, long seed) {}

    @Provide
    Arbitrary<List<Spec>> tensors() {
        Arbitrary<long[]> shapes = Arbitraries.longs().between(0, 5).array(long[].class).ofMinSize(0).ofMaxSize(4);
        Arbitrary<Spec> spec = Combinators.combine(Arbitraries.of(Dtype.class), shapes, Arbitraries.longs())
                .as(Spec::new);
        return spec.list().ofMinSize(0).ofMaxSize(6);
    }

    @Property(tries = 60)
    void writeThenReadIsIdentity(@ForAll("tensors") List<Spec> specs, @ForAll boolean withMetadata) {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        Map<String, Object> expected = new LinkedHashMap<>();
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            String name = "t" + i + ".weight";
            int n = (int) TensorData.numel(s.shape());
            Random r = new Random(s.seed());
            switch (s.dtype()) {
                case F32, BF16, F16 -> {
                    float[] v = new float[n];
                    for (int k = 0; k < n; k++) v[k] = randomFloat(r);
                    tensors.put(name, TensorData.of(s.dtype(), s.shape(), v));
                    float[] stored = v.clone();
                    for (int k = 0; k < n; k++) stored[k] = roundTo(s.dtype(), v[k]);
                    expected.put(name, stored);
                }
                case I32 -> {
                    int[] v = r.ints(n).toArray();
                    tensors.put(name, TensorData.i32(s.shape(), v));
                    expected.put(name, v);
                }
                case I64 -> {
                    long[] v = r.longs(n).toArray();
                    tensors.put(name, TensorData.i64(s.shape(), v));
                    expected.put(name, v);
                }
            }
        }
        Map<String, String> metadata = withMetadata ? Map.of("format", "pt", "ü", "ß ✓") : Map.of();
        Path dir = tempDir();
        try {
            Path file = dir.resolve("t.safetensors");
            SafetensorsWriter.write(file, tensors, metadata);
            try (SafetensorsFile st = SafetensorsFile.open(file)) {
                assertEquals(tensors.keySet(), st.names());
                assertEquals(metadata, st.metadata());
                for (var e : tensors.entrySet()) {
                    TensorView t = st.tensor(e.getKey());
                    assertEquals(e.getValue().dtype(), t.dtype());
                    assertArrayEquals(e.getValue().shape(), t.shape());
                    switch (t.dtype()) {
                        case F32, BF16, F16 -> assertArrayEquals((float[]) expected.get(e.getKey()), t.toFloatArray());
                        case I32 -> assertArrayEquals((int[]) expected.get(e.getKey()), t.toIntArray());
                        case I64 -> assertArrayEquals((long[]) expected.get(e.getKey()), t.toLongArray());
                    }
                }
            }
        } finally {
            delete(dir);
        }
    }

    @Property(tries = 20)
    void shardedWriteThenReadIsIdentity(@ForAll @IntRange(min = 1, max = 12) int count,
                                        @ForAll @IntRange(min = 1, max = 200) int maxShardBytes) {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        Random r = new Random(count * 31L + maxShardBytes);
        for (int i = 0; i < count; i++) {
            float[] v = new float[r.nextInt(20)];
            for (int k = 0; k < v.length; k++) v[k] = Bf16.round(randomFloat(r));
            tensors.put("layer." + i, TensorData.bf16(new long[] {v.length}, v));
        }
        Path dir = tempDir();
        try {
            List<Path> written = ShardedSafetensorsWriter.write(dir, tensors, Map.of("format", "pt"), maxShardBytes);
            long shards = ShardedSafetensorsWriter.split(tensors, maxShardBytes).size();
            assertEquals(shards <= 1 ? 1 : shards + 1, written.size());
            try (TensorStore store = TensorStore.open(dir)) {
                assertEquals(tensors.keySet(), Set.copyOf(store.names()));
                for (var e : tensors.entrySet()) {
                    float[] v = ((TensorData.Floats) e.getValue().source()).values();
                    assertArrayEquals(v, store.tensor(e.getKey()).toFloatArray());
                }
                if (shards > 1) {
                    long total = tensors.values().stream().mapToLong(TensorData::byteSize).sum();
                    assertEquals(Long.toString(total), store.metadata().get("total_size"));
                }
            }
        } finally {
            delete(dir);
        }
    }

    /** Mostly ordinary magnitudes, some extremes, zeros of both signs and infinities. */
    static float randomFloat(Random r) {
        return switch (r.nextInt(10)) {
            case 0 -> r.nextBoolean() ? 0f : -0f;
            case 1 -> r.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
            case 2 -> Float.intBitsToFloat(r.nextInt()) ; // anything, NaNs included
            default -> (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
        };
    }

    static float roundTo(Dtype dtype, float f) {
        return switch (dtype) {
            case F32 -> f;
            case BF16 -> Bf16.round(f);
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(f));
            default -> throw new IllegalArgumentException(dtype.toString());
        };
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("saelab-st");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
