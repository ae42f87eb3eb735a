package saelab.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tokenizer.json saelab cannot honour is refused on load, naming the file and the part at fault. */
class TokenizerJsonErrorsTest {
    @TempDir Path dir;

    private void assertRejected(UnaryOperator<String> edit, String... fragments) {
        var e = assertThrows(TokenizerException.class, () -> TinyTokenizer.edited(dir, edit));
        String m = e.getMessage();
        assertTrue(m.contains(dir.resolve("tokenizer.json").toString()), "should name the file: " + m);
        for (String f : fragments) assertTrue(m.contains(f), "should say '" + f + "': " + m);
    }

    @Test
    void unsupportedModelType() {
        assertRejected(j -> j.replace("\"type\": \"BPE\"", "\"type\": \"Unigram\""), "model type 'Unigram'", "expected BPE");
    }

    @Test
    void mergeOfTokensNotInTheVocabulary() {
        assertRejected(j -> j.replace("\"l o\"", "\"l q\""), "model.merges[14]", "'q' is not in the vocabulary");
        assertRejected(j -> j.replace("\"l o\"", "\"lo\""), "model.merges[14]", "separated by one space");
        assertRejected(j -> j.replace("\"l o\"", "7"), "model.merges[14]", "expected \"a b\"");
    }

    @Test
    void unsupportedNormalizerPreTokenizerDecoderOrPostProcessor() {
        assertRejected(j -> j.replace("\"normalizer\": {\"type\": \"Replace\"", "\"normalizer\": {\"type\": \"NFKC\""),
                "normalizer type 'NFKC'");
        assertRejected(j -> j.replace("\"pattern\": {\"String\": \" \"}, \"content\": \"▁\"",
                "\"pattern\": {\"Regex\": \"\\\\s\"}, \"content\": \"▁\""), "normalizer Replace pattern", "regex");
        assertRejected(j -> j.replace("\"pre_tokenizer\": null", "\"pre_tokenizer\": {\"type\": \"ByteLevel\"}"),
                "pre_tokenizer type 'ByteLevel'");
        assertRejected(j -> j.replace("{\"type\": \"Fuse\"}", "{\"type\": \"WordPiece\"}"), "decoder type 'WordPiece'");
        assertRejected(j -> j.replace("\"type\": \"TemplateProcessing\"", "\"type\": \"BertProcessing\""),
                "post_processor type 'BertProcessing'");
    }

    @Test
    void unsupportedModelOptions() {
        assertRejected(j -> j.replace("\"dropout\": null", "\"dropout\": 0.1"), "dropout");
        assertRejected(j -> j.replace("\"end_of_word_suffix\": null", "\"end_of_word_suffix\": \"</w>\""), "end_of_word_suffix");
        assertRejected(j -> j.replace("\"unk_token\": \"<unk>\"", "\"unk_token\": \"<nope>\""), "unk_token '<nope>'");
        assertRejected(j -> j.replace("\"content\": \"<pad>\", \"single_word\": false", "\"content\": \"<pad>\", \"single_word\": true"),
                "'<pad>'", "single_word");
    }

    @Test
    void notJson() {
        assertRejected(j -> j.substring(0, 100), "not valid JSON");
    }
}
