package saelab.model.harvest;

import java.nio.file.Path;
import java.util.Iterator;
import saelab.model.tokenizer.GemmaTokenizer;

/**
 * The packed token sequences of a data file: its documents ({@link Documents}) tokenized with
 * {@code <bos>} first and packed into {@code context}-token sequences ({@link SequencePacker}).
 * One pass over the file, read lazily; shared by the harvest and the live model activation
 * source, so both see exactly the same sequences for the same data and context.
 */
public final class PackedSequences implements AutoCloseable {
    private final Documents documents;
    private final SequencePacker packer;

    private PackedSequences(Documents documents, SequencePacker packer) {
        this.documents = documents;
        this.packer = packer;
    }

    /** Opens {@code data} (.txt or .jsonl) at its first sequence. */
    public static PackedSequences open(Path data, GemmaTokenizer tokenizer, int context, int bos) {
        Documents docs = Documents.open(data);
        try {
            return new PackedSequences(docs, new SequencePacker(tokenized(docs, tokenizer, bos), context, bos));
        } catch (RuntimeException e) {
            docs.close();
            throw e;
        }
    }

    /** The next sequence of {@code context} ids, or null when the data cannot fill another one. */
    public int[] next() {
        return packer.next();
    }

    /** Discards the next {@code count} sequences; returns how many there were. */
    public long skip(long count) {
        return packer.skip(count);
    }

    /** Sequences returned or skipped so far. */
    public long produced() {
        return packer.produced();
    }

    @Override
    public void close() {
        documents.close();
    }

    /** Token ids of each document, always beginning with {@code <bos>} (whatever the tokenizer's template adds). */
    static Iterator<int[]> tokenized(Iterator<String> docs, GemmaTokenizer tokenizer, int bos) {
        return new Iterator<>() {
            @Override public boolean hasNext() {
                return docs.hasNext();
            }

            @Override public int[] next() {
                int[] body = tokenizer.encode(docs.next(), false);
                int[] ids = new int[body.length + 1];
                ids[0] = bos;
                System.arraycopy(body, 0, ids, 1, body.length);
                return ids;
            }
        };
    }
}
