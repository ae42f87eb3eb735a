package saelab.train.checkpoint;

import java.nio.file.Path;
import java.util.Map;
import saelab.model.safetensors.SafetensorsFile;
import saelab.model.safetensors.SafetensorsWriter;
import saelab.model.safetensors.TensorData;
import saelab.train.sae.SparseCodes;

/**
 * SAELens's {@code sparsity.safetensors}: one tensor {@code sparsity} [d_sae], float32, each
 * latent's log10 firing density, log10(fraction of tokens it fired on + 1e-10) (SAELens's
 * {@code _log_feature_sparsity}, so a latent that never fired reads −10). SAELens counts over its
 * feature-sampling window; saelab counts over the batch of the checkpoint's last step, the rows
 * the weights just trained on, which the metadata names (rows, step).
 */
public final class FeatureSparsity {
    private FeatureSparsity() {}

    public static final String FILE = "sparsity.safetensors";
    public static final String TENSOR = "sparsity";
    /** SAELens's eps inside the log10. */
    public static final double EPS = 1e-10;

    /** Per latent: log10(rows it fired on / rows + 1e-10). */
    public static float[] log10Density(SparseCodes codes) {
        long[] fired = firingCounts(codes);
        float[] out = new float[codes.m()];
        for (int j = 0; j < out.length; j++) out[j] = (float) Math.log10((double) fired[j] / codes.rows() + EPS);
        return out;
    }

    /** Per latent: the rows whose codes hold it with a positive value. */
    public static long[] firingCounts(SparseCodes codes) {
        long[] fired = new long[codes.m()];
        for (int s = 0; s < codes.idx().length; s++) if (codes.val()[s] > 0) fired[codes.idx()[s]]++;
        return fired;
    }

    /** Writes the file into {@code dir} atomically (the checkpoint's folder). */
    public static void write(Path dir, float[] log10Density, long step, int rows) {
        SafetensorsWriter.write(dir.resolve(FILE), Map.of(TENSOR, TensorData.f32(new long[] {log10Density.length}, log10Density)),
                Map.of("saelab_step", Long.toString(step), "saelab_rows", Integer.toString(rows)));
    }

    /** The {@code sparsity} tensor of {@code dir}'s file. */
    public static float[] read(Path dir) {
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(FILE))) {
            return f.tensor(TENSOR).toFloatArray();
        }
    }
}
