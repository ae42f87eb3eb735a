package saelab.model.safetensors;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Hugging Face's rules for a safetensors file, written out again from the format's description
 * (not from saelab's reader), restricted to the dtypes saelab knows: the fuzz property's oracle
 * for whether a mutated file is itself a valid file, and what it then holds. Each tensor is
 * described as "dtype shape base64(bytes)", so two decodings compare with equals.
 */
final class ReferenceSafetensors {
    private ReferenceSafetensors() {}

    private static final Map<String, Integer> DTYPE_BYTES = Map.of("F32", 4, "F16", 2, "BF16", 2, "I32", 4, "I64", 8);
    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Tensor name → description, or empty when the bytes are not a valid file. */
    static Optional<Map<String, String>> decode(byte[] file) {
        if (file.length < 8) return Optional.empty();
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 0 || n > file.length - 8L || n > 100_000_000L) return Optional.empty();
        int dataStart = 8 + (int) n;
        if (n == 0 || file[8] != '{') return Optional.empty();
        JsonNode root;
        try {
            String text = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(file, 8, (int) n)).toString(); // REPORTs malformed input by default
            root = STRICT.readTree(text);
        } catch (Exception e) {
            return Optional.empty();
        }
        if (root == null || !root.isObject()) return Optional.empty();
        record Span(String name, long begin, long end, String description) {}
        List<Span> spans = new ArrayList<>();
        for (var field : root.properties()) {
            JsonNode v = field.getValue();
            if (field.getKey().equals("__metadata__")) {
                if (!v.isObject()) return Optional.empty();
                for (var m : v.properties()) if (!m.getValue().isTextual()) return Optional.empty();
                continue;
            }
            if (!v.isObject() || !v.path("dtype").isTextual() || !DTYPE_BYTES.containsKey(v.get("dtype").textValue())) {
                return Optional.empty();
            }
            long[] shape = integers(v.get("shape"));
            long[] offsets = integers(v.get("data_offsets"));
            if (shape == null || offsets == null || offsets.length != 2) return Optional.empty();
            long bytes = DTYPE_BYTES.get(v.get("dtype").textValue());
            try {
                for (long d : shape) {
                    if (d < 0) return Optional.empty();
                    bytes = Math.multiplyExact(bytes, d);
                }
            } catch (ArithmeticException e) {
                return Optional.empty();
            }
            if (offsets[0] < 0 || offsets[1] - offsets[0] != bytes) return Optional.empty();
            spans.add(new Span(field.getKey(), offsets[0], offsets[1], v.get("dtype").textValue() + " " + Arrays.toString(shape)));
        }
        spans.sort(Comparator.comparingLong(Span::begin).thenComparingLong(Span::end));
        long at = 0;
        for (Span s : spans) {
            if (s.begin() != at) return Optional.empty();
            at = s.end();
        }
        if (at != file.length - dataStart) return Optional.empty();
        Map<String, String> out = new TreeMap<>();
        for (Span s : spans) {
            byte[] bytes = Arrays.copyOfRange(file, dataStart + (int) s.begin(), dataStart + (int) s.end());
            out.put(s.name(), s.description() + " " + Base64.getEncoder().encodeToString(bytes));
        }
        return Optional.of(out);
    }

    /** The same description of every tensor in an opened store. */
    static Map<String, String> describe(TensorStore store) {
        Map<String, String> out = new TreeMap<>();
        for (String name : store.names()) {
            TensorView t = store.tensor(name);
            byte[] bytes = t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            out.put(name, t.dtype() + " " + Arrays.toString(t.shape()) + " " + Base64.getEncoder().encodeToString(bytes));
        }
        return out;
    }

    private static long[] integers(JsonNode node) {
        if (node == null || !node.isArray()) return null;
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            if (!node.get(i).isIntegralNumber() || !node.get(i).canConvertToLong()) return null;
            out[i] = node.get(i).longValue();
        }
        return out;
    }
}
