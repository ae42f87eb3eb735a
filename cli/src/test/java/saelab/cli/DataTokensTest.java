package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.tokenizer.GemmaTokenizer;

/** harvest's estimate of the tokens a data file holds, against the tokens the tokenizer gives for all of it. */
class DataTokensTest {
    @TempDir Path dir;

    @Test void exactOnASmallFileAndCloseOnALargeOneFromASample() throws Exception {
        Path model = CliFixtures.tinyModel(dir.resolve("m"), 3);
        GemmaTokenizer tok = GemmaTokenizer.load(model);
        List<String> docs = CliFixtures.documents(2000, 9);
        Path data = CliFixtures.textFile(dir.resolve("docs.txt"), docs);
        long exact = 0;
        for (String d : docs) exact += tok.encode(d, false).length + 1; // <bos> and the text, as the harvest packs them
        DataTokens whole = DataTokens.estimate(data, tok, Long.MAX_VALUE);
        assertTrue(whole.exact());
        assertEquals(exact, whole.tokens());
        // A tenth of the file as the sample: documents are drawn alike, so tokens per byte carry over. With 200 documents of
        // 1–30 words, the ratio's relative standard error is about 0.6/√200 ≈ 4%; asserted within 15%.
        DataTokens sampled = DataTokens.estimate(data, tok, Files.size(data) / 10);
        assertFalse(sampled.exact());
        assertEquals(exact, sampled.tokens(), 0.15 * exact);
    }

    @Test void scaleIsTheSamplesTokensPerByteTimesTheFileSize() {
        assertEquals(2500.0, DataTokens.scale(250, 1000, 10_000), 0);
    }
}
