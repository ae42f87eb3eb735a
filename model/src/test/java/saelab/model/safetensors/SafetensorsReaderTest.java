package saelab.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsReaderTest {
    @TempDir Path dir;

    @Test
    void readsAHandBuiltFileInPlace() {
        String header = """
                {"__metadata__":{"format":"pt","note":"hand built"},
                 "a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},
                 "b":{"dtype":"BF16","shape":[3],"data_offsets":[16,22]},
                 "c":{"dtype":"F16","shape":[2],"data_offsets":[22,26]},
                 "d":{"dtype":"I64","shape":[1],"data_offsets":[26,34]},
                 "e":{"dtype":"I32","shape":[0,3],"data_offsets":[34,34]},
                 "f":{"dtype":"I32","shape":[],"data_offsets":[34,38]}}""";
        ByteBuffer data = ByteBuffer.allocate(38).order(ByteOrder.LITTLE_ENDIAN);
        data.putFloat(1f).putFloat(-2.5f).putFloat(0f).putFloat(1e-3f);
        data.putShort((short) 0x3F80).putShort((short) 0xC000).putShort((short) 0x3F00); // bf16 1, -2, 0.5
        data.putShort((short) 0x3C00).putShort((short) 0xC100);                          // f16 1, -2.5
        data.putLong(1L << 40);
        data.putInt(-7);
        Path file = RawFiles.write(dir.resolve("known.safetensors"), header, data.array());

        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertEquals(java.util.List.of("a", "b", "c", "d", "e", "f"), java.util.List.copyOf(st.names()));
            assertEquals(Map.of("format", "pt", "note", "hand built"), st.metadata());
            TensorView a = st.tensor("a");
            assertEquals(Dtype.F32, a.dtype());
            assertArrayEquals(new long[] {2, 2}, a.shape());
            assertEquals(16, a.data().byteSize());
            assertArrayEquals(new float[] {1f, -2.5f, 0f, 1e-3f}, a.toFloatArray());
            assertArrayEquals(new float[] {1f, -2f, 0.5f}, st.tensor("b").toFloatArray());
            assertArrayEquals(new float[] {1f, -2.5f}, st.tensor("c").toFloatArray());
            assertArrayEquals(new long[] {1L << 40}, st.tensor("d").toLongArray());
            assertEquals(0, st.tensor("e").numel());
            assertArrayEquals(new int[0], st.tensor("e").toIntArray());
            assertArrayEquals(new long[0], st.tensor("f").shape());
            assertArrayEquals(new int[] {-7}, st.tensor("f").toIntArray());
            // The view is the file's bytes, not a copy: its address is inside the mapping.
            assertTrue(a.data().isNative() && a.data().isMapped());
        }
    }

    /** A tensor whose bytes start past 2^31 and 2^32: every byte position must be a long. */
    @Test
    void readsTensorsPastEightGigabytesOfASparseFile() throws IOException {
        long big = 9L << 30; // 9 GiB of F32 (more elements than a Java array holds), never written: sparse
        String header = "{\"big\":{\"dtype\":\"F32\",\"shape\":[" + big / 4 + "],\"data_offsets\":[0," + big + "]},"
                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + big + "," + (big + 8) + "]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        Path file = RawFiles.write(dir.resolve("big.safetensors"), json.length, json, new byte[0]);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long tail = 8 + json.length + big;
            raf.setLength(tail + 8);
            raf.seek(tail); // RandomAccessFile writes big-endian; safetensors is little-endian
            raf.writeInt(Integer.reverseBytes(Float.floatToIntBits(3.25f)));
            raf.writeInt(Integer.reverseBytes(Float.floatToIntBits(-1f)));
        }
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertEquals(big, st.tensor("big").data().byteSize());
            assertEquals(big / 4, st.tensor("big").numel());
            assertArrayEquals(new float[] {3.25f, -1f}, st.tensor("tail").toFloatArray());
            var e = assertThrows(SafetensorsException.class, () -> st.tensor("big").toFloatArray());
            assertTrue(e.getMessage().contains("big") && e.getMessage().contains("Java array"), e.getMessage());
        }
    }

    @Test
    void viewsOfAClosedFileThrowInsteadOfCrashing() {
        Path file = RawFiles.write(dir.resolve("x.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]);
        TensorView x;
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            x = st.tensor("x");
        }
        assertThrows(IllegalStateException.class, x::toFloatArray);
    }

    @Test
    void directoryWithoutCheckpointIsNamed() {
        var e = assertThrows(SafetensorsException.class, () -> TensorStore.open(dir));
        assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Test
    void askingForAnAbsentTensorNamesFileAndTensor() {
        Path file = RawFiles.write(dir.resolve("x.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            var e = assertThrows(SafetensorsException.class, () -> st.tensor("y"));
            assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("'y'"), e.getMessage());
        }
    }
}
