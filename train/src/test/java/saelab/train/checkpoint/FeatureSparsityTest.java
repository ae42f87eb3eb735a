package saelab.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.safetensors.SafetensorsFile;
import saelab.train.TestConfigs;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.sae.SparseCodes;
import saelab.train.source.SyntheticConfig;
import saelab.train.source.SyntheticSource;
import saelab.train.trainer.TrainConfig;
import saelab.train.trainer.TrainingRun;

/**
 * sparsity.safetensors, SAELens's file: written with every checkpoint, listed in its manifest,
 * and holding log10(firing fraction + 1e-10) of the SAE's codes on the last step's batch.
 */
class FeatureSparsityTest {
    static final int D = 16, M = 48, K = 4, BATCH = 64, STEPS = 12;

    @Test void topkAndStandardRunsWriteTheirLastBatchesFiringDensities(@TempDir Path dir) throws Exception {
        for (String arch : new String[] {"topk", "standard"}) {
            Path out = dir.resolve(arch);
            SyntheticSource src = new SyntheticSource(SyntheticConfig.independent(32, D, 3, 1.0, 0.2, 7));
            TrainConfig cfg = TestConfigs.legacy(arch, D, M, K, 3e-3, STEPS, BATCH, 1, 2, 10, 1.0 / 32, 4L * BATCH, D / 2, 0.04, 3,
                    PenaltyConfig.none(), 1.0, 4, 5, "synthetic:test", "t", "t");
            TrainingRun.start(cfg, src, TrainingRun.Options.to(out));

            // The manifest lists the file with the size and hash of the committed copy, which the top level links.
            JsonNode manifest = SaeCheckpoint.JSON.readTree(out.resolve(CheckpointManifest.FILE).toFile());
            JsonNode entry = manifest.path("files").path(FeatureSparsity.FILE);
            Path committed = out.resolve(manifest.get("dir").asText()).resolve(FeatureSparsity.FILE);
            assertEquals(Files.size(committed), entry.get("size").asLong(), arch);
            assertEquals(sha256(committed), entry.get("sha256").asText(), arch);
            assertEquals(sha256(committed), sha256(out.resolve(FeatureSparsity.FILE)), arch + ": top level is the committed file");
            try (SafetensorsFile f = SafetensorsFile.open(out.resolve(FeatureSparsity.FILE))) {
                assertEquals("[" + M + "]", java.util.Arrays.toString(f.tensor(FeatureSparsity.TENSOR).shape()), arch + ": shape [d_sae]");
            }

            // Reference: the final SAE's codes on the batch of the last step, counted here row by row.
            float[] x = new float[BATCH * D];
            src.batchAt(STEPS - 1, x, BATCH);
            SparseCodes codes = SaeCheckpoint.read(out).sae().encode(x, BATCH);
            int[] rowsFired = new int[M];
            for (int r = 0; r < BATCH; r++) {
                boolean[] seen = new boolean[M];
                for (int s = r * codes.k(); s < (r + 1) * codes.k(); s++) {
                    if (codes.val()[s] > 0 && !seen[codes.idx()[s]]) { seen[codes.idx()[s]] = true; rowsFired[codes.idx()[s]]++; }
                }
            }
            float[] sparsity = FeatureSparsity.read(out);
            double densitySum = 0;
            int firing = 0;
            for (int j = 0; j < M; j++) {
                double ref = Math.log10((double) rowsFired[j] / BATCH + 1e-10);
                // The file holds the float nearest the float64 value: within half an ulp of float.
                assertTrue(Math.abs(sparsity[j] - ref) <= Math.ulp((float) ref), arch + " latent " + j + ": " + sparsity[j] + " vs " + ref);
                densitySum += Math.pow(10, sparsity[j]);
                if (rowsFired[j] > 0) firing++;
            }
            assertTrue(firing > 0, arch + ": no latent fired on the batch");
            // Σ_j density_j is the batch's mean L0. Each density carries float rounding of its log10 (|log10| ≤ 10:
            // relative ≤ ln10·10·2⁻²⁴ ≈ 1.4e-6) plus the 1e-10 eps: ≤ 1.4e-6·L0 + M·1e-10; asserted within 1e-5.
            assertEquals(codes.l0(), densitySum, 1e-5, arch + ": densities sum to the batch's L0");
            assertTrue(codes.l0() > 0, arch + ": the codes fire");
        }
    }

    private static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }
}
