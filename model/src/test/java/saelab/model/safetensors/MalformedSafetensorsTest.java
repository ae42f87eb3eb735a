package saelab.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a file or index can be broken gives a SafetensorsException that names the file,
 * the tensor when one is at fault, and what was expected; never an IndexOutOfBoundsException.
 */
class MalformedSafetensorsTest {
    @TempDir Path dir;

    private Path file(String header, int dataBytes) {
        return RawFiles.write(dir.resolve("bad.safetensors"), header, new byte[dataBytes]);
    }

    /** Opening fails with a message containing the file's path and every fragment given. */
    private static void assertRejected(Path opened, Path named, String... fragments) {
        var e = assertThrows(SafetensorsException.class, () -> TensorStore.open(opened).close());
        String m = e.getMessage();
        assertTrue(m.contains(named.toString()), "should name " + named + ": " + m);
        for (String f : fragments) assertTrue(m.contains(f), "should say '" + f + "': " + m);
    }

    private void assertRejected(String header, int dataBytes, String... fragments) {
        Path f = file(header, dataBytes);
        assertRejected(f, f, fragments);
    }

    @Test
    void truncatedBeforeTheHeaderLength() throws IOException {
        Path f = Files.write(dir.resolve("short.safetensors"), new byte[] {1, 2, 3});
        assertRejected(f, f, "truncated", "3 bytes", "8-byte header length");
        Path empty = Files.write(dir.resolve("empty.safetensors"), new byte[0]);
        assertRejected(empty, empty, "truncated", "0 bytes");
    }

    @Test
    void headerLengthPastTheEndOfTheFile() {
        Path f = RawFiles.write(dir.resolve("long.safetensors"), 1000, "{}".getBytes(), new byte[0]);
        assertRejected(f, f, "header length 1000", "past the end", "10 bytes");
        Path huge = RawFiles.write(dir.resolve("huge.safetensors"), -1L, "{}".getBytes(), new byte[0]);
        assertRejected(huge, huge, "header length 18446744073709551615", "past the end");
    }

    @Test
    void headerThatIsNotJson() {
        assertRejected("{\"a\": {\"dtype\": ", 0, "not valid JSON");
        assertRejected("{} trailing", 0, "not valid JSON");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "not valid JSON", "Duplicate");
    }

    @Test
    void headerThatIsNotUtf8OrLooksLikeAnotherEncoding() {
        // Jackson guesses UTF-16/32 from zero bytes; the format says UTF-8, and no reader's exception may leak.
        for (byte[] header : new byte[][] {RawFiles.bytes('{', 0, 0, 0), RawFiles.bytes('{', 0, '}', 0), RawFiles.bytes('{', '"', 0xff, '"', '}')}) {
            Path f = RawFiles.write(dir.resolve("enc.safetensors"), header.length, header, new byte[0]);
            var e = assertThrows(SafetensorsException.class, () -> TensorStore.open(f).close());
            assertTrue(e.getMessage().startsWith(f + ": header is not valid"), e.getMessage());
            assertTrue(!e.getMessage().contains("Exception") && !e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void headerThatIsNotAnObject() {
        assertRejected("[1, 2, 3]", 0, "JSON object", "array");
        assertRejected("\"x\"", 0, "JSON object");
        assertRejected("{\"w\": [1]}", 0, "'w'", "entry must be an object");
    }

    @Test
    void entryMissingAField() {
        assertRejected("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "'w'", "missing \"dtype\"", "F32");
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "'w'", "missing \"shape\"", "array of integers");
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "'w'", "missing \"data_offsets\"", "array of 2 integers");
    }

    @Test
    void fieldsOfTheWrongKind() {
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4, "'w'", "data_offsets", "2 integers");
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, "'w'", "shape", "integers");
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}}", 4, "'w'", "shape");
        assertRejected("{\"w\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "'w'", "dtype");
        assertRejected("{\"__metadata__\":{\"n\":1}}", 0, "__metadata__.n", "must be a string");
    }

    @Test
    void unknownDtype() {
        assertRejected("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1,
                "'w'", "unknown dtype 'F8_E4M3'", "F32, F16, BF16, I32, I64");
    }

    @Test
    void negativeDimension() {
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,4]}}", 4,
                "'w'", "shape[1] is -1", "non-negative");
    }

    @Test
    void offsetsOutOfRange() {
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 12,
                "'w'", "[0, 16]", "past the end of the data (12 bytes");
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4,
                "'w'", "0 <= begin <= end");
    }

    @Test
    void beginAfterEnd() {
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8,
                "'w'", "[8, 4]", "not an interval");
    }

    @Test
    void overlappingTensors() {
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12,
                "'b'", "overlap tensor 'a'", "[0, 8]");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}", 8,
                "'z'", "overlap tensor 'a'");
    }

    @Test
    void shapeDisagreeingWithTheByteRange() {
        assertRejected("{\"w\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[0,16]}}", 16,
                "'w'", "shape [2, 3] of BF16 needs 12 bytes", "span 16");
        assertRejected("{\"w\":{\"dtype\":\"I64\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8,
                "'w'", "more elements than a file can hold");
    }

    /** Two F32 tensors, a = [1, 2] and b = [3], whose header is padded with 7 spaces as writers do. */
    private static final String TWO_TENSORS = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}       ";

    @Test
    void headerLengthOneToSevenBytesShortIsRefusedNotReadShifted() {
        byte[] header = TWO_TENSORS.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] data = new byte[12];
        for (int k = 1; k <= 7; k++) {
            // The JSON still parses (only padding is cut), but the data would start k bytes early.
            Path f = RawFiles.write(dir.resolve("short" + k + ".safetensors"), header.length - k, header, data);
            assertRejected(f, f, k + " bytes after the last tensor", "fill the data exactly");
        }
    }

    @Test
    void headerLengthOneToSevenBytesLongIsRefused() {
        byte[] header = TWO_TENSORS.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        // Data bytes that are JSON whitespace, so the longer header still parses.
        byte[] data = new byte[12];
        java.util.Arrays.fill(data, (byte) ' ');
        for (int k = 1; k <= 7; k++) {
            Path f = RawFiles.write(dir.resolve("long" + k + ".safetensors"), header.length + k, header, data);
            assertRejected(f, f, k <= 4 ? "'b'" : "'a'", "past the end of the data (" + (12 - k) + " bytes");
        }
    }

    @Test
    void appendedBytesAreRefused() {
        Path f = RawFiles.write(dir.resolve("appended.safetensors"), TWO_TENSORS, new byte[15]);
        assertRejected(f, f, "3 bytes after the last tensor", "data is 15 bytes", "tensors end at 12");
        Path empty = RawFiles.write(dir.resolve("nothing.safetensors"), "{}", new byte[1]);
        assertRejected(empty, empty, "1 bytes after the last tensor");
    }

    @Test
    void gapsBetweenOrBeforeTensorsAreRefused() {
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12,
                "'b'", "leave bytes [4, 8) unused", "where tensor 'a' ends");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
                "'a'", "leave bytes [0, 4) unused", "start of the data");
    }

    @Test
    void zeroSizedTensorsBetweenOthersAreAccepted() {
        Path f = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"z\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[4,4]},"
                + "\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
        try (TensorStore s = TensorStore.open(f)) {
            org.junit.jupiter.api.Assertions.assertEquals(java.util.Set.of("a", "z", "b"), s.names());
            org.junit.jupiter.api.Assertions.assertEquals(0, s.tensor("z").numel());
            org.junit.jupiter.api.Assertions.assertEquals(4, s.tensor("b").data().address() - s.tensor("a").data().address());
        }
    }

    @Test
    void headerStartingWithWhitespaceIsRefused() {
        assertRejected(" {}", 0, "must begin with '{'", "byte 32");
    }

    @Test
    void metadataNumbersAreReadWithTheFileAndKeyNamed() {
        Path f = file("{\"__metadata__\":{\"step\":\"214\",\"bad\":\"abc\",\"big\":\"99999999999999999999\"}}", 0);
        try (TensorStore s = TensorStore.open(f)) {
            org.junit.jupiter.api.Assertions.assertEquals(java.util.OptionalLong.of(214), s.metadataLong("step"));
            org.junit.jupiter.api.Assertions.assertEquals(java.util.OptionalLong.empty(), s.metadataLong("absent"));
            for (String key : new String[] {"bad", "big"}) {
                var e = assertThrows(SafetensorsException.class, () -> s.metadataLong(key));
                assertTrue(e.getMessage().startsWith(f + ": metadata \"" + key + "\" is '"), e.getMessage());
                assertTrue(e.getMessage().contains("expected a decimal integer"), e.getMessage());
                assertTrue(!e.getMessage().contains("For input string") && !e.getMessage().contains("\n"), e.getMessage());
            }
        }
        SafetensorsWriter.write(dir.resolve("s1.safetensors"), Map.of("x", TensorData.f32(new long[] {1}, new float[] {1})));
        Path index = writeIndex("{\"metadata\":{\"total_size\":\"4x\"},\"weight_map\":{\"x\":\"s1.safetensors\"}}");
        try (TensorStore s = TensorStore.open(index)) {
            var e = assertThrows(SafetensorsException.class, () -> s.metadataLong("total_size"));
            assertTrue(e.getMessage().startsWith(index + ": metadata \"total_size\" is '4x'"), e.getMessage());
        }
    }

    @Test
    void indexNamingATensorMissingFromItsShard() {
        SafetensorsWriter.write(dir.resolve("s1.safetensors"), Map.of("x", TensorData.f32(new long[] {1}, new float[] {1})));
        Path index = writeIndex("{\"metadata\":{},\"weight_map\":{\"x\":\"s1.safetensors\",\"y\":\"s1.safetensors\"}}");
        assertRejected(index, dir.resolve("s1.safetensors"), "'y'", "named in " + index, "missing from this shard");
    }

    @Test
    void indexNamingAMissingFile() {
        Path index = writeIndex("{\"weight_map\":{\"x\":\"nowhere.safetensors\"}}");
        assertRejected(index, index, "'x'", "nowhere.safetensors", "does not exist");
    }

    @Test
    void indexThatIsNotAnIndex() {
        assertRejected(writeIndex("{\"weight_map\":"), dir.resolve(TensorStore.INDEX_FILE), "not valid JSON");
        assertRejected(writeIndex("{\"metadata\":{}}"), dir.resolve(TensorStore.INDEX_FILE), "\"weight_map\"");
        assertRejected(writeIndex("{\"weight_map\":{\"x\":3}}"), dir.resolve(TensorStore.INDEX_FILE), "'x'", "shard file name");
    }

    @Test
    void aBrokenShardIsNamedThroughTheIndex() throws IOException {
        Files.write(dir.resolve("s1.safetensors"), new byte[] {0});
        Path index = writeIndex("{\"weight_map\":{\"x\":\"s1.safetensors\"}}");
        assertRejected(index, dir.resolve("s1.safetensors"), "truncated");
    }

    private Path writeIndex(String json) {
        try {
            return Files.writeString(dir.resolve(TensorStore.INDEX_FILE), json);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
