package saelab.cli;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The seed experiment's configurations (method.md) and its planned variations. Sizes (m, k)
 * come from the source: 16384 and 320 at gemma-2-2b's d = 2304, scaled for synthetic data.
 * Learning rates are the baselines' at m = 16384, scaled by √(16384/m) for smaller
 * dictionaries as dictionary_learning's TopK trainer does. Synthetic data is another scale
 * altogether, so there the preset's lr is multiplied by 15 (TopK 3e-3): measured on
 * synthetic:small, 1500 steps × 512 rows, TopK m 1024 k 8 recovered mean max |cos| 0.70 at
 * the scaled 8e-4 and 0.92 at 3e-3.
 */
enum TrainPreset {
    TOPK("topk", "TopK baseline: k 320, lr 2e-4, no penalty", "topk", 2e-4, "none", "0", "0", 0),
    STANDARD("standard", "ReLU + L1 baseline: L1 0.04 with warm-up, lr 3e-4", "relu", 3e-4, "none", "0", "0", 0.04),
    ADAPTIVE("adaptive", "adaptive sparse orthogonal: λ2 quadratic(0.1), threshold linear(0.1)", "topk", 2e-4, "adaptive", "quadratic(0.1)", "linear(0.1)", 0),
    STATIC("static", "static orthogonal: λ2 0.1 and threshold 0.1 throughout", "topk", 2e-4, "static", "0.1", "0.1", 0),
    ADAPTIVE_STRONG("adaptive-strong", "variation: λ2 quadratic(0.2), threshold linear(0.05)", "topk", 2e-4, "adaptive", "quadratic(0.2)", "linear(0.05)", 0),
    ADAPTIVE_FAST("adaptive-fast", "variation, faster decay: λ2 power(0.1, 4), threshold power(0.1, 2)", "topk", 2e-4, "adaptive", "power(0.1, 4)", "power(0.1, 2)", 0),
    ADAPTIVE_POWER("adaptive-power", "variation, non-linear threshold: λ2 quadratic(0.1), threshold power(0.1, 0.1)", "topk", 2e-4, "adaptive", "quadratic(0.1)", "power(0.1, 0.1)", 0),
    ADAPTIVE_TUNED("adaptive-tuned", "variation, tuned (0.15, 0.08, 0.2): λ2 quadratic(0.15), threshold power(0.08, 0.2)", "topk", 2e-4, "adaptive", "quadratic(0.15)", "power(0.08, 0.2)", 0);

    final String id, description, sae, penalty, lambda2, threshold;
    final double lrAt16384, l1;

    TrainPreset(String id, String description, String sae, double lrAt16384, String penalty, String lambda2, String threshold, double l1) {
        this.id = id;
        this.description = description;
        this.sae = sae;
        this.lrAt16384 = lrAt16384;
        this.penalty = penalty;
        this.lambda2 = lambda2;
        this.threshold = threshold;
        this.l1 = l1;
    }

    double lr(int m, boolean synthetic) { return synthetic ? lrAt16384 * SYNTHETIC_LR_FACTOR : lrAt16384 * Math.sqrt(16384.0 / m); }

    static final double SYNTHETIC_LR_FACTOR = 15;

    static TrainPreset parse(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(p -> p.id.equals(t)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown preset '" + s + "'; known:\n" + help()));
    }

    static String help() {
        return Arrays.stream(values()).map(p -> String.format("  %-16s %s", p.id, p.description)).collect(Collectors.joining("\n"));
    }
}
