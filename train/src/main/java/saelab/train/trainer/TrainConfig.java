package saelab.train.trainer;

import saelab.train.arch.SaeArchitecture;
import saelab.train.arch.SaeSettings;
import saelab.train.penalty.PenaltyConfig;

/**
 * Everything a training run is, as plain data (saved into cfg.json, read back on resume): the
 * fields every architecture shares, plus the architecture's own {@link SaeSettings}.
 *
 * @param settings        the architecture and its own settings (TopK's k, standard's L1, ...)
 * @param dIn             activation width d
 * @param dSae            latents m
 * @param lr              peak learning rate
 * @param steps           optimiser steps; p = step / steps
 * @param batch           rows per step
 * @param seed            seeds the initialisation and the data stream
 * @param warmupSteps     linear lr warm-up
 * @param decayStart      step from which lr decays linearly to 0 (≥ steps: no decay)
 * @param deadTokens      a latent is dead after this many tokens without firing
 * @param penalty         orthogonality penalty, co-firing or orthogonal (architectures with fixed-k codes only)
 * @param gradClip        global gradient-norm clip (dictionary_learning: 1.0; ≤ 0: off)
 * @param logEvery        one JSONL line every this many steps (and at the last)
 * @param checkpointEvery checkpoint every this many steps (0: only at the end)
 * @param source          what produced the activations, e.g. "synthetic:small"
 * @param hookName        SAELens hook name for cfg.json
 * @param modelName       SAELens model name for cfg.json
 */
public record TrainConfig(SaeSettings settings, int dIn, int dSae, double lr, long steps, int batch, long seed,
                          long warmupSteps, long decayStart, long deadTokens, PenaltyConfig penalty, double gradClip,
                          long logEvery, long checkpointEvery, String source, String hookName, String modelName) {

    public TrainConfig {
        if (settings == null) throw new IllegalArgumentException("the architecture's settings are required");
        if (dIn <= 0 || dSae <= 0) throw new IllegalArgumentException("d_in and d_sae (m) must be > 0, got " + dIn + ", " + dSae);
        settings.check(dIn, dSae);
        if (!(lr > 0) || !Double.isFinite(lr)) throw new IllegalArgumentException("lr must be a positive number, got " + lr);
        if (steps <= 0) throw new IllegalArgumentException("steps must be > 0, got " + steps);
        if (batch <= 0) throw new IllegalArgumentException("batch must be > 0, got " + batch);
        if (warmupSteps < 0 || decayStart < 0) throw new IllegalArgumentException("warm-up and decay steps must be ≥ 0");
        if (deadTokens <= 0) throw new IllegalArgumentException("dead tokens must be > 0, got " + deadTokens);
        if (penalty == null) throw new IllegalArgumentException("penalty is required (PenaltyConfig.none() for none)");
        if (penalty.active() && !settings.architecture().supportsPenalty()) {
            throw new IllegalArgumentException("the " + PenaltyConfig.name(penalty.kind()) + " penalty acts on fixed-k sparse codes, which the "
                    + settings.architecture().name() + " SAE does not have; use --sae topk with --penalty " + PenaltyConfig.name(penalty.kind())
                    + " (or --penalty none with " + settings.architecture().name() + ")");
        }
        if (penalty.kind() == PenaltyConfig.Kind.ORTHOGONAL && penalty.chunks() > dSae / 2) {
            throw new IllegalArgumentException("orthogonal penalty: chunks must be at most m/2 = " + dSae / 2
                    + " so that every chunk holds two latents, got " + penalty.chunks());
        }
        if (Double.isNaN(gradClip)) throw new IllegalArgumentException("grad_clip must be a number (≤ 0: no clipping), got NaN");
        if (logEvery <= 0 || checkpointEvery < 0) throw new IllegalArgumentException("log-every must be > 0 and checkpoint-every ≥ 0");
    }

    public SaeArchitecture architecture() { return settings.architecture(); }

    public long lastStep() { return steps - 1; }

    /** This configuration with other settings (same architecture or another). */
    public TrainConfig withSettings(SaeSettings s) {
        return new TrainConfig(s, dIn, dSae, lr, steps, batch, seed, warmupSteps, decayStart, deadTokens, penalty, gradClip,
                logEvery, checkpointEvery, source, hookName, modelName);
    }
}
