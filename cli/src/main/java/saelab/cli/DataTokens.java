package saelab.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import saelab.model.harvest.Documents;
import saelab.model.tokenizer.GemmaTokenizer;

/**
 * How many tokens a data file holds, for harvest's time left: the documents of its first
 * {@code sampleBytes} are tokenized as the harvest does ({@code <bos>} and the text), and the
 * count is scaled by file size / bytes read. A file read to its end within the sample is counted
 * exactly. Packing adds a {@code <bos>} at each sequence start beyond those of the documents, so
 * the harvest finds a little more rows than this (under 1/context more).
 *
 * @param tokens the estimate
 * @param exact  the whole file was read
 */
record DataTokens(long tokens, boolean exact) {
    /** Enough text for a stable tokens-per-byte ratio; tokenizing it takes well under a second. */
    static final long SAMPLE_BYTES = 1 << 20;

    static DataTokens estimate(Path data, GemmaTokenizer tokenizer, long sampleBytes) {
        long tokens = 0, read = 0;
        boolean end = true;
        try (Documents docs = Documents.open(data)) {
            while (docs.hasNext()) {
                tokens += tokenizer.encode(docs.next(), false).length + 1;
                read = docs.bytesRead(); // the lines of the documents counted so far, not of one read ahead
                if (read >= sampleBytes) {
                    end = !docs.hasNext();
                    break;
                }
            }
        }
        if (end || read == 0) return new DataTokens(tokens, true);
        return new DataTokens(Math.round(scale(tokens, read, size(data))), false);
    }

    /** Tokens of the whole file at the sample's tokens per byte. */
    static double scale(long sampleTokens, long sampleBytes, long fileBytes) {
        return (double) sampleTokens * fileBytes / sampleBytes;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read its size: " + saelab.model.IoErrors.reason(e), e);
        }
    }
}
