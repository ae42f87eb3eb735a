package saelab.model.synthetic;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import saelab.model.AtomicFiles;
import saelab.model.tokenizer.GemmaTokenizer;

/**
 * A Gemma-style tokenizer.json of any vocabulary size, built as Gemma's is laid out: special
 * tokens {@code <pad>=0, <eos>=1, <bos>=2, <unk>=3}, the 256 byte-fallback tokens
 * {@code <0x00>..<0xFF>}, "▁" and the printable ASCII characters, then BPE merges: first those
 * learnt from a built-in English sample (so common words become few tokens, as with a real
 * tokenizer), then, to reach the size asked for, merges of random pairs of existing tokens.
 * Normalizer " " → "▁", no pre-tokenizer, {@code <bos>} prepended, decoder ▁ → " ", byte
 * fallback, fuse.
 */
public final class SyntheticTokenizer {
    private SyntheticTokenizer() {}

    static final String[] SPECIALS = {"<pad>", "<eos>", "<bos>", "<unk>"};
    private static final int MAX_SYNTHETIC_TOKEN_CHARS = 16;

    private static final String SAMPLE = String.join("\n",
            "The quick brown fox jumps over the lazy dog. The dog was not amused, and the fox ran into the woods.",
            "In the beginning there was a small language model that learned to predict the next token of a text.",
            "Sparse autoencoders find features in the residual stream of a transformer: each feature is a direction.",
            "She said that the weather would be fine tomorrow, so they planned a walk along the river in the morning.",
            "It is not the strongest of the species that survives, nor the most intelligent, but the one that adapts.",
            "There are many things that we can learn from the history of science and the people who made it.",
            "He went to the station and bought a ticket for the train that would leave at seven in the evening.",
            "The results of the experiment were interesting: the model had learned features for numbers and names.");

    /** The smallest vocabulary that holds the specials, the byte tokens, "▁" and printable ASCII. */
    public static int minimumVocabSize() {
        return SPECIALS.length + 256 + 1 + ('~' - '!' + 1);
    }

    /** Writes {@code dir/tokenizer.json} (atomically) with exactly {@code vocabSize} tokens; returns the file. */
    public static Path write(Path dir, int vocabSize, long seed) {
        if (vocabSize < minimumVocabSize()) {
            throw new IllegalArgumentException("vocabulary size " + vocabSize + " is below the " + minimumVocabSize()
                    + " base tokens (specials, bytes, printable characters)");
        }
        Vocabulary v = new Vocabulary();
        for (String s : SPECIALS) v.add(s);
        for (int b = 0; b < 256; b++) v.add(String.format("<0x%02X>", b));
        v.add("▁");
        for (char ch = '!'; ch <= '~'; ch++) v.add(String.valueOf(ch));
        List<String[]> merges = new ArrayList<>();
        learnMerges(v, merges, vocabSize);
        randomMerges(v, merges, vocabSize, seed);
        Path file = dir.resolve(GemmaTokenizer.FILE_NAME);
        AtomicFiles.write(file, json(v, merges));
        return file;
    }

    /** Token ↔ id, in the order added. */
    private static final class Vocabulary {
        final List<String> tokens = new ArrayList<>();
        final Map<String, Integer> ids = new HashMap<>();

        boolean add(String token) {
            if (ids.putIfAbsent(token, tokens.size()) != null) return false;
            tokens.add(token);
            return true;
        }

        int size() {
            return tokens.size();
        }
    }

    /**
     * Plain BPE training on the sample's words ("▁" + word, as sentencepiece splits them): merge
     * the most frequent adjacent pair (ties: first seen) while it occurs at least twice.
     */
    private static void learnMerges(Vocabulary v, List<String[]> merges, int vocabSize) {
        List<List<String>> lines = new ArrayList<>();
        for (String word : SAMPLE.replace('\n', ' ').split(" ")) {
            List<String> symbols = new ArrayList<>();
            ("▁" + word).codePoints().forEach(cp -> symbols.add(Character.toString(cp)));
            lines.add(symbols);
        }
        while (v.size() < vocabSize) {
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (List<String> s : lines) {
                for (int i = 0; i + 1 < s.size(); i++) counts.merge(s.get(i) + " " + s.get(i + 1), 1, Integer::sum);
            }
            String best = null;
            int bestCount = 1;
            for (var e : counts.entrySet()) {
                if (e.getValue() > bestCount) { best = e.getKey(); bestCount = e.getValue(); }
            }
            if (best == null) return;
            String[] pair = best.split(" ");
            String merged = pair[0] + pair[1];
            if (!v.add(merged)) return; // cannot happen with whole-pair merges; stop rather than loop
            merges.add(pair);
            for (List<String> s : lines) {
                for (int i = 0; i + 1 < s.size(); i++) {
                    if (s.get(i).equals(pair[0]) && s.get(i + 1).equals(pair[1])) {
                        s.set(i, merged);
                        s.remove(i + 1);
                    }
                }
            }
        }
    }

    /** Fills the vocabulary with merges of two random existing (non-special, non-byte) tokens. */
    private static void randomMerges(Vocabulary v, List<String[]> merges, int vocabSize, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int firstMergeable = SPECIALS.length + 256;
        while (v.size() < vocabSize) {
            String a = v.tokens.get(firstMergeable + random.nextInt(v.size() - firstMergeable));
            String b = v.tokens.get(firstMergeable + random.nextInt(v.size() - firstMergeable));
            if (a.length() + b.length() > MAX_SYNTHETIC_TOKEN_CHARS) continue;
            if (v.add(a + b)) merges.add(new String[] {a, b});
        }
    }

    private static byte[] json(Vocabulary v, List<String[]> merges) {
        var out = new ByteArrayOutputStream(64 + v.size() * 40);
        try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("version", "1.0");
            g.writeNullField("truncation");
            g.writeNullField("padding");
            g.writeArrayFieldStart("added_tokens");
            for (int id = 0; id < SPECIALS.length; id++) {
                g.writeStartObject();
                g.writeNumberField("id", id);
                g.writeStringField("content", SPECIALS[id]);
                g.writeBooleanField("single_word", false);
                g.writeBooleanField("lstrip", false);
                g.writeBooleanField("rstrip", false);
                g.writeBooleanField("normalized", false);
                g.writeBooleanField("special", true);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("normalizer");
            g.writeStringField("type", "Replace");
            g.writeObjectFieldStart("pattern");
            g.writeStringField("String", " ");
            g.writeEndObject();
            g.writeStringField("content", "▁");
            g.writeEndObject();
            g.writeNullField("pre_tokenizer");
            writePostProcessor(g);
            writeDecoder(g);
            g.writeObjectFieldStart("model");
            g.writeStringField("type", "BPE");
            g.writeNullField("dropout");
            g.writeStringField("unk_token", "<unk>");
            g.writeNullField("continuing_subword_prefix");
            g.writeNullField("end_of_word_suffix");
            g.writeBooleanField("fuse_unk", true);
            g.writeBooleanField("byte_fallback", true);
            g.writeBooleanField("ignore_merges", false);
            g.writeObjectFieldStart("vocab");
            for (int id = 0; id < v.size(); id++) g.writeNumberField(v.tokens.get(id), id);
            g.writeEndObject();
            g.writeArrayFieldStart("merges");
            for (String[] m : merges) g.writeString(m[0] + " " + m[1]);
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writePostProcessor(JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("post_processor");
        g.writeStringField("type", "TemplateProcessing");
        g.writeArrayFieldStart("single");
        g.writeRawValue("{\"SpecialToken\":{\"id\":\"<bos>\",\"type_id\":0}}");
        g.writeRawValue("{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}");
        g.writeEndArray();
        g.writeArrayFieldStart("pair");
        g.writeRawValue("{\"SpecialToken\":{\"id\":\"<bos>\",\"type_id\":0}}");
        g.writeRawValue("{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}");
        g.writeRawValue("{\"SpecialToken\":{\"id\":\"<bos>\",\"type_id\":1}}");
        g.writeRawValue("{\"Sequence\":{\"id\":\"B\",\"type_id\":1}}");
        g.writeEndArray();
        g.writeFieldName("special_tokens");
        g.writeRawValue("{\"<bos>\":{\"id\":\"<bos>\",\"ids\":[2],\"tokens\":[\"<bos>\"]}}");
        g.writeEndObject();
    }

    private static void writeDecoder(JsonGenerator g) throws IOException {
        g.writeFieldName("decoder");
        g.writeRawValue("{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"▁\"},"
                + "\"content\":\" \"},{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"}]}");
    }
}
