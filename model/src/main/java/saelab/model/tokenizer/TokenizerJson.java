package saelab.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds a {@link GemmaTokenizer} from the parsed tokenizer.json, rejecting what it cannot honour. */
final class TokenizerJson {
    private TokenizerJson() {}

    static GemmaTokenizer build(Path file, JsonNode root) {
        JsonNode model = root.path("model");
        String type = model.path("type").asText(model.has("merges") ? "BPE" : "");
        if (!type.equals("BPE")) {
            throw new TokenizerException(file + ": model type '" + type + "' is not supported (expected BPE, as gemma ships)");
        }
        for (String key : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            if (!model.path(key).isNull() && !model.path(key).isMissingNode() && !model.path(key).asText().isEmpty()) {
                throw new TokenizerException(file + ": model." + key + " is not supported (gemma has none)");
            }
        }
        if (model.path("dropout").isNumber() && model.path("dropout").doubleValue() > 0) {
            throw new TokenizerException(file + ": model.dropout > 0 (BPE dropout) is not supported");
        }

        Map<String, Integer> vocab = vocab(file, model.get("vocab"));
        List<AddedTokens.Token> added = addedTokens(file, root.path("added_tokens"));
        int size = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        for (AddedTokens.Token t : added) size = Math.max(size, t.id() + 1);
        String[] tokens = new String[size];
        boolean[] special = new boolean[size];
        Map<String, Integer> ids = new HashMap<>(vocab);
        vocab.forEach((token, id) -> tokens[id] = token);
        for (AddedTokens.Token t : added) {
            tokens[t.id()] = t.content();
            special[t.id()] = t.special();
            ids.put(t.content(), t.id());
        }

        JsonNode unk = model.get("unk_token");
        int unkId = -1;
        if (unk != null && !unk.isNull()) {
            unkId = ids.getOrDefault(unk.asText(), -1);
            if (unkId < 0) throw new TokenizerException(file + ": model.unk_token '" + unk.asText() + "' is not in the vocabulary");
        }
        Bpe bpe = new Bpe(vocab, merges(file, model.get("merges"), vocab),
                model.path("byte_fallback").asBoolean(false), unkId, model.path("fuse_unk").asBoolean(false),
                model.path("ignore_merges").asBoolean(false));

        int[][] template = template(file, root.get("post_processor"));
        return GemmaTokenizer.create(file, Normalizer.parse(file, root.get("normalizer")),
                PreTokenizer.parse(file, root.get("pre_tokenizer")), bpe, added,
                Decoder.parse(file, root.get("decoder")), tokens, special, ids, template[0], template[1]);
    }

    private static Map<String, Integer> vocab(Path file, JsonNode node) {
        if (node == null || !node.isObject()) throw new TokenizerException(file + ": model.vocab must be an object (token → id)");
        Map<String, Integer> vocab = new HashMap<>(node.size() * 2);
        for (var e : node.properties()) {
            JsonNode id = e.getValue();
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                throw new TokenizerException(file + ": model.vocab entry '" + e.getKey() + "' has id " + id + ", expected a non-negative integer");
            }
            vocab.put(e.getKey(), id.intValue());
        }
        return vocab;
    }

    /** Merges as "a b" strings (older files) or [a, b] pairs (newer); rank = position in the list. */
    private static MergeTable merges(Path file, JsonNode node, Map<String, Integer> vocab) {
        if (node == null || !node.isArray()) throw new TokenizerException(file + ": model.merges must be an array");
        MergeTable table = new MergeTable(Math.max(1, node.size()));
        for (int rank = 0; rank < node.size(); rank++) {
            JsonNode m = node.get(rank);
            String[] pair;
            if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                pair = new String[] {m.get(0).textValue(), m.get(1).textValue()};
            } else if (m.isTextual()) {
                pair = splitMerge(m.textValue(), vocab);
                if (pair == null) {
                    throw new TokenizerException(file + ": model.merges[" + rank + "] " + m
                            + " is not two vocabulary tokens separated by one space");
                }
            } else {
                throw new TokenizerException(file + ": model.merges[" + rank + "] is " + m + ", expected \"a b\" or [\"a\", \"b\"]");
            }
            Integer left = vocab.get(pair[0]), right = vocab.get(pair[1]), merged = vocab.get(pair[0] + pair[1]);
            if (left == null || right == null || merged == null) {
                throw new TokenizerException(file + ": model.merges[" + rank + "] " + m + ": '"
                        + (left == null ? pair[0] : right == null ? pair[1] : pair[0] + pair[1]) + "' is not in the vocabulary");
            }
            table.put(left, right, rank, merged);
        }
        return table;
    }

    /**
     * "a b" with exactly one space splits there. Should a token itself hold a space, the one split
     * whose halves and concatenation are all tokens is taken.
     */
    private static String[] splitMerge(String merge, Map<String, Integer> vocab) {
        int first = merge.indexOf(' ');
        if (first < 0) return null;
        if (merge.indexOf(' ', first + 1) < 0) return new String[] {merge.substring(0, first), merge.substring(first + 1)};
        String[] found = null;
        for (int at = first; at >= 0; at = merge.indexOf(' ', at + 1)) {
            String a = merge.substring(0, at), b = merge.substring(at + 1);
            if (vocab.containsKey(a) && vocab.containsKey(b) && vocab.containsKey(a + b)) {
                if (found != null) return null; // ambiguous
                found = new String[] {a, b};
            }
        }
        return found;
    }

    private static List<AddedTokens.Token> addedTokens(Path file, JsonNode node) {
        List<AddedTokens.Token> out = new ArrayList<>();
        for (JsonNode t : node) {
            JsonNode id = t.get("id"), content = t.get("content");
            if (id == null || !id.canConvertToInt() || id.intValue() < 0 || content == null || !content.isTextual()) {
                throw new TokenizerException(file + ": added_tokens entry " + t + " needs an \"id\" and a \"content\"");
            }
            if (t.path("single_word").asBoolean(false)) {
                throw new TokenizerException(file + ": added token '" + content.textValue() + "' has single_word=true, which is not supported");
            }
            boolean special = t.path("special").asBoolean(false);
            out.add(new AddedTokens.Token(id.intValue(), content.textValue(), special,
                    t.path("normalized").asBoolean(!special), t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false)));
        }
        return out;
    }

    /** TemplateProcessing's "single": the special tokens before and after sequence A. */
    private static int[][] template(Path file, JsonNode node) {
        if (node == null || node.isNull()) return new int[][] {{}, {}};
        String type = node.path("type").asText("");
        if (!type.equals("TemplateProcessing")) {
            throw new TokenizerException(file + ": post_processor type '" + type + "' is not supported (expected TemplateProcessing)");
        }
        IntList before = new IntList(), after = new IntList();
        boolean seenSequence = false;
        for (JsonNode item : node.path("single")) {
            if (item.has("Sequence")) {
                seenSequence = true;
            } else if (item.has("SpecialToken")) {
                String name = item.get("SpecialToken").path("id").asText();
                JsonNode idsNode = node.path("special_tokens").path(name).path("ids");
                if (!idsNode.isArray() || idsNode.isEmpty()) {
                    throw new TokenizerException(file + ": post_processor uses special token '" + name + "' but special_tokens gives no ids for it");
                }
                for (JsonNode id : idsNode) (seenSequence ? after : before).add(id.intValue());
            } else {
                throw new TokenizerException(file + ": post_processor.single item " + item + " is not a SpecialToken or Sequence");
            }
        }
        return new int[][] {before.toArray(), after.toArray()};
    }
}
