package saelab.model.harvest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DocumentsTest {
    static List<String> readAll(Path file) {
        List<String> out = new ArrayList<>();
        try (Documents d = Documents.open(file)) {
            while (d.hasNext()) out.add(d.next());
        }
        return out;
    }

    @Test
    void txtIsOneDocumentPerNonBlankLine(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("d.txt"), "first doc\r\n\n   \nsecond — naïve 数学\nthird");
        assertEquals(List.of("first doc", "second — naïve 数学", "third"), readAll(f));
    }

    @Test
    void jsonlTakesTheTextFieldAndIgnoresOthers(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("d.jsonl"), "{\"id\": 1, \"text\": \"a\\nb\"}\n\n{\"text\": \"c\", \"meta\": {}}\n");
        assertEquals(List.of("a\nb", "c"), readAll(f));
    }

    @Test
    void badLinesAreReportedWithFileAndLine(@TempDir Path dir) throws Exception {
        Path badJson = Files.writeString(dir.resolve("bad.jsonl"), "{\"text\": \"ok\"}\n\n{\"text\": oops}\n");
        var e = assertThrows(HarvestException.class, () -> readAll(badJson));
        assertTrue(e.getMessage().startsWith(badJson + ": line 3: not valid JSON"), e.getMessage());

        Path missing = Files.writeString(dir.resolve("missing.jsonl"), "{\"text\": \"ok\"}\n{\"body\": \"x\", \"id\": 2}\n");
        e = assertThrows(HarvestException.class, () -> readAll(missing));
        assertTrue(e.getMessage().contains(missing + ": line 2: the object has no \"text\" field (fields: body, id)"), e.getMessage());

        Path notString = Files.writeString(dir.resolve("num.jsonl"), "{\"text\": 5}\n");
        e = assertThrows(HarvestException.class, () -> readAll(notString));
        assertTrue(e.getMessage().contains("line 1: \"text\" is number, expected a string"), e.getMessage());

        Path array = Files.writeString(dir.resolve("arr.jsonl"), "[\"text\"]\n");
        e = assertThrows(HarvestException.class, () -> readAll(array));
        assertTrue(e.getMessage().contains("line 1: expected a JSON object"), e.getMessage());

        Path latin1 = Files.write(dir.resolve("latin1.txt"), new byte[] {'o', 'k', '\n', 'c', 'a', 'f', (byte) 0xE9, '\n'});
        e = assertThrows(HarvestException.class, () -> readAll(latin1));
        assertTrue(e.getMessage().contains(latin1 + ": line 2: not valid UTF-8"), e.getMessage());
    }

    @Test
    void unknownExtensionAndMissingFileAreNamed(@TempDir Path dir) {
        var e = assertThrows(HarvestException.class, () -> Documents.open(dir.resolve("data.csv")));
        assertTrue(e.getMessage().contains("data.csv: unknown data format: expected a .txt file"), e.getMessage());
        e = assertThrows(HarvestException.class, () -> Documents.open(dir.resolve("absent.txt")));
        assertTrue(e.getMessage().startsWith(dir.resolve("absent.txt") + ": cannot read the data file"), e.getMessage());
    }
}
