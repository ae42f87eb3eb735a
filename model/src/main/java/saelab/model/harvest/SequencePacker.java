package saelab.model.harvest;

import java.util.Iterator;

/**
 * Packs tokenized documents into sequences of exactly {@code context} tokens, as SAELens's
 * {@code concat_and_batch_sequences} does with {@code begin_batch_token = sequence_separator =
 * bos}: the documents (each beginning with {@code <bos>}) are concatenated into one stream, and
 * each sequence takes the next tokens of that stream, with a {@code <bos>} put in front when the
 * stream does not already have one there. So every sequence starts with {@code <bos>}, documents
 * inside a sequence are separated by their own {@code <bos>}, a long document continues in the
 * next sequence (behind a fresh {@code <bos>}), and no token is dropped except the short tail
 * at the very end of the data.
 */
public final class SequencePacker {
    private final Iterator<int[]> documents;
    private final int context, bos;
    private int[] current = new int[0];
    private int offset;
    private long produced;

    /** @param documents token ids of each document, {@code <bos>} first */
    public SequencePacker(Iterator<int[]> documents, int context, int bos) {
        if (context < 2) throw new IllegalArgumentException("context must be at least 2 (<bos> and one token), got " + context);
        this.documents = documents;
        this.context = context;
        this.bos = bos;
    }

    /** The next sequence, or null when the data cannot fill another one (the remainder is dropped). */
    public int[] next() {
        int[] seq = new int[context];
        int filled = 0;
        if (!available()) return null;
        if (current[offset] != bos) seq[filled++] = bos;
        while (filled < context) {
            if (!available()) return null;
            int n = Math.min(context - filled, current.length - offset);
            System.arraycopy(current, offset, seq, filled, n);
            filled += n;
            offset += n;
        }
        produced++;
        return seq;
    }

    /** Discards the next {@code count} sequences (resuming a harvest); returns how many there were. */
    public long skip(long count) {
        long skipped = 0;
        while (skipped < count && next() != null) skipped++;
        return skipped;
    }

    /** Sequences returned or skipped so far. */
    public long produced() {
        return produced;
    }

    /** Whether a token is left in the stream, moving on to the next non-empty document if needed. */
    private boolean available() {
        while (offset == current.length) {
            if (!documents.hasNext()) return false;
            current = documents.next();
            offset = 0;
        }
        return true;
    }

}
