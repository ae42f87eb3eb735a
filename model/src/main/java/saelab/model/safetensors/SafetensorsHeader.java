package saelab.model.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON header of a safetensors file, checked against the size of the data that follows it:
 * every entry has a known dtype, a non-negative shape and offsets [begin, end) whose length is
 * exactly the shape's element count times the dtype size, and the tensors, in offset order, tile
 * the data exactly: no gap, no overlap, no trailing byte (Hugging Face's rules). Without the
 * tiling a header length a few bytes short (eating the writer's space padding) was accepted and
 * every tensor read shifted. Anything else is a {@link SafetensorsException} naming the file and
 * tensor.
 */
record SafetensorsHeader(Map<String, Entry> entries, Map<String, String> metadata) {

    /** Where one tensor lies, relative to the first byte after the header. */
    record Entry(String name, Dtype dtype, long[] shape, long begin, long end) {
        long byteSize() {
            return end - begin;
        }
    }

    static final String METADATA_KEY = "__metadata__";
    /** The reference implementation refuses headers above 100 MB; so do we, before allocating. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static SafetensorsHeader parse(Path file, byte[] json, long dataBytes) {
        JsonNode root;
        String text;
        try {
            // Decoded here, strictly: given bytes, Jackson would guess UTF-16 or UTF-32 from zero bytes.
            text = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(json)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw SafetensorsException.inFile(file, "header is not valid UTF-8 (expected a UTF-8 JSON object)");
        }
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            throw SafetensorsException.inFile(file, "header is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw SafetensorsException.inFile(file, "cannot read JSON: " + saelab.model.IoErrors.reason(e));
        }
        if (json.length > 0 && json[0] != '{' && root != null && root.isObject()) {
            throw SafetensorsException.inFile(file, "header must begin with '{', found byte " + (json[0] & 0xff)
                    + " (the format allows padding only after the JSON)");
        }
        if (root == null || !root.isObject()) {
            throw SafetensorsException.inFile(file, "header must be a JSON object of tensor entries, found "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        for (var field : root.properties()) {
            String name = field.getKey();
            if (name.equals(METADATA_KEY)) {
                metadata = parseMetadata(file, field.getValue());
            } else {
                entries.put(name, parseEntry(file, name, field.getValue(), dataBytes));
            }
        }
        checkTiling(file, entries.values(), dataBytes);
        return new SafetensorsHeader(Collections.unmodifiableMap(entries), metadata);
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) {
        if (!node.isObject()) {
            throw SafetensorsException.inFile(file, METADATA_KEY + " must be an object of string values");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (var field : node.properties()) {
            if (!field.getValue().isTextual()) {
                throw SafetensorsException.inFile(file, METADATA_KEY + "." + field.getKey()
                        + " must be a string, found " + field.getValue().getNodeType().toString().toLowerCase());
            }
            metadata.put(field.getKey(), field.getValue().textValue());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static Entry parseEntry(Path file, String name, JsonNode node, long dataBytes) {
        if (!node.isObject()) {
            throw SafetensorsException.inTensor(file, name, "entry must be an object {dtype, shape, data_offsets}");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw SafetensorsException.inTensor(file, name, "missing \"dtype\" (expected a string, one of "
                    + Dtype.knownNames() + ")");
        }
        Dtype dtype = Dtype.fromHeaderName(dtypeNode.textValue()).orElseThrow(() -> SafetensorsException.inTensor(
                file, name, "unknown dtype '" + dtypeNode.textValue() + "' (expected one of " + Dtype.knownNames() + ")"));
        long[] shape = longArray(file, name, node.get("shape"), "shape", -1);
        long[] offsets = longArray(file, name, node.get("data_offsets"), "data_offsets", 2);
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw SafetensorsException.inTensor(file, name, "shape[" + i + "] is " + shape[i]
                        + ", expected a non-negative dimension");
            }
        }
        long begin = offsets[0], end = offsets[1];
        if (begin < 0 || begin > end) {
            throw SafetensorsException.inTensor(file, name, "data_offsets [" + begin + ", " + end
                    + "] are not an interval: expected 0 <= begin <= end");
        }
        if (end > dataBytes) {
            throw SafetensorsException.inTensor(file, name, "data_offsets [" + begin + ", " + end
                    + "] run past the end of the data (" + dataBytes + " bytes after the header)");
        }
        long expectedBytes;
        try {
            long numel = 1;
            for (long d : shape) numel = Math.multiplyExact(numel, d);
            expectedBytes = Math.multiplyExact(numel, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw SafetensorsException.inTensor(file, name, "shape " + java.util.Arrays.toString(shape)
                    + " has more elements than a file can hold");
        }
        if (expectedBytes != end - begin) {
            throw SafetensorsException.inTensor(file, name, "shape " + java.util.Arrays.toString(shape) + " of "
                    + dtype + " needs " + expectedBytes + " bytes, but data_offsets [" + begin + ", " + end
                    + "] span " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** A JSON array of integers (of exactly {@code length} when length ≥ 0). */
    private static long[] longArray(Path file, String name, JsonNode node, String key, int length) {
        String expected = length < 0 ? "an array of integers" : "an array of " + length + " integers";
        if (node == null) {
            throw SafetensorsException.inTensor(file, name, "missing \"" + key + "\" (expected " + expected + ")");
        }
        if (!node.isArray() || (length >= 0 && node.size() != length)) {
            throw SafetensorsException.inTensor(file, name, "\"" + key + "\" is " + node + ", expected " + expected);
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                throw SafetensorsException.inTensor(file, name, "\"" + key + "\" is " + node + ", expected " + expected);
            }
            out[i] = v.longValue();
        }
        return out;
    }

    /**
     * Sorted by offsets, each tensor must start exactly where the previous one ended (the first at
     * 0) and the last must end exactly at the end of the data.
     */
    private static void checkTiling(Path file, Iterable<Entry> entries, long dataBytes) {
        List<Entry> sorted = new ArrayList<>();
        entries.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expectedBegin = 0;
        Entry prev = null;
        for (Entry cur : sorted) {
            if (cur.begin() < expectedBegin) {
                throw SafetensorsException.inTensor(file, cur.name(), "data_offsets [" + cur.begin() + ", "
                        + cur.end() + "] overlap tensor '" + prev.name() + "' at [" + prev.begin() + ", "
                        + prev.end() + "]: expected each tensor to own its bytes");
            }
            if (cur.begin() > expectedBegin) {
                throw SafetensorsException.inTensor(file, cur.name(), "data_offsets [" + cur.begin() + ", "
                        + cur.end() + "] leave bytes [" + expectedBegin + ", " + cur.begin() + ") unused: expected it to begin at "
                        + expectedBegin + (prev == null ? " (the start of the data)" : " where tensor '" + prev.name() + "' ends"));
            }
            expectedBegin = cur.end();
            prev = cur;
        }
        if (expectedBegin != dataBytes) {
            throw SafetensorsException.inFile(file, (dataBytes - expectedBegin) + " bytes after the last tensor"
                    + " (the data is " + dataBytes + " bytes but the tensors end at " + expectedBegin
                    + "): expected the tensors to fill the data exactly; is the header length wrong or the file appended to?");
        }
    }
}
