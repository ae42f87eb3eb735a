package saelab.train.trainer;

import java.util.Locale;
import saelab.train.penalty.PenaltyConfig;

/**
 * Everything a training run is, as plain data (saved into cfg.json, read back on resume).
 *
 * @param architecture    topk or standard (ReLU + decoder-norm-weighted L1)
 * @param dIn             activation width d
 * @param dSae            latents m
 * @param k               TopK's k (ignored by standard)
 * @param lr              peak learning rate
 * @param steps           optimiser steps; p = step / steps
 * @param batch           rows per step
 * @param seed            seeds the initialisation and the data stream
 * @param warmupSteps     linear lr warm-up
 * @param decayStart      step from which lr decays linearly to 0 (≥ steps: no decay)
 * @param auxkAlpha       weight of the auxiliary TopK loss on dead latents (0: off)
 * @param deadTokens      a latent is dead after this many tokens without firing
 * @param kAux            latents the auxiliary loss keeps per row (dictionary_learning: d/2)
 * @param l1              L1 coefficient of the standard SAE
 * @param l1WarmupSteps   the L1 coefficient ramps linearly from 0 over these steps
 * @param penalty         orthogonality penalty, co-firing or orthogonal (TopK only)
 * @param gradClip        global gradient-norm clip (dictionary_learning: 1.0; ≤ 0: off)
 * @param logEvery        one JSONL line every this many steps (and at the last)
 * @param checkpointEvery checkpoint every this many steps (0: only at the end)
 * @param source          what produced the activations, e.g. "synthetic:small"
 * @param hookName        SAELens hook name for cfg.json
 * @param modelName       SAELens model name for cfg.json
 */
public record TrainConfig(Architecture architecture, int dIn, int dSae, int k, double lr, long steps, int batch,
                          long seed, long warmupSteps, long decayStart, double auxkAlpha, long deadTokens,
                          int kAux, double l1, long l1WarmupSteps, PenaltyConfig penalty, double gradClip,
                          long logEvery, long checkpointEvery, String source, String hookName, String modelName) {

    public enum Architecture {
        TOPK, STANDARD;

        /** The SAELens architecture name. */
        public String saeLensName() { return this == TOPK ? "topk" : "standard"; }

        public static Architecture parse(String s) {
            return switch (s.strip().toLowerCase(Locale.ROOT)) {
                case "topk" -> TOPK;
                case "relu", "standard" -> STANDARD;
                default -> throw new IllegalArgumentException("SAE architecture must be 'topk' or 'relu' (standard), got '" + s + "'");
            };
        }
    }

    public TrainConfig {
        if (architecture == null) throw new IllegalArgumentException("architecture is required");
        if (dIn <= 0 || dSae <= 0) throw new IllegalArgumentException("d_in and d_sae (m) must be > 0, got " + dIn + ", " + dSae);
        if (architecture == Architecture.TOPK && (k <= 0 || k > dSae)) throw new IllegalArgumentException("k must be in [1, m = " + dSae + "], got " + k);
        if (!(lr > 0) || !Double.isFinite(lr)) throw new IllegalArgumentException("lr must be a positive number, got " + lr);
        if (steps <= 0) throw new IllegalArgumentException("steps must be > 0, got " + steps);
        if (batch <= 0) throw new IllegalArgumentException("batch must be > 0, got " + batch);
        if (warmupSteps < 0 || decayStart < 0 || l1WarmupSteps < 0) throw new IllegalArgumentException("warm-up and decay steps must be ≥ 0");
        if (!(auxkAlpha >= 0) || deadTokens <= 0 || kAux <= 0) throw new IllegalArgumentException("auxk_alpha ≥ 0, dead tokens > 0 and k_aux > 0 are required");
        if (!(l1 >= 0)) throw new IllegalArgumentException("l1 must be ≥ 0, got " + l1);
        if (penalty == null) throw new IllegalArgumentException("penalty is required (PenaltyConfig.none() for none)");
        if (architecture == Architecture.STANDARD && penalty.active()) {
            throw new IllegalArgumentException((penalty.coFiring() ? "the co-firing penalty works on sparse TopK codes"
                    : "the orthogonal penalty is trained with TopK SAEs only") + "; use --sae topk with --penalty "
                    + PenaltyConfig.name(penalty.kind()) + " (or --penalty none with relu)");
        }
        if (penalty.kind() == PenaltyConfig.Kind.ORTHOGONAL && penalty.chunks() > dSae / 2) {
            throw new IllegalArgumentException("orthogonal penalty: chunks must be at most m/2 = " + dSae / 2
                    + " so that every chunk holds two latents, got " + penalty.chunks());
        }
        if (Double.isNaN(gradClip)) throw new IllegalArgumentException("grad_clip must be a number (≤ 0: no clipping), got NaN");
        if (logEvery <= 0 || checkpointEvery < 0) throw new IllegalArgumentException("log-every must be > 0 and checkpoint-every ≥ 0");
    }

    public long lastStep() { return steps - 1; }
}
