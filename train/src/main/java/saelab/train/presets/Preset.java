package saelab.train.presets;

import java.util.Map;
import saelab.train.arch.SaeArchitecture;
import saelab.train.penalty.PenaltyConfig;

/**
 * A named starting configuration: architecture and its settings, penalty, and learning rate.
 *
 * @param id          the name {@code --preset} and {@code --variants} take
 * @param description one line for help and reports
 * @param settings    the architecture's settings this preset fixes, by key (the rest take the caller's defaults)
 * @param lrAt16384   the baseline's learning rate at m = 16384 on model activations ({@link #lr})
 */
public record Preset(String id, String description, SaeArchitecture architecture, Map<String, String> settings,
                     PenaltyConfig penalty, double lrAt16384) {

    public Preset {
        settings = Map.copyOf(settings);
        if (penalty.active() && !architecture.supportsPenalty()) {
            throw new IllegalArgumentException("preset " + id + ": the " + architecture.name() + " SAE takes no penalty");
        }
    }

    /**
     * The learning rate for m latents: on model activations the baseline's at m = 16384 scaled by
     * √(16384/m), as dictionary_learning's TopK trainer scales it; on synthetic data, another scale
     * altogether, the preset's times {@link Presets#SYNTHETIC_LR_FACTOR}.
     */
    public double lr(int m, boolean synthetic) {
        return synthetic ? lrAt16384 * Presets.SYNTHETIC_LR_FACTOR : lrAt16384 * Math.sqrt(16384.0 / m);
    }
}
