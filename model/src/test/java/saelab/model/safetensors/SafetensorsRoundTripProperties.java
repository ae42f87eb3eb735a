package saelab.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;
import static saelab.model.Props.qt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import saelab.tensor.kernels.Bf16;

/** Write then read is the identity, for every dtype, after rounding floats to the stored type. */
class SafetensorsRoundTripProperties {

    /** One generated tensor: dtype, shape (rank 0..4, dims 0..7) and its values (floats, ints or longs). */
    record Spec(Dtype dtype, long[] shape, float[] floats, int[] ints, long[] longs) {
        @Override public String toString() {
            return dtype + Arrays.toString(shape) + switch (dtype) {
                case I32 -> Arrays.toString(ints);
                case I64 -> Arrays.toString(longs);
                default -> Arrays.toString(floats);
            };
        }
    }

    /** Mostly ordinary magnitudes (1e-4..1e4), some zeros of both signs, infinities and any bit pattern (NaNs included). */
    static Gen<Float> anyFloat() {
        Gen<Float> ordinary = doubles().between(-3, 3).zip(integers().between(-4, 4), (v, e) -> (float) (v * Math.pow(10, e)));
        return Generate.frequency(Pair.of(7, ordinary),
                Pair.of(1, booleans().all().map(b -> b ? 0f : -0f)),
                Pair.of(1, booleans().all().map(b -> b ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY)),
                Pair.of(1, integers().all().map(Float::intBitsToFloat)));
    }

    static Gen<float[]> floatArrays(int n) {
        return lists().of(anyFloat()).ofSize(n).map(l -> {
            float[] a = new float[l.size()];
            for (int i = 0; i < a.length; i++) a[i] = l.get(i);
            return a;
        });
    }

    static Gen<Spec> spec() {
        Gen<long[]> shapes = lists().of(longs().between(0, 7)).ofSizeBetween(0, 4)
                .map(l -> l.stream().mapToLong(Long::longValue).toArray());
        return arbitrary().enumValues(Dtype.class).zip(shapes, Pair::of).flatMap(ds -> {
            Dtype dt = ds._1;
            long[] shape = ds._2;
            int n = (int) TensorData.numel(shape);
            return switch (dt) {
                case I32 -> lists().of(integers().all()).ofSize(n)
                        .map(l -> new Spec(dt, shape, null, l.stream().mapToInt(Integer::intValue).toArray(), null));
                case I64 -> lists().of(longs().all()).ofSize(n)
                        .map(l -> new Spec(dt, shape, null, null, l.stream().mapToLong(Long::longValue).toArray()));
                default -> floatArrays(n).map(v -> new Spec(dt, shape, v, null, null));
            };
        });
    }

    /** 0 to 6 tensors (0 elements where a dimension is 0, 1 for rank 0, up to 7⁴), with or without metadata. */
    @Test
    void writeThenReadIsIdentity() {
        qt(7101, 80).forAll(lists().of(spec()).ofSizeBetween(0, 6), booleans().all()).checkAssert((specs, withMetadata) -> {
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            Map<String, Object> expected = new LinkedHashMap<>();
            for (int i = 0; i < specs.size(); i++) {
                Spec s = specs.get(i);
                String name = "t" + i + ".weight";
                switch (s.dtype()) {
                    case F32, BF16, F16 -> {
                        tensors.put(name, TensorData.of(s.dtype(), s.shape(), s.floats().clone()));
                        float[] stored = s.floats().clone();
                        for (int k = 0; k < stored.length; k++) stored[k] = roundTo(s.dtype(), stored[k]);
                        expected.put(name, stored);
                    }
                    case I32 -> {
                        tensors.put(name, TensorData.i32(s.shape(), s.ints().clone()));
                        expected.put(name, s.ints());
                    }
                    case I64 -> {
                        tensors.put(name, TensorData.i64(s.shape(), s.longs().clone()));
                        expected.put(name, s.longs());
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
        });
    }

    /**
     * 1 to 14 bf16 vectors of 0 to 24 values, split into shards of at most 1 to 240 bytes (so from
     * one shard to one per tensor): the index lists every shard, and the store reads back every tensor.
     */
    @Test
    void shardedWriteThenReadIsIdentity() {
        Gen<List<float[]>> vectors = lists().of(integers().between(0, 24).flatMap(SafetensorsRoundTripProperties::floatArrays))
                .ofSizeBetween(1, 14).describedAs(l -> l.stream().map(Arrays::toString).toList().toString());
        qt(7102, 60).forAll(vectors, integers().between(1, 240)).checkAssert((values, maxShardBytes) -> {
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            for (int i = 0; i < values.size(); i++) {
                float[] v = values.get(i).clone();
                for (int k = 0; k < v.length; k++) v[k] = Bf16.round(v[k]);
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
        });
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
