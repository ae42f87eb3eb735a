package saelab.model.gemma2;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import saelab.model.GemmaConfig;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.TensorStore;

/**
 * The whole forward pass against {@link Float64Gemma2} on tiny random checkpoints of several
 * shapes. Error measure: for the logits and for each layer's resid_post, the relative error
 * ‖model − reference‖₂ / ‖reference‖₂ over the whole [rows × width] tensor.
 *
 * <p>Tolerance 1e-4 (the bound). What float32 should give: every step rounds at
 * u = 6e-8 relative; dot products of length k ≤ 64 add √k·u typically (k·u = 4e-6 at worst);
 * exp/tanh from the Vector API are within 1 ulp; a few layers compound this additively, so
 * about 1e-6 is expected and 1e-4 leaves two orders of margin while still catching any
 * formula error (a missing "1 +", the wrong rotary pairing or head mapping give errors of order 1).
 * The same bound holds for bf16 and f16 weights: both sides read the identical stored values, and
 * the model computes in float32 from them.
 */
class Float64ReferenceTest {
    static final double TOLERANCE = 1e-4;

    @TempDir Path tmp;

    static Stream<Arguments> cases() {
        return Stream.of(
                // name, config, dtype, max shard bytes (small: sharded), batch, length
                Arguments.of("GQA 4q/2kv, window 5 < T 13, caps 5 and 3, f32, one file",
                        TestCheckpoints.config(97, 24, 40, 4, 4, 2, 8, 12, 5, 5.0, 3.0, 10000, true), Dtype.F32, Long.MAX_VALUE, 2, 13),
                Arguments.of("MQA 3q/1kv, odd sizes, window 3, bf16, sharded",
                        TestCheckpoints.config(131, 18, 30, 3, 3, 1, 6, 6, 3, 50.0, 30.0, 10000, true), Dtype.BF16, 4000L, 1, 11),
                Arguments.of("MHA 2q/2kv, no soft-caps, window > T, theta 100, f32, sharded, batch 3",
                        TestCheckpoints.config(64, 16, 48, 2, 2, 2, 10, 10, 32, null, null, 100, true), Dtype.F32, 6000L, 3, 7),
                Arguments.of("GemmaConfig.tiny() (window 8 < T 20), bf16",
                        GemmaConfig.tiny(), Dtype.BF16, Long.MAX_VALUE, 1, 20),
                Arguments.of("untied lm_head, f16, GQA 6q/3kv",
                        TestCheckpoints.config(50, 20, 36, 2, 6, 3, 4, 7, 4, 10.0, 8.0, 10000, false), Dtype.F16, Long.MAX_VALUE, 2, 9));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void logitsAndEveryResidualMatchTheFloat64Reference(String name, GemmaConfig config, Dtype dtype, long maxShard,
                                                         int batch, int length) throws Exception {
        Path dir = TestCheckpoints.write(tmp, config, dtype, 7, maxShard);
        if (maxShard != Long.MAX_VALUE) assertTrue(Files.exists(dir.resolve(TensorStore.INDEX_FILE)), "expected a sharded checkpoint");
        int[][] ids = TestCheckpoints.randomIds(batch, length, config.vocabSize(), 11);
        Float64Gemma2.Output ref = new Float64Gemma2(dir).run(ids);

        Hooks hooks = Hooks.none();
        for (int l = 0; l < config.numHiddenLayers(); l++) hooks.capture(l);
        try (Gemma2Model model = Gemma2Model.load(dir)) {
            ForwardResult out = model.forward(ids, hooks);
            double worst = 0;
            StringBuilder report = new StringBuilder(name + ": relative errors");
            for (int l = 0; l < config.numHiddenLayers(); l++) {
                double e = TestCheckpoints.relativeError(out.residual(l), ref.residuals()[l]);
                report.append(String.format(" resid_post[%d] %.2e", l, e));
                assertTrue(e <= TOLERANCE, name + ": resid_post of layer " + l + " relative error " + e);
                worst = Math.max(worst, e);
            }
            double e = TestCheckpoints.relativeError(out.logits(), ref.logits());
            report.append(String.format(" logits %.2e", e));
            System.out.println(report);
            assertTrue(e <= TOLERANCE, name + ": logits relative error " + e);
        }
    }
}
