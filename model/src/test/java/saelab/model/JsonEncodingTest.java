package saelab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * config.json is read as UTF-8, strictly, as Hugging Face reads it: Jackson's own guess took a
 * UTF-16 or UTF-32 file as fine, and 8-bit encodings failed obscurely or decoded to other text.
 * Each other encoding is one line naming the file and what was found.
 */
class JsonEncodingTest {
    @TempDir Path dir;

    /** The tiny config with a non-ASCII string (a model name), as written by saelab: valid UTF-8. */
    String configText() throws Exception {
        GemmaConfig.tiny().write(dir);
        String text = Files.readString(dir.resolve(GemmaConfig.FILE_NAME), StandardCharsets.UTF_8);
        return text.replaceFirst("\\{", "{\n  \"_name_or_path\": \"gemma-2 café — naïve\",");
    }

    @Test
    void utf8IsReadAndOtherEncodingsAreRefusedInOneLineNamingTheFile() throws Exception {
        String text = configText();
        Path file = dir.resolve(GemmaConfig.FILE_NAME);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        assertEquals(GemmaConfig.tiny(), GemmaConfig.read(dir), "UTF-8 with non-ASCII text reads");

        Object[][] cases = {
                {text.getBytes(StandardCharsets.UTF_16LE), "NUL byte at offset 1"},
                {text.getBytes(StandardCharsets.UTF_16BE), "NUL byte at offset 0"},
                {text.getBytes(StandardCharsets.UTF_16), "UTF-16 byte-order mark"},
                {text.getBytes(Charset.forName("UTF-32")), "NUL byte at offset 0"},
                {concat(new byte[] {(byte) 0xFF, (byte) 0xFE, 0, 0}, text.getBytes(Charset.forName("UTF-32LE"))), "UTF-32 byte-order mark"},
                {text.getBytes(StandardCharsets.ISO_8859_1), "is not UTF-8: byte 0xE9 at offset"},
                {text.getBytes(Charset.forName("windows-1252")), "is not UTF-8: byte 0xE9 at offset"},
                {concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, text.getBytes(StandardCharsets.UTF_8)), "UTF-8 byte-order mark"},
                {concat(text.getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xC3}), "is not UTF-8: byte 0xC3 at offset"},
                {(text + "{}").getBytes(StandardCharsets.UTF_8), "not valid JSON"}, // trailing content after the object
        };
        for (Object[] c : cases) {
            Files.write(file, (byte[]) c[0]);
            var e = assertThrows(GemmaConfig.ConfigException.class, () -> GemmaConfig.read(dir), (String) c[1]);
            String m = e.getMessage();
            assertTrue(m.startsWith(file + ": ") && m.contains((String) c[1]) && !m.contains("\n"), m);
            if (!((String) c[1]).startsWith("not valid JSON")) assertTrue(m.contains("UTF-8"), m);
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
