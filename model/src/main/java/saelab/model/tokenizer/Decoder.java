package saelab.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns token strings back into text, step by step as tokenizer.json's decoder lists them.
 * Gemma's: Replace("▁" → " "), ByteFallback (runs of {@code <0xXX>} tokens reassembled into
 * UTF-8, each byte of an invalid run becoming U+FFFD), Fuse (concatenate).
 */
sealed interface Decoder {
    List<String> apply(List<String> tokens);

    record Replace(String pattern, String content) implements Decoder {
        public List<String> apply(List<String> tokens) {
            return tokens.stream().map(t -> t.replace(pattern, content)).toList();
        }
    }

    record ByteFallback() implements Decoder {
        public List<String> apply(List<String> tokens) {
            List<String> out = new ArrayList<>();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int count = 0;
            for (String t : tokens) {
                int b = byteOf(t);
                if (b >= 0) {
                    bytes.write(b);
                    count++;
                    continue;
                }
                if (count > 0) flush(bytes, count, out);
                count = 0;
                out.add(t);
            }
            if (count > 0) flush(bytes, count, out);
            return out;
        }

        private static void flush(ByteArrayOutputStream bytes, int count, List<String> out) {
            try {
                out.add(StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes.toByteArray())).toString());
            } catch (CharacterCodingException e) {
                for (int i = 0; i < count; i++) out.add("\uFFFD");
            }
            bytes.reset();
        }

        /** The byte of a {@code <0xXX>} token, or -1. */
        static int byteOf(String t) {
            if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
            try {
                return Integer.parseInt(t.substring(3, 5), 16);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    record Fuse() implements Decoder {
        public List<String> apply(List<String> tokens) {
            return List.of(String.join("", tokens));
        }
    }

    /** Removes up to {@code start} leading and {@code stop} trailing {@code content} characters of each token. */
    record Strip(char content, int start, int stop) implements Decoder {
        public List<String> apply(List<String> tokens) {
            return tokens.stream().map(t -> {
                int b = 0, e = t.length();
                while (b < Math.min(start, e) && t.charAt(b) == content) b++;
                for (int k = 0; k < stop && e > b && t.charAt(e - 1) == content; k++) e--;
                return t.substring(b, e);
            }).toList();
        }
    }

    record Sequence(List<Decoder> steps) implements Decoder {
        public List<String> apply(List<String> tokens) {
            for (Decoder d : steps) tokens = d.apply(tokens);
            return tokens;
        }
    }

    static Decoder parse(Path file, JsonNode node) {
        if (node == null || node.isNull()) return new Sequence(List.of());
        String type = node.path("type").asText("");
        return switch (type) {
            case "Replace" -> new Replace(Json.literalPattern(file, "decoder Replace", node.get("pattern")),
                    Json.text(file, node, "content", "decoder Replace"));
            case "ByteFallback" -> new ByteFallback();
            case "Fuse" -> new Fuse();
            case "Strip" -> {
                String c = Json.text(file, node, "content", "decoder Strip");
                if (c.length() != 1) throw new TokenizerException(file + ": decoder Strip content must be one character");
                yield new Strip(c.charAt(0), node.path("start").asInt(0), node.path("stop").asInt(0));
            }
            case "Sequence" -> {
                List<Decoder> steps = new ArrayList<>();
                for (JsonNode n : node.path("decoders")) steps.add(parse(file, n));
                yield new Sequence(List.copyOf(steps));
            }
            default -> throw new TokenizerException(file + ": decoder type '" + type
                    + "' is not supported (expected Replace, ByteFallback, Fuse, Strip or Sequence)");
        };
    }
}
