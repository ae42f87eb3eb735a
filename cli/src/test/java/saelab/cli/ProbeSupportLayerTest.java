package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The layer comes from the hook wherever the cfg.json layout keeps it, so an SAELens-saved SAE needs no --layer. */
class ProbeSupportLayerTest {
    @TempDir
    Path dir;

    Path cfg(String json) throws Exception {
        Files.writeString(dir.resolve("cfg.json"), json);
        return dir;
    }

    @Test
    void saeLens6KeepsTheHookUnderMetadata() throws Exception {
        Path sae = cfg("{\"d_in\": 4, \"d_sae\": 8, \"architecture\": \"topk\", \"k\": 2, \"metadata\": "
                + "{\"sae_lens_version\": \"6.18.0\", \"hook_name\": \"blocks.7.hook_resid_post\"}}");
        assertEquals(7, ProbeSupport.layer(null, sae));
        assertEquals(3, ProbeSupport.layer(3, sae), "--layer wins");
    }

    @Test
    void olderFilesKeepItAtTheTopLevelOrAsHookPoint() throws Exception {
        assertEquals(2, ProbeSupport.layer(null, cfg("{\"d_in\": 4, \"d_sae\": 8, \"hook_name\": \"blocks.2.hook_resid_post\"}")));
        assertEquals(5, ProbeSupport.layer(null, cfg("{\"d_in\": 4, \"d_sae\": 8, \"hook_point\": \"blocks.5.hook_resid_post\"}")));
    }

    @Test
    void noHookOrAnotherHookAsksForLayer() throws Exception {
        String none = assertThrows(IllegalArgumentException.class, () -> ProbeSupport.layer(null,
                cfg("{\"d_in\": 4, \"d_sae\": 8, \"architecture\": \"standard\", \"metadata\": {\"sae_lens_version\": \"6.18.0\"}}"))).getMessage();
        assertTrue(none.contains("no hook_name") && none.contains("give --layer"), none);
        String mlp = assertThrows(IllegalArgumentException.class, () -> ProbeSupport.layer(null,
                cfg("{\"d_in\": 4, \"d_sae\": 8, \"hook_name\": \"blocks.0.hook_mlp_out\"}"))).getMessage();
        assertTrue(mlp.contains("'blocks.0.hook_mlp_out'") && mlp.contains("give --layer"), mlp);
    }
}
