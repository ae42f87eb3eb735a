package saelab.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static saelab.model.Props.qt;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.Charset;
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
 * Mutations of a sharded checkpoint's model.safetensors.index.json (and of its shard set). Each
 * mutant either opens to exactly the original tensors (same names, dtypes, shapes and bytes:
 * e.g. a changed metadata value or whitespace) or is refused with a SafetensorsException naming
 * the index or the shard at fault. Anything else — a store with other tensors, or any other
 * exception — fails the property. The table of mutation class × outcome is printed.
 */
class ShardIndexFuzzProperties {
    static final long SEED = 0x1D3C_5EED_0014L;
    static final int EXAMPLES = 2000;

    enum Mutation { TRUNCATE, BYTE, WRONG_SHARD_NAME, MISSING_SHARD_FILE, TWO_SHARDS, NON_STRING_VALUE, ENCODING, DROP_ENTRY, RENAME_TENSOR }

    enum Outcome { SAME, REFUSED, SILENTLY_WRONG, FOREIGN_EXCEPTION, REFUSED_WITHOUT_THE_FILE }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir Path dir;

    @Test
    void everyMutantOpensToTheOriginalTensorsOrIsRefusedNamingTheFile() throws IOException {
        Path checkpoint = Files.createDirectory(dir.resolve("checkpoint"));
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        SplittableRandom r0 = new SplittableRandom(3);
        for (int i = 0; i < 7; i++) {
            float[] v = new float[3 + i];
            for (int k = 0; k < v.length; k++) v[k] = (float) r0.nextGaussian();
            tensors.put("model.layers." + i + ".weight", i % 2 == 0 ? TensorData.bf16(new long[] {v.length}, v) : TensorData.f32(new long[] {v.length}, v));
        }
        ShardedSafetensorsWriter.write(checkpoint, tensors, Map.of("format", "pt"), 40);
        Path index = checkpoint.resolve(TensorStore.INDEX_FILE);
        // A non-ASCII metadata value, as a model card's text may have: re-encoded as Latin-1 it is no longer UTF-8.
        ObjectNode root = (ObjectNode) JSON.readTree(Files.readAllBytes(index));
        ((ObjectNode) root.get("metadata")).put("note", "café — naïve ünïcode");
        // Spaced as Python's json.dumps(indent=2) writes it: "key": "value".
        byte[] original = (root.toPrettyString().replace("\" : ", "\": ") + "\n").getBytes(StandardCharsets.UTF_8);
        Files.write(index, original);
        List<String> shardNames = new ArrayList<>();
        root.get("weight_map").properties().forEach(e -> { if (!shardNames.contains(e.getValue().textValue())) shardNames.add(e.getValue().textValue()); });
        assertTrue(shardNames.size() >= 3, "the fixture has several shards: " + shardNames);
        Map<String, byte[]> expected = snapshot(index);
        assertEquals(tensors.keySet(), expected.keySet().stream().map(k -> k.substring(0, k.indexOf('|'))).collect(java.util.stream.Collectors.toSet()));

        Map<Mutation, Map<Outcome, Integer>> table = new EnumMap<>(Mutation.class);
        for (Mutation m : Mutation.values()) table.put(m, new EnumMap<>(Outcome.class));
        List<String> failures = new ArrayList<>();
        List<String> names = new ArrayList<>(tensors.keySet());
        qt(SEED, EXAMPLES).forAll(integers().between(0, Mutation.values().length - 1), longs().all()).checkAssert((which, seed) -> {
            Mutation mutation = Mutation.values()[which];
            SplittableRandom r = new SplittableRandom(seed);
            String text = new String(original, StandardCharsets.UTF_8);
            byte[] mutant = original;
            Path removed = null;
            switch (mutation) {
                case TRUNCATE -> mutant = Arrays.copyOf(original, r.nextInt(original.length));
                case BYTE -> {
                    mutant = original.clone();
                    mutant[r.nextInt(mutant.length)] = (byte) r.nextInt(256);
                }
                case WRONG_SHARD_NAME -> {
                    String name = names.get(r.nextInt(names.size())), shard = mappedShard(text, name);
                    String[] others = {shardNames.get(r.nextInt(shardNames.size())), "model-00009-of-00003.safetensors",
                            shard.toUpperCase(), shard + ".bak", "sub/" + shard, "", " " + shard, "model.safetensors"};
                    mutant = remap(text, name, shard, others[r.nextInt(others.length)]);
                }
                case MISSING_SHARD_FILE -> removed = checkpoint.resolve(shardNames.get(r.nextInt(shardNames.size())));
                case TWO_SHARDS -> {
                    // The same tensor listed twice, in its own shard and another (or the same one again).
                    String name = names.get(r.nextInt(names.size())), shard = mappedShard(text, name);
                    String entry = "\"" + name + "\": \"" + shard + "\"";
                    String other = "\"" + name + "\": \"" + shardNames.get(r.nextInt(shardNames.size())) + "\",\n    ";
                    mutant = text.replace(entry, other + entry).getBytes(StandardCharsets.UTF_8);
                }
                case NON_STRING_VALUE -> {
                    String[] values = {"1", "null", "true", "[\"" + shardNames.getFirst() + "\"]", "{\"file\": \"" + shardNames.getFirst() + "\"}", "1.5e3", "-0"};
                    String value = values[r.nextInt(values.length)];
                    int where = r.nextInt(4);
                    if (where == 0) {
                        // weight_map itself is no object.
                        int at = text.indexOf("\"weight_map\"");
                        mutant = (text.substring(0, at) + "\"weight_map\": " + value + "\n}\n").getBytes(StandardCharsets.UTF_8);
                    } else if (where == 1) {
                        mutant = ("{\"metadata\": {\"note\": " + value + "}, " + text.substring(text.indexOf("\"weight_map\""))).getBytes(StandardCharsets.UTF_8);
                    } else {
                        String name = names.get(r.nextInt(names.size()));
                        mutant = text.replace("\"" + name + "\": \"" + mappedShard(text, name) + "\"", "\"" + name + "\": " + value).getBytes(StandardCharsets.UTF_8);
                    }
                }
                case ENCODING -> {
                    Charset[] encodings = {StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE, StandardCharsets.UTF_16,
                            Charset.forName("UTF-32"), Charset.forName("UTF-32LE"), StandardCharsets.ISO_8859_1, Charset.forName("windows-1252")};
                    int pick = r.nextInt(encodings.length + 2);
                    if (pick < encodings.length) {
                        mutant = text.getBytes(encodings[pick]);
                    } else if (pick == encodings.length) {
                        mutant = concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, original); // UTF-8 with a byte-order mark
                    } else {
                        mutant = concat(new byte[] {(byte) 0xFF, (byte) 0xFE}, text.getBytes(StandardCharsets.UTF_16LE)); // UTF-16LE with its mark
                    }
                }
                case DROP_ENTRY -> {
                    String name = names.get(r.nextInt(names.size()));
                    mutant = dropEntry(text, name).getBytes(StandardCharsets.UTF_8);
                }
                case RENAME_TENSOR -> {
                    String name = names.get(r.nextInt(names.size()));
                    String[] renamed = {name + "x", name.toUpperCase(), name.replace("weight", "bias"), "", name.substring(1)};
                    mutant = text.replace("\"" + name + "\":", "\"" + renamed[r.nextInt(renamed.length)] + "\":").getBytes(StandardCharsets.UTF_8);
                }
            }
            Outcome outcome = open(checkpoint, index, mutant, removed, expected, failures, mutation + " seed " + seed);
            table.get(mutation).merge(outcome, 1, Integer::sum);
        });
        Files.write(index, original);

        System.out.println(format(table));
        assertTrue(failures.isEmpty(), failures.size() + " bad outcomes, first: " + failures.stream().limit(5).toList());
        for (Mutation m : Mutation.values()) assertTrue(table.get(m).getOrDefault(Outcome.REFUSED, 0) > 0, m + " never refused: " + table.get(m));
        // Mutations outside weight_map's names and files (metadata, whitespace) open to the original tensors: the property saw both outcomes.
        assertTrue(table.get(Mutation.BYTE).getOrDefault(Outcome.SAME, 0) > 0, table.toString());
        assertEquals(0, table.get(Mutation.ENCODING).getOrDefault(Outcome.SAME, 0), "no other encoding is accepted: " + table);
    }

    private static Outcome open(Path checkpoint, Path index, byte[] mutant, Path removed, Map<String, byte[]> expected,
                                List<String> failures, String what) {
        Path aside = removed == null ? null : removed.resolveSibling(removed.getFileName() + ".aside");
        try {
            Files.write(index, mutant);
            if (removed != null) Files.move(removed, aside);
            try {
                Map<String, byte[]> got = snapshot(index);
                if (sameTensors(expected, got)) return Outcome.SAME;
                failures.add(what + ": opened to other tensors " + got.keySet());
                return Outcome.SILENTLY_WRONG;
            } catch (SafetensorsException e) {
                String m = e.getMessage();
                if (m.contains(index.toString()) || (removed != null && m.contains(removed.toString()))) {
                    if (what.startsWith("ENCODING") && !m.contains("UTF-8")) failures.add(what + ": the message does not say UTF-8: " + m);
                    return Outcome.REFUSED;
                }
                failures.add(what + ": refused without naming the file: " + m);
                return Outcome.REFUSED_WITHOUT_THE_FILE;
            } catch (RuntimeException e) {
                failures.add(what + ": " + e);
                return Outcome.FOREIGN_EXCEPTION;
            } finally {
                if (removed != null) Files.move(aside, removed);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** name|dtype|shape → bytes of every tensor the store opened at {@code index} holds. */
    static Map<String, byte[]> snapshot(Path index) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (TensorStore store = TensorStore.open(index.getParent())) {
            for (String name : store.names()) {
                TensorView t = store.tensor(name);
                out.put(name + "|" + t.dtype() + "|" + Arrays.toString(t.shape()), t.data().toArray(ValueLayout.JAVA_BYTE));
            }
        }
        return out;
    }

    static boolean sameTensors(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (!a.keySet().equals(b.keySet())) return false;
        for (var e : a.entrySet()) if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) return false;
        return true;
    }

    static String mappedShard(String indexText, String name) {
        int at = indexText.indexOf("\"" + name + "\": \"") + name.length() + 5;
        return indexText.substring(at, indexText.indexOf('"', at));
    }

    static byte[] remap(String text, String name, String from, String to) {
        return text.replace("\"" + name + "\": \"" + from + "\"", "\"" + name + "\": \"" + to + "\"").getBytes(StandardCharsets.UTF_8);
    }

    /** The index without the weight_map line of {@code name} (a trailing comma fixed up, so it stays valid JSON). */
    static String dropEntry(String text, String name) {
        List<String> lines = new ArrayList<>(text.lines().toList());
        int i = 0;
        while (!lines.get(i).contains("\"" + name + "\":")) i++;
        lines.remove(i);
        if (!lines.get(i).trim().startsWith("\"")) lines.set(i - 1, lines.get(i - 1).replaceAll(",\\s*$", ""));
        return String.join("\n", lines) + "\n";
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static String format(Map<Mutation, Map<Outcome, Integer>> table) {
        StringBuilder sb = new StringBuilder("shard-index fuzz (seed " + SEED + ", " + EXAMPLES + " examples): mutation × outcome\n");
        sb.append(String.format("%-20s", "mutation"));
        for (Outcome o : Outcome.values()) sb.append(String.format("%26s", o));
        sb.append('\n');
        for (var e : table.entrySet()) {
            sb.append(String.format("%-20s", e.getKey()));
            for (Outcome o : Outcome.values()) sb.append(String.format("%26d", e.getValue().getOrDefault(o, 0)));
            sb.append('\n');
        }
        return sb.toString();
    }
}
