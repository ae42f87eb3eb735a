package saelab.model.gemma2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.Dtype;

/**
 * The forward pass gives the same bits whenever it runs in a process. Why this bites: Surefire
 * runs with tiered compilation, so the first pass runs the kernels in the interpreter and C1,
 * and after a few hundred passes C2 has compiled them (the Vector API's intrinsics replace its
 * Java fallback). Before the model path's exp and tanh were computed in a fixed, JIT-independent
 * way, the Vector API's EXP/TANH rounded differently before and after that switch: the tiny
 * model's logits changed at about the 156th pass (issue 14, item 6). Comparing every pass of
 * 320 with the first catches any such switch, wherever it happens.
 */
class ForwardDeterminismTest {
    static final int PASSES = 320;

    @Test
    void everyPassOfThreeHundredTwentyEqualsTheFirstBitForBit(@TempDir Path dir) {
        // The generated tiny model (as ./saelab gen-model writes it) in bf16, the harvest's usual dtype: the bf16 GEMM path.
        GemmaConfig config = GemmaConfig.tiny();
        TestCheckpoints.write(dir, config, Dtype.BF16, 14, Long.MAX_VALUE);
        // 2 × 20 positions: 40 rows, so the GEMM has full and edge tiles, softmax rows have vector
        // bodies and scalar tails, and the window (8) is exceeded.
        int[][] ids = TestCheckpoints.randomIds(2, 20, config.vocabSize(), 3);
        try (Gemma2Model model = Gemma2Model.load(dir)) {
            ForwardResult first = model.forward(ids, Hooks.none().capture(1));
            int[] firstLogits = bits(first.logits()), firstResidual = bits(first.residual(1));
            assertTrue(Arrays.stream(firstLogits).distinct().count() > 1000, "the logits are not trivial");
            int differing = 0, firstDiffering = -1;
            for (int pass = 2; pass <= PASSES; pass++) {
                ForwardResult r = model.forward(ids, Hooks.none().capture(1));
                if (!Arrays.equals(firstLogits, bits(r.logits())) || !Arrays.equals(firstResidual, bits(r.residual(1)))) {
                    if (firstDiffering < 0) firstDiffering = pass;
                    differing++;
                }
            }
            assertEquals(0, differing, differing + " of " + (PASSES - 1) + " later passes differ from the first, from pass "
                    + firstDiffering + " on");
        }
    }

    static int[] bits(float[] x) {
        int[] b = new int[x.length];
        for (int i = 0; i < x.length; i++) b[i] = Float.floatToRawIntBits(x[i]);
        return b;
    }
}
