package saelab.eval.experiment;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import saelab.model.safetensors.SafetensorsWriter;
import saelab.model.safetensors.TensorData;
import saelab.train.source.SyntheticSource;

/**
 * {@code OUT/ground-truth.safetensors}: the synthetic source's true features, so that anyone can
 * score the experiment's checkpoints with their own code. {@code directions} [features, d] (F32,
 * unit rows) and {@code parent} [features] (I32, −1 for a feature with no parent); the metadata
 * names the source spec that regenerates the data.
 */
public final class GroundTruthFile {
    private GroundTruthFile() {}

    public static final String NAME = "ground-truth.safetensors", DIRECTIONS = "directions", PARENT = "parent";

    public static Path write(SyntheticSource src, String sourceSpec, Path dir) {
        int n = src.config().features(), d = src.dim();
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put(DIRECTIONS, TensorData.f32(new long[] {n, d}, src.directions()));
        t.put(PARENT, TensorData.i32(new long[] {n}, src.parents()));
        Path file = dir.resolve(NAME);
        SafetensorsWriter.write(file, t, Map.of("source", sourceSpec, "what", "true feature directions (unit rows) and hierarchy parents (-1: none)"));
        return file;
    }
}
