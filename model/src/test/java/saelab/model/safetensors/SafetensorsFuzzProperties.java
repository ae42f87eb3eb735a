package saelab.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static saelab.model.Props.qt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of mutations of small valid files. Each mutant either loads to the original's tensors,
 * or is refused with a SafetensorsException that names the file, or loads to something else only
 * when the mutant is itself a valid file by Hugging Face's rules ({@link ReferenceSafetensors}
 * decodes it to exactly what saelab loaded: a flipped data bit, two same-sized tensors swapped —
 * no format can see those). Anything else is a silently wrong load or a foreign exception, and
 * fails the property. saelab must also accept exactly the files the reference accepts.
 */
class SafetensorsFuzzProperties {
    static final long SEED = 0x5AFE_7E45_0F22L;
    static final int EXAMPLES = 3000;

    enum Mutation { BIT_FLIP, HEADER_BYTE, TRUNCATE, APPEND, HEADER_LENGTH, OFFSETS, DTYPE, SHAPE }

    enum Outcome { SAME, REFUSED, VALID_OTHER_FILE, SILENTLY_WRONG, FOREIGN_EXCEPTION, REFUSED_A_VALID_FILE }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir Path dir;

    @Test
    void everyMutantLoadsTheOriginalOrIsRefusedNamingTheFile() {
        List<byte[]> originals = originals();
        Map<Mutation, Map<Outcome, Integer>> table = new EnumMap<>(Mutation.class);
        for (Mutation m : Mutation.values()) table.put(m, new EnumMap<>(Outcome.class));
        List<String> failures = new ArrayList<>();
        Path file = dir.resolve("mutant.safetensors");

        qt(SEED, EXAMPLES).forAll(integers().between(0, originals.size() * Mutation.values().length - 1), longs().all())
                .checkAssert((which, seed) -> {
                    byte[] original = originals.get(which % originals.size());
                    Mutation mutation = Mutation.values()[which / originals.size()];
                    byte[] mutant = mutate(original, mutation, new SplittableRandom(seed));
                    Outcome outcome = load(original, mutant, file, failures, mutation + " seed " + seed);
                    table.get(mutation).merge(outcome, 1, Integer::sum);
                });

        System.out.println(format(table));
        assertTrue(failures.isEmpty(), failures.size() + " bad outcomes, first: " + failures.stream().limit(5).toList());
        int total = table.values().stream().flatMap(t -> t.values().stream()).mapToInt(Integer::intValue).sum();
        assertTrue(total > EXAMPLES * 9 / 10, "only " + total + " distinct mutants ran");
        for (Mutation m : Mutation.values()) {
            // Every class was exercised and every class can be caught.
            assertTrue(table.get(m).getOrDefault(Outcome.REFUSED, 0) > 0, m + " never refused: " + table.get(m));
        }
        // Data-only flips load a different but valid file; the property saw such loads, not only refusals.
        assertTrue(table.get(Mutation.BIT_FLIP).getOrDefault(Outcome.VALID_OTHER_FILE, 0) > 0, table.toString());
    }

    private static Outcome load(byte[] original, byte[] mutant, Path file, List<String> failures, String what) {
        write(file, mutant);
        var reference = ReferenceSafetensors.decode(mutant);
        Map<String, String> loaded;
        try (TensorStore s = TensorStore.open(file)) {
            loaded = ReferenceSafetensors.describe(s);
        } catch (SafetensorsException e) {
            String m = e.getMessage();
            if (!m.startsWith(file.toString()) || m.contains("\n") || m.contains("Exception")) {
                failures.add(what + ": message does not name the file in one line: " + m);
            }
            if (reference.isPresent()) {
                failures.add(what + ": refused a file the reference accepts: " + m);
                return Outcome.REFUSED_A_VALID_FILE;
            }
            return Outcome.REFUSED;
        } catch (RuntimeException e) {
            failures.add(what + ": " + e);
            return Outcome.FOREIGN_EXCEPTION;
        }
        if (reference.isPresent() && loaded.equals(reference.get())) {
            return loaded.equals(ReferenceSafetensors.decode(original).orElseThrow()) ? Outcome.SAME : Outcome.VALID_OTHER_FILE;
        }
        failures.add(what + ": loaded " + loaded + " but the reference says " + reference);
        return Outcome.SILENTLY_WRONG;
    }

    /** Small valid files: mixed dtypes with metadata and an empty tensor; two same-sized tensors; one tensor. */
    private List<byte[]> originals() {
        SplittableRandom r = new SplittableRandom(SEED);
        Map<String, TensorData> mixed = new LinkedHashMap<>();
        mixed.put("a", TensorData.f32(new long[] {2, 3}, floats(r, 6)));
        mixed.put("b", TensorData.bf16(new long[] {4}, floats(r, 4)));
        mixed.put("c", TensorData.i64(new long[] {2}, new long[] {r.nextLong(), -1}));
        mixed.put("empty", TensorData.i32(new long[] {0, 5}, new int[0]));
        mixed.put("e", TensorData.f16(new long[] {1, 2}, floats(r, 2)));
        Map<String, TensorData> pair = new LinkedHashMap<>();
        pair.put("x", TensorData.f32(new long[] {2}, floats(r, 2)));
        pair.put("y", TensorData.i32(new long[] {2}, new int[] {r.nextInt(), 7}));
        List<byte[]> out = new ArrayList<>();
        out.add(written("mixed", mixed, Map.of("step", "7")));
        out.add(written("pair", pair, Map.of()));
        out.add(written("one", Map.of("w", TensorData.f32(new long[] {3}, floats(r, 3))), Map.of()));
        for (byte[] f : out) assertTrue(ReferenceSafetensors.decode(f).isPresent(), "the reference refuses an original");
        return out;
    }

    private byte[] written(String name, Map<String, TensorData> tensors, Map<String, String> metadata) {
        Path f = dir.resolve(name + ".safetensors");
        SafetensorsWriter.write(f, tensors, metadata);
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] floats(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextDouble() * 200 - 100);
        return v;
    }

    static byte[] mutate(byte[] file, Mutation m, SplittableRandom r) {
        return switch (m) {
            case BIT_FLIP -> {
                byte[] out = file.clone();
                int flips = 1 + (r.nextInt(4) == 0 ? r.nextInt(3) : 0);
                for (int i = 0; i < flips; i++) out[r.nextInt(out.length)] ^= (byte) (1 << r.nextInt(8));
                yield out;
            }
            case HEADER_BYTE -> {
                // One header byte set to a byte that matters to JSON or to UTF-8 (structure, digits, zero, invalid lead bytes).
                byte[] interesting = {0, (byte) 0xff, (byte) 0x80, (byte) 0xc3, '"', '{', '}', '[', ',', ':', ' ', '\n', '0', '9', '-', 'e'};
                byte[] out = file.clone();
                out[8 + r.nextInt((int) headerLength(file))] = interesting[r.nextInt(interesting.length)];
                yield out;
            }
            case TRUNCATE -> Arrays.copyOf(file, r.nextInt(file.length));
            case APPEND -> {
                byte[] tail = new byte[1 + r.nextInt(16)];
                if (r.nextBoolean()) Arrays.fill(tail, (byte) ' '); else r.nextBytes(tail);
                byte[] out = Arrays.copyOf(file, file.length + tail.length);
                System.arraycopy(tail, 0, out, file.length, tail.length);
                yield out;
            }
            case HEADER_LENGTH -> {
                long n = headerLength(file);
                long edited = switch (r.nextInt(4)) {
                    case 0, 1 -> n + (r.nextBoolean() ? 1 : -1) * (1 + r.nextInt(7));
                    case 2 -> r.nextLong(file.length + 16L);
                    default -> r.nextLong();
                };
                byte[] out = file.clone();
                ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, edited);
                yield out;
            }
            case OFFSETS, DTYPE, SHAPE -> editHeader(file, m, r);
        };
    }

    /** Parses the header, edits one entry's field, and writes it back with a correct, padded length. */
    private static byte[] editHeader(byte[] file, Mutation m, SplittableRandom r) {
        int n = (int) headerLength(file);
        ObjectNode root;
        try {
            root = (ObjectNode) JSON.readTree(Arrays.copyOfRange(file, 8, 8 + n));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> names = new ArrayList<>();
        root.fieldNames().forEachRemaining(k -> { if (!k.equals("__metadata__")) names.add(k); });
        ObjectNode entry = (ObjectNode) root.get(names.get(r.nextInt(names.size())));
        switch (m) {
            case OFFSETS -> {
                ArrayNode offsets = (ArrayNode) entry.get("data_offsets");
                if (names.size() > 1 && r.nextInt(4) == 0) {
                    // Swap two tensors' offsets: valid when their byte counts agree.
                    ObjectNode other = (ObjectNode) root.get(names.get(r.nextInt(names.size())));
                    JsonNode mine = offsets.deepCopy();
                    entry.set("data_offsets", other.get("data_offsets"));
                    other.set("data_offsets", mine);
                } else {
                    int i = r.nextInt(2);
                    long v = offsets.get(i).longValue();
                    offsets.set(i, r.nextBoolean() ? v + (r.nextBoolean() ? 1 : -1) * (1 + r.nextInt(8)) : r.nextLong(64));
                }
            }
            case DTYPE -> {
                String[] dtypes = {"F32", "F16", "BF16", "I32", "I64", "F64", "U8", "f32", ""};
                entry.put("dtype", dtypes[r.nextInt(dtypes.length)]);
            }
            case SHAPE -> {
                ArrayNode shape = (ArrayNode) entry.get("shape");
                int choice = r.nextInt(4);
                if (choice == 0 && !shape.isEmpty()) {
                    int i = r.nextInt(shape.size());
                    shape.set(i, shape.get(i).longValue() + (r.nextBoolean() ? 1 : -1));
                } else if (choice == 1) {
                    shape.insert(r.nextInt(shape.size() + 1), r.nextInt(3)); // a dimension of 0, 1 or 2
                } else if (choice == 2 && !shape.isEmpty()) {
                    shape.remove(r.nextInt(shape.size()));
                } else {
                    // Reversed: the same byte count, so a valid file with another shape.
                    List<JsonNode> dims = new ArrayList<>();
                    shape.forEach(dims::add);
                    shape.removeAll();
                    for (int i = dims.size() - 1; i >= 0; i--) shape.add(dims.get(i));
                }
            }
            default -> throw new IllegalArgumentException(m.toString());
        }
        byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[8 + padded + file.length - 8 - n];
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
        System.arraycopy(json, 0, out, 8, json.length);
        Arrays.fill(out, 8 + json.length, 8 + padded, (byte) ' ');
        System.arraycopy(file, 8 + n, out, 8 + padded, file.length - 8 - n);
        return out;
    }

    private static long headerLength(byte[] file) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String format(Map<Mutation, Map<Outcome, Integer>> table) {
        StringBuilder sb = new StringBuilder("safetensors fuzz, seed " + SEED + ", " + EXAMPLES + " examples\n");
        sb.append(String.format("%-14s", "mutation"));
        for (Outcome o : Outcome.values()) sb.append(String.format(" %22s", o.name().toLowerCase()));
        sb.append('\n');
        for (var row : table.entrySet()) {
            sb.append(String.format("%-14s", row.getKey().name().toLowerCase()));
            for (Outcome o : Outcome.values()) sb.append(String.format(" %22d", row.getValue().getOrDefault(o, 0)));
            sb.append('\n');
        }
        return sb.toString();
    }
}
