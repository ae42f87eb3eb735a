package saelab.model.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Gemma's tokenizer, read from the {@code tokenizer.json} it ships with and encoding as Hugging
 * Face's {@code tokenizers} does:
 * <ol>
 *   <li>added tokens (special ones like {@code <bos>}, and gemma's whitespace runs) are cut out
 *       of the raw text as whole tokens;</li>
 *   <li>the text between them is normalized (gemma: " " → "▁"), split by the pre-tokenizer if
 *       any (gemma: none) and encoded by BPE with byte fallback;</li>
 *   <li>the post-processor's template adds special tokens around the result (gemma: {@code <bos>}
 *       in front).</li>
 * </ol>
 * Decoding maps ids back to token strings and runs the file's decoder steps.
 */
public final class GemmaTokenizer {
    public static final String FILE_NAME = "tokenizer.json";

    private final Path file;
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final Bpe bpe;
    private final AddedTokens rawAdded;        // matched in the text as given
    private final AddedTokens normalizedAdded; // matched after normalization
    private final Decoder decoder;
    private final String[] tokens;             // id → token string
    private final boolean[] special;           // id → skipped by decode(…, true)
    private final Map<String, Integer> ids;    // token string → id, added tokens included
    private final int[] prefix, suffix;        // special ids the template puts around one sequence

    private GemmaTokenizer(Path file, Normalizer normalizer, PreTokenizer preTokenizer, Bpe bpe, List<AddedTokens.Token> added,
                           Decoder decoder, String[] tokens, boolean[] special, Map<String, Integer> ids, int[] prefix, int[] suffix) {
        this.file = file;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.bpe = bpe;
        this.rawAdded = new AddedTokens(added.stream().filter(t -> !t.normalized()).toList());
        this.normalizedAdded = new AddedTokens(added.stream().filter(AddedTokens.Token::normalized).toList());
        this.decoder = decoder;
        this.tokens = tokens;
        this.special = special;
        this.ids = ids;
        this.prefix = prefix;
        this.suffix = suffix;
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Reads {@code dir/tokenizer.json}, or the file itself when given one. */
    public static GemmaTokenizer load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve(FILE_NAME) : path;
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new TokenizerException(file + ": not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read: " + saelab.model.IoErrors.reason(e));
        }
        if (root == null || !root.isObject()) throw new TokenizerException(file + ": expected a JSON object");
        return TokenizerJson.build(file, root);
    }

    static GemmaTokenizer create(Path file, Normalizer normalizer, PreTokenizer preTokenizer, Bpe bpe,
                                 List<AddedTokens.Token> added, Decoder decoder, String[] tokens, boolean[] special,
                                 Map<String, Integer> ids, int[] prefix, int[] suffix) {
        return new GemmaTokenizer(file, normalizer, preTokenizer, bpe, added, decoder, tokens, special, ids, prefix, suffix);
    }

    /** Ids of {@code text} with the template's special tokens (gemma: {@code <bos>} first). */
    public int[] encode(String text) {
        return encode(text, true);
    }

    public int[] encode(String text, boolean addSpecialTokens) {
        IntList out = new IntList();
        if (addSpecialTokens) out.addAll(prefix);
        for (AddedTokens.Piece raw : rawAdded.split(text)) {
            if (raw.isToken()) {
                out.add(raw.id());
                continue;
            }
            for (AddedTokens.Piece piece : normalizedAdded.split(normalizer.apply(raw.text()))) {
                if (piece.isToken()) {
                    out.add(piece.id());
                    continue;
                }
                for (String word : preTokenizer.split(piece.text())) bpe.encode(word, out);
            }
        }
        if (addSpecialTokens) out.addAll(suffix);
        return out.toArray();
    }

    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /** Text of {@code ids}; with {@code skipSpecialTokens}, special added tokens (<bos>, <eos>, ...) are left out. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> pieces = new ArrayList<>(ids.length);
        for (int id : ids) {
            if (skipSpecialTokens && isSpecial(id)) continue;
            pieces.add(token(id));
        }
        return String.join("", decoder.apply(pieces));
    }

    /** The token string of {@code id}, as the vocabulary spells it (e.g. "▁the", "<0x0A>"). */
    public String token(int id) {
        if (id < 0 || id >= tokens.length || tokens[id] == null) {
            throw new IllegalArgumentException("token id " + id + " is not in " + file + " (vocabulary size " + tokens.length + ")");
        }
        return tokens[id];
    }

    /** The id of a token string, or -1. */
    public int id(String token) {
        return ids.getOrDefault(token, -1);
    }

    public boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    /** One more than the largest id: the embedding matrix needs at least this many rows. */
    public int vocabSize() {
        return tokens.length;
    }

    /** Special token ids the template puts before a sequence (gemma: [<bos>]). */
    public int[] prefixIds() {
        return prefix.clone();
    }

    public Path file() {
        return file;
    }
}
