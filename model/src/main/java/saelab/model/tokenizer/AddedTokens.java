package saelab.model.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Added tokens (<bos>, <start_of_turn>, gemma's "\n" runs, ...) found in text as whole tokens
 * before BPE sees it. Matching is leftmost-longest, as Hugging Face's Aho-Corasick split is:
 * the earliest match wins, and of those starting there the longest. A token with lstrip/rstrip
 * also swallows the whitespace on that side.
 */
final class AddedTokens {
    /** One added token, as tokenizer.json's added_tokens lists it. */
    record Token(int id, String content, boolean special, boolean normalized, boolean lstrip, boolean rstrip) {}

    /** A stretch of text: either an added token (id ≥ 0) or plain text for BPE (id = -1). */
    record Piece(String text, int id) {
        boolean isToken() {
            return id >= 0;
        }
    }

    private static final class Node {
        final Map<Character, Node> children = new HashMap<>(2);
        Token token;
    }

    private final Node root = new Node();
    private final boolean empty;
    private final boolean[] startsAToken = new boolean[65536]; // skips most positions without a map lookup

    AddedTokens(List<Token> tokens) {
        for (Token t : tokens) {
            if (t.content().isEmpty()) continue;
            Node n = root;
            for (int i = 0; i < t.content().length(); i++) n = n.children.computeIfAbsent(t.content().charAt(i), c -> new Node());
            n.token = t;
            startsAToken[t.content().charAt(0)] = true;
        }
        empty = root.children.isEmpty();
    }

    List<Piece> split(String text) {
        if (empty) return List.of(new Piece(text, -1));
        List<Piece> out = new ArrayList<>();
        int plainStart = 0;
        for (int i = 0; i < text.length(); ) {
            if (!startsAToken[text.charAt(i)]) {
                i++;
                continue;
            }
            Token match = null;
            int matchEnd = -1;
            Node n = root;
            for (int j = i; j < text.length(); j++) {
                n = n.children.get(text.charAt(j));
                if (n == null) break;
                if (n.token != null) {
                    match = n.token;
                    matchEnd = j + 1;
                }
            }
            if (match == null) {
                i++;
                continue;
            }
            int start = i, end = matchEnd;
            if (match.lstrip()) while (start > plainStart && Character.isWhitespace(text.charAt(start - 1))) start--;
            if (match.rstrip()) while (end < text.length() && Character.isWhitespace(text.charAt(end))) end++;
            if (start > plainStart) out.add(new Piece(text.substring(plainStart, start), -1));
            out.add(new Piece(match.content(), match.id()));
            plainStart = i = end;
        }
        if (plainStart < text.length()) out.add(new Piece(text.substring(plainStart), -1));
        return out;
    }
}
