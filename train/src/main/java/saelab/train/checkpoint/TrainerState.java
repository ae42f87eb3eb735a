package saelab.train.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import saelab.model.safetensors.SafetensorsFile;
import saelab.model.safetensors.TensorData;
import saelab.train.trainer.SaeTrainer;

/**
 * The part of a training run that is not the SAE: Adam's moments and step count, the tokens
 * since each latent fired, and the step, in {@code trainer_state.safetensors}. With the weights
 * and the config this is everything a run depends on (data comes from the source by step
 * index), so a resumed run continues bit for bit.
 */
public final class TrainerState {
    private TrainerState() {}

    public static final String FILE = "trainer_state.safetensors";

    public static void write(Path dir, SaeTrainer t) {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        var names = t.params().names();
        for (int i = 0; i < names.size(); i++) {
            int[] dims = t.params().list().get(i).shape();
            long[] shape = new long[dims.length];
            for (int a = 0; a < dims.length; a++) shape[a] = dims[a];
            tensors.put("adam_m." + names.get(i), TensorData.f32(shape, t.optimizer().firstMoment(i).clone()));
            tensors.put("adam_v." + names.get(i), TensorData.f32(shape, t.optimizer().secondMoment(i).clone()));
        }
        tensors.put("tokens_since_fired", TensorData.i64(new long[] {t.tokensSinceFired().length}, t.tokensSinceFired().clone()));
        saelab.model.safetensors.SafetensorsWriter.write(dir.resolve(FILE), tensors,
                Map.of("step", Long.toString(t.step()), "adam_steps", Long.toString(t.optimizer().steps())));
    }

    public static boolean exists(Path dir) { return Files.isRegularFile(dir.resolve(FILE)); }

    /** Restores into a trainer built from the checkpoint's weights; returns the step to continue at. */
    public static long restore(Path dir, SaeTrainer t, long weightsStep) {
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(FILE))) {
            long step = f.metadataLong("step").orElse(-1);
            if (step != weightsStep) {
                throw new IllegalStateException(dir + ": trainer state is at step " + step + " but the weights at step " + weightsStep
                        + " (a checkpoint was interrupted between files); cannot resume bit-identically");
            }
            long adamSteps = f.metadataLong("adam_steps").orElseThrow(() -> new saelab.model.safetensors.SafetensorsException(
                    f.file() + ": metadata has no \"adam_steps\", expected the optimizer's step count"));
            var names = t.params().names();
            float[][] m = new float[names.size()][], v = new float[names.size()][];
            for (int i = 0; i < names.size(); i++) {
                m[i] = f.tensor("adam_m." + names.get(i)).toFloatArray();
                v[i] = f.tensor("adam_v." + names.get(i)).toFloatArray();
            }
            t.restore(step, adamSteps, m, v, f.tensor("tokens_since_fired").toLongArray());
            return step;
        }
    }
}
