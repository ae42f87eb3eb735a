package saelab.model.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The BPE model of a tokenizer.json, encoding as Hugging Face's {@code tokenizers} does: each
 * code point becomes its vocabulary token (or, with byte fallback, one {@code <0xXX>} token per
 * UTF-8 byte; else {@code <unk>}, consecutive ones fused), then the pair of neighbours with the
 * lowest merge rank is merged, leftmost first, until none merges.
 *
 * <p>Gemma has no pre-tokenizer, so one "word" is a whole line of text: the merge loop is a
 * doubly linked list of symbols plus a heap of candidate merges, O(n log n) in the symbols.
 * Stale heap entries (a neighbour merged away since) are detected on pop and dropped.
 */
final class Bpe {
    private final Map<String, Integer> vocab;
    private final MergeTable merges;
    private final int[] bmpIds;                     // code point (BMP) → id, -1 if not a token
    private final int[] byteIds;                    // byte → id of <0xXX>, -1 if absent
    private final boolean byteFallback;
    private final int unkId;                        // -1: no unk token
    private final boolean fuseUnk;
    private final boolean ignoreMerges;

    Bpe(Map<String, Integer> vocab, MergeTable merges, boolean byteFallback, int unkId, boolean fuseUnk,
        boolean ignoreMerges) {
        this.vocab = vocab;
        this.merges = merges;
        this.byteFallback = byteFallback;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.ignoreMerges = ignoreMerges;
        bmpIds = new int[65536];
        Arrays.fill(bmpIds, -1);
        vocab.forEach((token, id) -> {
            if (token.length() == 1) bmpIds[token.charAt(0)] = id;
        });
        byteIds = new int[256];
        for (int b = 0; b < 256; b++) byteIds[b] = vocab.getOrDefault(byteToken(b), -1);
    }

    /** Hugging Face's spelling of a byte-fallback token: {@code <0x0A>}. */
    static String byteToken(int b) {
        return String.format("<0x%02X>", b);
    }

    /** Appends the ids of {@code text} (already normalized and split) to {@code out}. */
    void encode(String text, IntList out) {
        if (text.isEmpty()) return;
        if (ignoreMerges) {
            Integer whole = vocab.get(text);
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        int[] ids = initialSymbols(text);
        int n = ids.length;
        if (n == 1) {
            out.add(ids[0]);
            return;
        }
        int[] prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) offer(heap, ids, i, i + 1);
        while (!heap.isEmpty()) {
            long top = heap.poll();
            int rank = (int) (top >>> 32), i = (int) top;
            int j = next[i];
            if (ids[i] < 0 || j < 0) continue;           // merged away, or now the last symbol
            long merge = merges.get(ids[i], ids[j]);
            if (merge < 0 || MergeTable.rank(merge) != rank) continue; // the pair changed since
            ids[i] = MergeTable.mergedId(merge);
            ids[j] = -1;
            next[i] = next[j];
            if (next[j] >= 0) prev[next[j]] = i;
            if (prev[i] >= 0) offer(heap, ids, prev[i], i);
            if (next[i] >= 0) offer(heap, ids, i, next[i]);
        }
        for (int i = 0; i >= 0; i = next[i]) out.add(ids[i]);
    }

    private void offer(LongHeap heap, int[] ids, int left, int right) {
        long merge = merges.get(ids[left], ids[right]);
        // Rank first, then position: equal ranks merge leftmost first.
        if (merge >= 0) heap.add(((long) MergeTable.rank(merge) << 32) | left);
    }

    /** One symbol per code point; byte fallback or <unk> for those not in the vocabulary. */
    private int[] initialSymbols(String text) {
        IntList symbols = new IntList();
        boolean lastWasUnk = false;
        for (int at = 0; at < text.length(); ) {
            int cp = text.codePointAt(at);
            int width = Character.charCount(cp);
            int id = cp < 65536 ? bmpIds[cp] : vocab.getOrDefault(text.substring(at, at + width), -1);
            if (id >= 0) {
                symbols.add(id);
                lastWasUnk = false;
            } else if (byteFallback && addBytes(text.substring(at, at + width), symbols)) {
                lastWasUnk = false;
            } else {
                if (unkId < 0) {
                    throw new IllegalArgumentException("'" + text.substring(at, at + width)
                            + "' is not in the vocabulary and the tokenizer has no unk_token");
                }
                if (!(fuseUnk && lastWasUnk)) symbols.add(unkId);
                lastWasUnk = true;
            }
            at += width;
        }
        return symbols.toArray();
    }

    /** Byte fallback applies only when every byte of the character has its token. */
    private boolean addBytes(String character, IntList symbols) {
        byte[] utf8 = character.getBytes(StandardCharsets.UTF_8);
        for (byte b : utf8) if (byteIds[b & 0xFF] < 0) return false;
        for (byte b : utf8) symbols.add(byteIds[b & 0xFF]);
        return true;
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(long v) {
            if (size == a.length) a = Arrays.copyOf(a, a.length * 2);
            int i = size++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (a[p] <= v) break;
                a[i] = a[p];
                i = p;
            }
            a[i] = v;
        }

        long poll() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= size) break;
                if (c + 1 < size && a[c + 1] < a[c]) c++;
                if (last <= a[c]) break;
                a[i] = a[c];
                i = c;
            }
            a[i] = last;
            return top;
        }
    }
}
