package saelab.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.safetensors.SafetensorsException;
import saelab.model.safetensors.SafetensorsWriter;
import saelab.model.safetensors.TensorData;

/** A checkpoint's step metadata that is not a number is named with its file and key, not "For input string". */
class CheckpointMetadataTest {
    @TempDir Path dir;

    private void weights(String step) throws IOException {
        int d = 2, m = 3;
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("W_enc", TensorData.f32(new long[] {d, m}, new float[d * m]));
        t.put("b_enc", TensorData.f32(new long[] {m}, new float[m]));
        t.put("W_dec", TensorData.f32(new long[] {m, d}, new float[m * d]));
        t.put("b_dec", TensorData.f32(new long[] {d}, new float[d]));
        SafetensorsWriter.write(dir.resolve(SaeCheckpoint.WEIGHTS), t, Map.of("saelab_step", step));
        Files.writeString(dir.resolve(SaeCheckpoint.CONFIG), "{\"d_in\": 2, \"d_sae\": 3}");
    }

    @Test
    void aNumericStepIsRead() throws IOException {
        weights("214");
        assertEquals(214, SaeCheckpoint.read(dir).step());
    }

    @Test
    void aNonNumericStepNamesTheFileAndKey() throws IOException {
        weights("abc");
        var e = assertThrows(SafetensorsException.class, () -> SaeCheckpoint.read(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve(SaeCheckpoint.WEIGHTS) + ": metadata \"saelab_step\" is 'abc'"), e.getMessage());
        assertTrue(!e.getMessage().contains("For input string"), e.getMessage());
    }
}
